"""What the report computes from a run's telemetry (no plotting here).

* :func:`run_info` -- the run's row, scenario regime and institution;
* :func:`economy` -- utility families, packed parameters and initial holdings;
* :func:`walrasian_reference` -- the theoretical equilibrium prices of the
  economy as it started (pure exchange of the initial holdings): the barter
  price of A in B (closed form when every agent is Cobb-Douglas, Brent's
  method otherwise; :mod:`vmt.economics.equilibrium`), and in money regimes
  the money prices of the quasilinear economy when they can be computed;
* :func:`valuation_dispersion` -- quote dispersion over time: the
  cross-agent standard deviation of the log of each agent's marginal
  valuation in the regime's signal pair (MRS for A<->B, ``MU_A / lambda``
  for A<->M), recomputed from the snapshots' holdings and lambda;
* :func:`trade_price_path` -- per tick, the volume-weighted price of all trades;
* :func:`welfare` -- the share of the Walrasian gains from trade realised.

Tables are read once per (file, run, table) and cached; callers must not
modify the frames they get.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from vmt.economics import vectorized as V
from vmt.economics.families import family_code, pack_utility_params
from vmt.telemetry import list_runs, read_table

PAIRS = ("A<->B", "A<->M", "B<->M")
REGIME_PAIRS = {"barter": ("A<->B",), "money": ("A<->M", "B<->M"), "mixed": PAIRS}


@lru_cache(maxsize=64)
def table(db: str, run_id: int, name: str) -> pd.DataFrame:
    """One run's telemetry table (cached; do not modify)."""
    return read_table(db, name, run_id)


def run_info(db: str, run_id: int) -> dict:
    """The run's ``runs`` row plus ``regime``, ``institution`` and ``ticks`` run."""
    row = list_runs(db).set_index("run_id").loc[run_id]
    params = json.loads(row["params_json"] or "{}")
    if "exchange_regime" not in params:  # a run written without params: read its scenario
        params = (yaml.safe_load(row["scenario_text"] or "") or {}).get("params", {})
    return {"run_id": run_id, "scenario": row["scenario_name"], "seed": int(row["seed"]),
            "status": row["status"], "ticks": int(row["ticks_completed"]),
            "regime": params.get("exchange_regime", "barter"),
            "institution": params.get("institution", "bilateral")}


def economy(db: str, run_id: int) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """(family codes, packed parameters (n, 8), the ``agents`` table)."""
    agents = table(db, run_id, "agents")
    codes = np.array([family_code(f) for f in agents["utility_family"]], dtype=np.int64)
    params = np.array([pack_utility_params(f, json.loads(p))
                       for f, p in zip(agents["utility_family"], agents["utility_params"])])
    return codes, params.reshape(len(agents), -1), agents


def walrasian_reference(db: str, run_id: int, reasons: dict | None = None) -> dict[str, float]:
    """Equilibrium price per exchange pair of the initial economy, where computable;
    ``reasons`` (if given) receives why each missing pair has none."""
    codes, params, agents = economy(db, run_id)
    return reference_prices(codes, params, agents["A0"].to_numpy(float), agents["B0"].to_numpy(float),
                            agents["M0"].to_numpy(float), agents["lambda_money"].to_numpy(float),
                            run_info(db, run_id)["regime"], reasons)


def reference_prices(codes, params, a0, b0, m0, lam, regime: str, reasons: dict | None = None) -> dict[str, float]:
    """Walrasian price per exchange pair of a pure-exchange economy, where computable.

    ``reasons``, if given, is filled with one sentence per pair of the regime
    that has no price, saying why (the solver's own message).
    """
    from vmt.economics.equilibrium import walrasian_price

    reasons = {} if reasons is None else reasons
    out: dict[str, float] = {}
    if regime == "barter":
        try:
            out["A<->B"] = float(walrasian_price(codes, params, a0, b0))
        except (ValueError, ArithmeticError) as exc:
            reasons["A<->B"] = f"the barter equilibrium solver found no price ({exc})"
        return out
    money, why = _money_equilibrium(codes, params, a0, b0, m0, lam)
    if money is None:
        reasons.update({pair: why for pair in REGIME_PAIRS[regime]})
        return out
    out.update({"A<->M": money[0], "B<->M": money[1]})
    if regime == "mixed":
        out["A<->B"] = money[0] / money[1]
    return out


def welfare(db: str, run_id: int):
    """Share of the Walrasian gains from trade realised by the last agent snapshot
    (a :class:`~vmt.economics.welfare.WelfareShare`; None without snapshots)."""
    from vmt.simulation.welfare import holdings_welfare

    codes, params, agents = economy(db, run_id)
    snaps = table(db, run_id, "agent_snapshots")
    if snaps.empty:
        return None
    last = snaps[snaps["tick"] == snaps["tick"].max()].set_index("agent_id").reindex(agents["agent_id"])
    trades = table(db, run_id, "trades")
    trades = trades[trades["tick"] <= snaps["tick"].max()]
    money = run_info(db, run_id)["regime"] != "barter"
    lam = agents["lambda_money"].to_numpy(float) if money else None
    return holdings_welfare(codes, params, last[["A", "B", "M"]].to_numpy(float), trades, lam)


def reference_failure(db: str, run_id: int) -> str | None:
    """Why the Walrasian reference could not be computed (None when it could)."""
    from vmt.economics.equilibrium import EquilibriumNotFoundError, walrasian_price
    from vmt.economics.quasilinear import quasilinear_equilibrium

    codes, params, agents = economy(db, run_id)
    a0, b0 = agents["A0"].to_numpy(float), agents["B0"].to_numpy(float)
    try:
        if run_info(db, run_id)["regime"] == "barter":
            walrasian_price(codes, params, a0, b0)
        else:
            quasilinear_equilibrium(codes, params, a0, b0, agents["M0"].to_numpy(float),
                                    agents["lambda_money"].to_numpy(float))
    except EquilibriumNotFoundError as failure:
        return str(failure)
    return None


def _money_equilibrium(codes, params, a0, b0, m0, lam) -> tuple[tuple[float, float] | None, str]:
    """(price of A, price of B) in money, or None and why."""
    try:
        from vmt.economics.quasilinear import quasilinear_equilibrium
    except ImportError:  # the quasilinear solver is optional
        return None, "no quasilinear equilibrium solver is installed"
    try:
        eq = quasilinear_equilibrium(codes, params, a0, b0, m0, lam)
    except (ValueError, ArithmeticError) as exc:
        return None, f"the money equilibrium solver found no prices ({exc})"
    return (float(eq.price_a), float(eq.price_b)), ""


def reference_note(reasons: dict[str, str]) -> str:
    """One Markdown line per pair whose p* is shown as "—", with the reason."""
    from vmt.analysis.report import escape_markdown

    return "\n".join(f"- p* is — for {pair}: {escape_markdown(why)}" for pair, why in sorted(reasons.items()))


def signal_pair(regime: str) -> str:
    """The pair whose valuations and observed prices the report follows."""
    return REGIME_PAIRS[regime][0]


def marginal_valuation(codes, params, a, b, lam, pair: str) -> np.ndarray:
    """Each agent's marginal valuation of the first good of ``pair``: the MRS
    (B per A) for A<->B, ``MU_A / lambda`` (M per A) with money."""
    if pair == "A<->B":
        return V.mrs(codes, params, a, b)
    mu_a, _ = V.marginal_utilities(codes, params, a, b)
    return mu_a / np.asarray(lam, dtype=float)


def log_dispersion(values: np.ndarray) -> float:
    """Standard deviation of the log of the finite positive ``values`` (NaN if none)."""
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values) & (values > 0)
    return float(np.log(values[ok]).std()) if ok.any() else float("nan")


def valuations(db: str, run_id: int) -> pd.DataFrame:
    """Snapshots with each agent's marginal valuation in the signal pair (column ``value``)."""
    snaps = table(db, run_id, "agent_snapshots")
    codes, params, _ = economy(db, run_id)
    ids = snaps["agent_id"].to_numpy()
    value = marginal_valuation(codes[ids], params[ids], snaps["A"].to_numpy(float), snaps["B"].to_numpy(float),
                               snaps["lambda"].to_numpy(float), signal_pair(run_info(db, run_id)["regime"]))
    return snaps.assign(value=value)


def valuation_dispersion(db: str, run_id: int) -> pd.Series:
    """Std of log valuation across agents, per snapshot tick (finite positive values only)."""
    frame = valuations(db, run_id)
    return frame.groupby("tick")["value"].agg(log_dispersion).dropna().rename("dispersion")


def first_good_quantity(trades: pd.DataFrame) -> pd.Series:
    """Real quantity of each trade's first good (B for B<->M, else A)."""
    return trades["quantity_B"].where(trades["pair_type"] == "B<->M", trades["quantity_A"])


def trade_price_path(db: str, run_id: int) -> pd.DataFrame:
    """Per tick and pair: volume-weighted price of every trade, volume, trades, share inside areas."""
    return price_path(table(db, run_id, "trades"))


def price_path(trades: pd.DataFrame) -> pd.DataFrame:
    """:func:`trade_price_path` of a ``trades`` frame (telemetry columns).

    The price of a pair at a tick is its VWAP, ``sum(second good) / sum(first good)``
    over the tick's trades of that pair (numpy group sums: cheap enough per tick
    for the live viewer).
    """
    if trades.empty:
        return pd.DataFrame(columns=["tick", "pair_type", "price", "volume", "n_trades", "in_market"])
    first = first_good_quantity(trades).to_numpy(float)
    pair = pd.Categorical(trades["pair_type"], categories=PAIRS).codes.astype(np.int64)
    keys, group = np.unique(trades["tick"].to_numpy(np.int64) * len(PAIRS) + pair, return_inverse=True)
    volume = np.bincount(group, weights=first)
    n_trades = np.bincount(group)
    return pd.DataFrame({
        "tick": keys // len(PAIRS), "pair_type": np.asarray(PAIRS, dtype=object)[keys % len(PAIRS)],
        "volume": volume, "n_trades": n_trades,
        "in_market": np.bincount(group, weights=trades["market_id"].notna().to_numpy(float)) / n_trades,
        "price": np.bincount(group, weights=first * trades["price"].to_numpy(float)) / volume,
    })


def halving_tick(series: pd.Series) -> int | None:
    """First tick at which ``series`` is at most half its first value (None if never)."""
    if series.empty or not np.isfinite(series.iloc[0]):
        return None
    below = series[series <= 0.5 * series.iloc[0]]
    return int(below.index[0]) if len(below) else None


def as_path(db) -> str:
    return str(Path(db))

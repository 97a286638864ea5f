"""End-of-run summary: what ``vmt run`` prints and ``Simulation`` returns.

It names the institution and the exchange regime, counts market areas and
post fills, and reports per exchange pair the volume-weighted prices, the
dispersion of log prices (scale free, so a market whose prices converge
shows it falling whatever the price level) and the distance to the
Walrasian price p* (:mod:`vmt.analysis.price_gap`, the measure ``vmt report``
uses). p* is computed as ``vmt report`` computes it: from the holdings the
run started with. The share of the Walrasian gains from trade realised is
the welfare yardstick valid under every institution (docs/economics.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vmt.simulation.trade_prices import LATE_GAP_LABEL, first_good_quantity, late_vwap, price_gap


@dataclass
class PairSummary:
    pair_type: str
    trades: int
    volume: float  # real units of the pair's first good
    vwap: float  # volume-weighted price of all the pair's trades
    log_price_std: float
    early_log_price_std: float  # first 10% of the pair's trades
    late_log_price_std: float  # last 10%
    late_vwap: float | None  # over the last fifth of the ticks with trades
    walrasian_price: float | None = None  # p* of the run's starting holdings
    distance_to_p_star: float | None = None  # |log(late VWAP / p*)|


@dataclass
class RunSummary:
    scenario: str
    seed: int
    agents: int
    ticks: int
    trades: int
    utility_change: float
    wall_seconds: float
    pairs: list[PairSummary] = field(default_factory=list)
    institution: str = "bilateral"
    exchange_regime: str = "barter"
    market_areas: int = 0  # market areas that ever held a trade
    post_fills: int = 0  # trades made at market posts
    welfare_share: float = float("nan")  # share of the Walrasian gains from trade realised
    welfare_note: str = ""
    history_note: str = ""  # why the per-pair price statistics are missing, if they are

    @property
    def ticks_per_second(self) -> float:
        return self.ticks / self.wall_seconds if self.wall_seconds > 0 else float("inf")

    def lines(self) -> list[str]:
        share = "n/a" if np.isnan(self.welfare_share) else f"{self.welfare_share:.4f}"
        out = [
            f"scenario {self.scenario!r}, seed {self.seed}: {self.agents} agents, {self.ticks} ticks, "
            f"institution {self.institution}, exchange regime {self.exchange_regime}",
            f"trades: {self.trades} (market posts: {self.post_fills}; in market areas: "
            f"{self.market_areas} areas)    total utility change: {self.utility_change:+.4g}",
            f"share of the Walrasian gains from trade realised: {share}"
            + (f" ({self.welfare_note})" if self.welfare_note else ""),
        ]
        for p in self.pairs:
            out.append(f"  {p.pair_type}: {p.trades} trades, volume {p.volume:g}, VWAP {p.vwap:.4g}, "
                       f"dispersion (std log price) {p.log_price_std:.4g}")
            out.append(f"      first 10% of trades: dispersion {p.early_log_price_std:.4g};  last 10%: "
                       f"dispersion {p.late_log_price_std:.4g};  late VWAP {_fmt(p.late_vwap)}")
            out.append(f"      Walrasian p* (starting holdings) {_fmt(p.walrasian_price)};  "
                       f"{LATE_GAP_LABEL} {_fmt(p.distance_to_p_star)}")
        if self.history_note:
            out.append(f"  price statistics: {self.history_note}")
        out.append(f"wall time {self.wall_seconds:.2f} s, {self.ticks_per_second:.1f} ticks/s")
        return out


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def pair_summaries(trades: pd.DataFrame, reference: dict[str, float] | None = None) -> list[PairSummary]:
    out = []
    reference = reference or {}
    volume = first_good_quantity(trades) if len(trades) else pd.Series(dtype=float)
    for pair, group in trades.groupby("pair_type", sort=True):
        logp = np.log(group["price"].to_numpy(dtype=float))
        weights = volume[group.index].to_numpy(float)
        tenth = max(2, len(logp) // 10)
        late = late_vwap(group["tick"], group["price"], weights)
        p_star = reference.get(str(pair))
        out.append(PairSummary(
            pair_type=str(pair), trades=len(group), volume=float(weights.sum()),
            vwap=float(np.sum(group["price"].to_numpy(float) * weights) / weights.sum()),
            log_price_std=_std(logp), early_log_price_std=_std(logp[:tenth]),
            late_log_price_std=_std(logp[-tenth:]), late_vwap=late,
            walrasian_price=p_star, distance_to_p_star=price_gap(late, p_star),
        ))
    return out


def _std(values: np.ndarray) -> float:
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def reference_prices(sim) -> dict[str, float]:
    """Walrasian prices per exchange pair of the holdings the run started with, where they exist:
    the barter price of A in B, or the money prices of the quasilinear economy."""
    from vmt.economics.equilibrium import EquilibriumNotFoundError, walrasian_price
    from vmt.economics.quasilinear import quasilinear_equilibrium_prices

    ag, start = sim.world.agents, sim.initial_inventory * sim.world.units
    active = sim.tick_state.pair_active
    try:
        if not (active[1] or active[2]):
            return {"A<->B": float(walrasian_price(ag.family, ag.utility_params, start[:, 0], start[:, 1]))}
        pa, pb = quasilinear_equilibrium_prices(ag.family, ag.utility_params, start[:, 0], start[:, 1],
                                                start[:, 2], sim.initial_lambda)
    except EquilibriumNotFoundError:
        return {}
    return {"A<->M": pa, "B<->M": pb, "A<->B": pa / pb}


def summarize(sim, wall_seconds: float) -> RunSummary:
    from vmt.simulation.trades import TRADE_COLUMNS, TradeHistoryError

    history_note = ""
    try:
        trades = sim.trades_df()
    except TradeHistoryError:  # a long large run that kept only running totals
        trades = pd.DataFrame({c: [] for c in TRADE_COLUMNS})
        history_note = ("n/a: the run kept no in-memory trade history (Simulation(trade_history='all') "
                        "keeps it; post fills and market areas are counted from it too)")
    welfare = sim.welfare()
    posts = _post_ids(sim)
    at_posts = trades["market_id"].isin(posts) if posts else pd.Series(False, index=trades.index)
    params = sim.scenario.params
    return RunSummary(
        scenario=sim.scenario.name, seed=sim.seed, agents=sim.world.agents.n, ticks=sim.tick,
        trades=sim.trade_log.count, utility_change=float(sim.utilities().sum() - sim.initial_utility.sum()),
        wall_seconds=wall_seconds, pairs=pair_summaries(trades, reference_prices(sim)),
        institution=params.institution, exchange_regime=params.exchange_regime,
        market_areas=int(trades.loc[~at_posts, "market_id"].dropna().nunique()) if len(trades) else 0,
        post_fills=int(at_posts.sum()), welfare_share=float(welfare.share), welfare_note=welfare.note,
        history_note=history_note,
    )


def _post_ids(sim) -> list[int]:
    return [int(m) for c in sim.tick_state.components
            for m in getattr(getattr(c, "posts", None), "market_id", [])]

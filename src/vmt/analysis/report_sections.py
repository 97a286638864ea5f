"""The built-in sections of ``vmt report`` (see :mod:`vmt.analysis.report`).

overview (run and theory), prices (area prices against the Walrasian
price), dispersion (quotes and trade prices), lambda, volume, areas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vmt.analysis import report_data as data
from vmt.analysis.plots_agents import plot_dispersion, plot_lambda
from vmt.analysis.price_gap import LATE_GAP_LABEL, late_vwap, price_gap
from vmt.analysis.plots_prices import plot_prices, plot_volume
from vmt.analysis.report import Section, format_cell, register_section


def _table(header: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


@register_section("overview")
def overview(db: str, run_id: int, out_dir: Path) -> Section:
    info = data.run_info(db, run_id)
    trades = data.table(db, run_id, "trades")
    agents = data.table(db, run_id, "agents")
    reasons: dict[str, str] = {}
    reference = data.walrasian_reference(db, run_id, reasons)
    rows = [("scenario", info["scenario"]), ("seed", info["seed"]), ("status", info["status"]),
            ("ticks", info["ticks"]), ("agents", len(agents)), ("exchange regime", info["regime"]),
            ("institution", info["institution"]), ("trades", len(trades)),
            ("trades inside a market (area or post)", int(trades["market_id"].notna().sum())),
            ("share of the Walrasian gains from trade realised", _welfare_text(data.welfare(db, run_id)))]
    theory = [(pair, reference.get(pair)) for pair in data.REGIME_PAIRS[info["regime"]]]
    text = ("## Overview\n\n" + _table(("", "value"), rows) + "\n\n### Walrasian reference\n\n"
            "Equilibrium prices of the economy as it started (pure exchange of the initial holdings; "
            "foraging later changes the economy, so with resources the line is indicative). "
            "— where no equilibrium could be computed.\n\n" + _table(("pair", "p*"), theory))
    failure = data.reference_failure(db, run_id) if any(p is None for _, p in theory) else None
    if failure:
        text += f"\n\nNo equilibrium: {failure}."
    return Section(text)


def _welfare_text(welfare) -> str:
    if welfare is None:
        return "— (no agent snapshots)"
    return f"{welfare.share:.4f}" if np.isfinite(welfare.share) else f"— ({welfare.note})"


@register_section("prices")
def prices(db: str, run_id: int, out_dir: Path) -> Section | None:
    info = data.run_info(db, run_id)
    pairs = data.REGIME_PAIRS[info["regime"]]
    area_prices = data.table(db, run_id, "market_prices")
    if info["institution"] != "price_signals":  # posts' prices belong to the posts section
        area_prices = area_prices.iloc[:0]
    path_ = data.trade_price_path(db, run_id)
    if path_.empty and area_prices.empty:
        return Section("## Prices\n\nNo trades were made.")
    reasons: dict[str, str] = {}
    reference = data.walrasian_reference(db, run_id, reasons)
    figure = plot_prices(area_prices, path_, reference, pairs, out_dir / "prices.png")
    rows = []
    for pair in pairs:
        mine = path_[path_["pair_type"] == pair]
        p_star = reference.get(pair)
        last = late_vwap(mine["tick"], mine["price"], mine["volume"])
        rows.append((pair, p_star, last, price_gap(last, p_star)))
    text = ("## Prices\n\nMarket-area prices (volume-weighted average of the trades inside each area) "
            "and the volume-weighted price of all trades, per tick, against the Walrasian price.\n\n"
            + _table(("pair", "p*", "late VWAP (last fifth of the ticks with trades)", LATE_GAP_LABEL), rows)
            + ("\n\n" + data.reference_note(reasons) if reasons else "") + f"\n\n![prices]({figure.name})")
    return Section(text, [figure])


@register_section("dispersion")
def dispersion(db: str, run_id: int, out_dir: Path) -> Section | None:
    quotes = data.valuation_dispersion(db, run_id)
    if quotes.empty:
        return None
    info = data.run_info(db, run_id)
    trades = data.table(db, run_id, "trades")
    pair = data.signal_pair(info["regime"])
    mine = trades[trades["pair_type"] == pair]
    price_spread = np.log(mine["price"]).groupby(mine["tick"]).std(ddof=0).dropna()
    figure = plot_dispersion(quotes, price_spread, out_dir / "dispersion.png")
    half = data.halving_tick(quotes)
    rows = [("quote dispersion, first snapshot", float(quotes.iloc[0])),
            ("quote dispersion, last snapshot", float(quotes.iloc[-1])),
            ("first tick at half the initial dispersion", half if half is not None else "never")]
    text = (f"## Dispersion\n\nQuote dispersion: the standard deviation across agents of the log of each "
            f"agent's marginal valuation in {pair} (MRS in barter, MU_A/λ with money), from the snapshots.\n\n"
            + _table(("", "value"), rows) + f"\n\n![dispersion]({figure.name})")
    return Section(text, [figure])


@register_section("lambda")
def lambda_section(db: str, run_id: int, out_dir: Path) -> Section | None:
    info = data.run_info(db, run_id)
    snaps = data.table(db, run_id, "agent_snapshots")
    if info["regime"] == "barter" or snaps.empty or snaps["lambda"].isna().all():
        return None
    figure = plot_lambda(snaps, out_dir / "lambda.png")
    first, last = (snaps.loc[snaps["tick"] == t, "lambda"] for t in (snaps["tick"].min(), snaps["tick"].max()))
    rows = [(label, float(s.quantile(0.1)), float(s.median()), float(s.quantile(0.9)))
            for label, s in (("first snapshot", first), ("last snapshot", last))]
    text = ("## λ (marginal utility of money)\n\n" + _table(("", "10%", "median", "90%"), rows)
            + f"\n\n![lambda]({figure.name})")
    return Section(text, [figure])


@register_section("volume")
def volume(db: str, run_id: int, out_dir: Path) -> Section | None:
    path_ = data.trade_price_path(db, run_id)
    if path_.empty:
        return None
    pairs = tuple(p for p in data.PAIRS if (path_["pair_type"] == p).any())
    figure = plot_volume(path_, pairs, out_dir / "volume.png")
    rows = [(p, float(path_.loc[path_["pair_type"] == p, "volume"].sum()),
             int(path_.loc[path_["pair_type"] == p, "n_trades"].sum())) for p in pairs]
    text = "## Trade volume\n\n" + _table(("pair", "volume (first good)", "trades"), rows) + f"\n\n![volume]({figure.name})"
    return Section(text, [figure])


@register_section("areas")
def areas(db: str, run_id: int, out_dir: Path) -> Section | None:
    frame = data.table(db, run_id, "market_areas")
    if frame.empty:
        return None
    live = frame[frame["event"] != "dissolved"].groupby("tick").agg(areas=("market_id", "size"),
                                                                      members=("members", "sum"))
    rows = [("areas ever formed", int(frame["market_id"].nunique())),
            ("areas dissolved", int((frame["event"] == "dissolved").sum())),
            ("live areas at the end", int(live["areas"].iloc[-1]) if len(live) else 0),
            ("mean members per live area", float(live["members"].sum() / max(live["areas"].sum(), 1)))]
    return Section("## Market areas\n\n" + _table(("", "value"), rows))

"""The ``posts`` section of ``vmt report``: each market post's prices, spread and volume.

For every post and exchange pair it runs (``market_posts``,
``market_prices``, ``market_clears``), the section draws the post's price
per tick (log axis) against the Walrasian price of the economy as it
started (:func:`vmt.analysis.report_data.walrasian_reference`; shown where
it can be computed), its bid-ask spread (mechanisms with a book or a
maker) and the volume traded, and tabulates: mechanism, clearings,
first and last price, the *late VWAP* (volume-weighted price over the
last fifth of the ticks with trades) and its distance to p*
(``|log(VWAP/p*)|``), mean spread, total volume and the share of
clearings that converged.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from vmt.analysis import report_data as data
from vmt.analysis.price_gap import LATE_GAP_LABEL, late_vwap, price_gap
from vmt.analysis.report import Section, register_section

REFERENCE_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.2}


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)


def post_summary(posts: pd.DataFrame, prices: pd.DataFrame, clears: pd.DataFrame,
                 reference: dict[str, float]) -> list[tuple]:
    """One row per (post, pair) that ever cleared (see the module docstring)."""
    rows = []
    for (market_id, pair), mine in prices.groupby(["market_id", "pair"]):
        mine = mine.sort_values("tick")
        vwap = late_vwap(mine["tick"], mine["price"], mine["volume"])
        p_star = reference.get(pair)
        error = price_gap(vwap, p_star)
        cleared = clears[clears["market_id"] == market_id]
        mechanism = posts.loc[posts["market_id"] == market_id, "mechanism"]
        rows.append((int(market_id), mechanism.iloc[0] if len(mechanism) else "?", pair, len(mine),
                     float(mine["price"].iloc[0]), float(mine["price"].iloc[-1]), vwap, p_star, error,
                     float(mine["bid_ask_spread"].mean()) if mine["bid_ask_spread"].notna().any() else None,
                     float(mine["volume"].sum()), float(cleared["converged"].mean()) if len(cleared) else None))
    return rows


def plot_posts(prices: pd.DataFrame, reference: dict[str, float], path: Path) -> Path:
    """Price (log), spread and volume per tick, one line per post and pair."""
    fig = Figure(figsize=(7.5, 7.5), layout="constrained")
    price_ax, spread_ax, volume_ax = fig.subplots(3, 1, sharex=True)
    for (market_id, pair), mine in prices.groupby(["market_id", "pair"]):
        label = f"post {market_id} {pair}"
        price_ax.plot(mine["tick"], mine["price"], linewidth=1.2, label=label)
        if mine["bid_ask_spread"].notna().any():
            spread_ax.plot(mine["tick"], mine["bid_ask_spread"], linewidth=1.0, label=label)
        volume_ax.plot(mine["tick"], mine["volume"], linewidth=1.0, label=label)
    for style, pair in zip(("--", ":", "-."), sorted(set(prices["pair"]))):
        if pair in reference:
            price_ax.axhline(reference[pair], **{**REFERENCE_STYLE, "linestyle": style},
                             label=f"Walrasian p* {pair} = {reference[pair]:.4g}")
    for ax, label in ((price_ax, "price (second per first)"), (spread_ax, "bid-ask spread"),
                      (volume_ax, "volume (first good)")):
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize="small", loc="best")
    price_ax.set_yscale("log")
    volume_ax.set_xlabel("tick")
    fig.savefig(path, dpi=110)
    return path


@register_section("posts")
def posts_section(db: str, run_id: int, out_dir: Path) -> Section | None:
    posts = data.table(db, run_id, "market_posts")
    if posts.empty:
        return None
    prices = data.table(db, run_id, "market_prices")
    prices = prices[prices["market_id"].isin(posts["market_id"])]
    if prices.empty:
        return Section(f"## Market posts\n\n{len(posts)} post(s); none ever had participants.")
    reference = data.walrasian_reference(db, run_id)
    rows = post_summary(posts, prices, data.table(db, run_id, "market_clears"), reference)
    figure = plot_posts(prices, reference, out_dir / "posts.png")
    header = ("post", "mechanism", "pair", "ticks cleared", "first price", "last price", "late VWAP",
              "p*", LATE_GAP_LABEL, "mean spread", "volume", "converged")
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    text = ("## Market posts\n\nPrice per tick at each post (the volume-weighted price of its fills, or the "
            "price it announced when nothing traded), bid-ask spread and volume, against the Walrasian price "
            "of the economy as it started (— where it cannot be computed).\n\n" + "\n".join(table)
            + f"\n\n![posts]({figure.name})")
    return Section(text, [figure])

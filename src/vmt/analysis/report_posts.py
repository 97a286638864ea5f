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
from vmt.analysis.plots_axes import (PAIR_COLOURS, REFERENCE_STYLE, finish_axes, not_available, plot_series,
                                     save_figure)
from vmt.analysis.price_gap import LATE_GAP_LABEL, late_vwap, price_gap
from vmt.analysis.report import Section, format_cell, register_section

POST_STYLES = ("-", ":", "-.", (0, (5, 1)))


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
    """Price (log), spread and volume (from 0) per tick: one colour per pair (its
    Walrasian p* dashed in that colour), one line style per post."""
    fig = Figure(figsize=(7.5, 7.5), layout="constrained")
    price_ax, spread_ax, volume_ax = fig.subplots(3, 1, sharex=True)
    posts = sorted(prices["market_id"].unique())
    for (market_id, pair), mine in prices.groupby(["market_id", "pair"]):
        style = {"color": PAIR_COLOURS.get(pair, "0.3"), "linestyle": POST_STYLES[posts.index(market_id) % 4],
                 "label": f"post {market_id} {pair}"}
        plot_series(price_ax, mine["tick"], mine["price"], linewidth=1.2, **style)
        if mine["bid_ask_spread"].notna().any():
            plot_series(spread_ax, mine["tick"], mine["bid_ask_spread"], linewidth=1.0, **style)
        plot_series(volume_ax, mine["tick"], mine["volume"], linewidth=1.0, **style)
    for pair in sorted(set(prices["pair"])):
        if pair in reference:
            price_ax.axhline(reference[pair], color=PAIR_COLOURS.get(pair, "0.3"), **REFERENCE_STYLE,
                             label=f"Walrasian p* {pair} = {reference[pair]:.4g}")
    if not prices["bid_ask_spread"].notna().any():
        not_available(spread_ax, "these mechanisms quote no bid-ask spread (no book, no maker)")
    finish_axes(price_ax, "price (second per first)", log=True)
    finish_axes(spread_ax, "bid-ask spread", from_zero=True)
    finish_axes(volume_ax, "volume (first good)", from_zero=True)
    volume_ax.set_xlabel("tick")
    return save_figure(fig, path)


@register_section("posts")
def posts_section(db: str, run_id: int, out_dir: Path) -> Section | None:
    posts = data.table(db, run_id, "market_posts")
    if posts.empty:
        return None
    prices = data.table(db, run_id, "market_prices")
    prices = prices[prices["market_id"].isin(posts["market_id"])]
    if prices.empty:
        return Section(f"## Market posts\n\n{len(posts)} post(s); none ever had participants.")
    reasons: dict[str, str] = {}
    reference = data.walrasian_reference(db, run_id, reasons)
    rows = post_summary(posts, prices, data.table(db, run_id, "market_clears"), reference)
    figure = plot_posts(prices, reference, out_dir / "posts.png")
    header = ("post", "mechanism", "pair", "ticks cleared", "first price", "last price", "late VWAP",
              "p*", LATE_GAP_LABEL, "mean spread", "volume", "converged")
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in rows]
    text = ("## Market posts\n\nPrice per tick at each post (the volume-weighted price of its fills, or the "
            "price it announced when nothing traded), bid-ask spread and volume, against the Walrasian price "
            "of the economy as it started (— where it cannot be computed).\n\n" + "\n".join(table)
            + ("\n\n" + data.reference_note(reasons) if reasons else "") + f"\n\n![posts]({figure.name})")
    return Section(text, [figure])

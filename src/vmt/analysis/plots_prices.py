"""Figures of prices and trade volume (matplotlib's object API, no pyplot state).

Each function draws one PNG and returns its path; the data come from
:mod:`vmt.analysis.report_data`, the look from :mod:`vmt.analysis.plots_axes`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from vmt.analysis.plots_axes import (PAIR_COLOURS, REFERENCE_STYLE, finish_axes, not_available, plot_series,
                                     save_figure)

AREA_STYLE = {"linewidth": 0.8, "alpha": 0.55}
#: Market areas named in a price panel's legend; the others are drawn but counted.
AREAS_LISTED = 5


def plot_prices(area_prices: pd.DataFrame, trade_path: pd.DataFrame, reference: dict[str, float],
                pairs: tuple[str, ...], path: Path) -> Path:
    """:func:`price_figure` saved as PNG at ``path``."""
    return save_figure(price_figure(area_prices, trade_path, reference, pairs), path)


def price_figure(area_prices: pd.DataFrame, trade_path: pd.DataFrame, reference: dict[str, float],
                 pairs: tuple[str, ...]) -> Figure:
    """One panel per exchange pair: each market area's price (thin lines), the
    volume-weighted price of all the tick's trades (thick), and the Walrasian
    price of the initial economy (dashed, the pair's colour) where it is known.
    Log price axis; a pair without trades says so."""
    fig = Figure(figsize=(7.5, 2.8 * len(pairs)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(pairs), 1, sharex=True, squeeze=False)[:, 0])
    for ax, pair in zip(axes, pairs):
        _area_lines(ax, area_prices[area_prices["pair"] == pair])
        mine = trade_path[trade_path["pair_type"] == pair]
        colour = PAIR_COLOURS[pair]
        if len(mine):
            plot_series(ax, mine["tick"], mine["price"], color=colour, linewidth=2.0, label="all trades (VWAP)")
        if pair in reference:
            ax.axhline(reference[pair], color=colour, **REFERENCE_STYLE, label=f"Walrasian p* = {reference[pair]:.4g}")
        if not len(mine):
            not_available(ax, f"no {pair} trades in this run")
        finish_axes(ax, f"{pair} price (second per first)", log=len(mine) > 0 or pair in reference)
    axes[-1].set_xlabel("tick")
    return fig


def _area_lines(ax, prices: pd.DataFrame) -> None:
    groups = list(prices.groupby("market_id"))
    for k, (market_id, rows) in enumerate(groups):
        plot_series(ax, rows["tick"], rows["price"], **AREA_STYLE,
                    label=f"area {market_id}" if k < AREAS_LISTED else None)
    if len(groups) > AREAS_LISTED:
        ax.plot([], [], **AREA_STYLE, color="0.5", label=f"… {len(groups) - AREAS_LISTED} more areas (not listed)")


def plot_volume(trade_path: pd.DataFrame, pairs: tuple[str, ...], path: Path) -> Path:
    """Volume traded per tick (real units of each pair's first good, axis from 0)
    and the share of trades made inside a market (area or post)."""
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for pair in pairs:
        mine = trade_path[trade_path["pair_type"] == pair]
        plot_series(top, mine["tick"], mine["volume"], color=PAIR_COLOURS[pair], label=pair)
        plot_series(bottom, mine["tick"], mine["in_market"], color=PAIR_COLOURS[pair], label=pair)
    finish_axes(top, "volume (first good)", from_zero=True)
    finish_axes(bottom, "share of trades in a market")
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_xlabel("tick")
    return save_figure(fig, path)

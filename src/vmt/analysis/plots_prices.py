"""Figures of prices and trade volume (matplotlib's object API, no pyplot state).

Each function draws one PNG and returns its path; the data come from
:mod:`vmt.analysis.report_data`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

AREA_STYLE = {"linewidth": 0.8, "alpha": 0.55}
REFERENCE_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.2}


def plot_prices(area_prices: pd.DataFrame, trade_path: pd.DataFrame, reference: dict[str, float],
                pairs: tuple[str, ...], path: Path) -> Path:
    """One panel per exchange pair: each market area's price (thin lines), the
    volume-weighted price of all the tick's trades (thick), and the Walrasian
    price of the initial economy (dashed) where it is known. Log price axis."""
    fig = Figure(figsize=(7.5, 2.8 * len(pairs)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(len(pairs), 1, sharex=True, squeeze=False)[:, 0])
    for ax, pair in zip(axes, pairs):
        for market_id, rows in area_prices[area_prices["pair"] == pair].groupby("market_id"):
            ax.plot(rows["tick"], rows["price"], **AREA_STYLE, label=f"area {market_id}" if market_id < 6 else None)
        mine = trade_path[trade_path["pair_type"] == pair]
        if len(mine):
            ax.plot(mine["tick"], mine["price"], color="tab:red", linewidth=2.0, label="all trades (VWAP)")
        if pair in reference:
            ax.axhline(reference[pair], **REFERENCE_STYLE, label=f"Walrasian p* = {reference[pair]:.4g}")
        finish_axes(ax, f"{pair} price (second per first)", log=True)
    axes[-1].set_xlabel("tick")
    return save_figure(fig, path)


def plot_volume(trade_path: pd.DataFrame, pairs: tuple[str, ...], path: Path) -> Path:
    """Volume traded per tick (real units of each pair's first good) and the
    share of trades made inside market areas."""
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    for pair in pairs:
        mine = trade_path[trade_path["pair_type"] == pair]
        top.plot(mine["tick"], mine["volume"], label=pair)
        bottom.plot(mine["tick"], mine["in_market"], label=pair)
    finish_axes(top, "volume (first good)")
    finish_axes(bottom, "share of trades in an area")
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_xlabel("tick")
    return save_figure(fig, path)


def finish_axes(ax, ylabel: str, log: bool = False) -> None:
    """Label, optional log scale, legend if anything is labelled, light grid."""
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize="small", loc="best")
    ax.grid(alpha=0.3)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as PNG (110 dpi) and return ``path``."""
    fig.savefig(path, dpi=110)
    return path

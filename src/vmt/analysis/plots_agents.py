"""Figures of agents' valuations and lambda (matplotlib's object API)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from vmt.analysis.plots_axes import finish_axes, plot_series, save_figure


def plot_dispersion(dispersion: pd.Series, price_dispersion: pd.Series, path: Path) -> Path:
    """Quote dispersion (std of log marginal valuation across agents) and the
    dispersion of the tick's trade prices (std of log price), over time."""
    fig = Figure(figsize=(7.5, 3.2), layout="constrained")
    ax = fig.subplots()
    plot_series(ax, dispersion.index, dispersion.to_numpy(), label="quotes: std log valuation")
    if len(price_dispersion):
        plot_series(ax, price_dispersion.index, price_dispersion.to_numpy(), linestyle=":",
                    label="trades: std log price")
    finish_axes(ax, "dispersion (log units)", from_zero=True)
    ax.set_xlabel("tick")
    return save_figure(fig, path)


def plot_lambda(snapshots: pd.DataFrame, path: Path) -> Path:
    """lambda (marginal utility of money): quantile bands over time, and its
    distribution at the first and last snapshot."""
    fig = Figure(figsize=(7.5, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(2, 1))
    q = snapshots.groupby("tick")["lambda"].quantile([0.1, 0.5, 0.9]).unstack()
    left.fill_between(q.index, q[0.1], q[0.9], alpha=0.3, label="10%-90%")
    plot_series(left, q.index, q[0.5], label="median")
    left.set_xlabel("tick")
    finish_axes(left, "lambda (utils per M)")
    ticks = snapshots["tick"]
    for tick, label in ((ticks.min(), "first"), (ticks.max(), "last")):
        values = snapshots.loc[ticks == tick, "lambda"].to_numpy()
        right.hist(values, bins=min(30, max(5, int(np.sqrt(values.size)))), alpha=0.6, label=f"{label} (tick {tick})")
    right.set_xlabel("lambda")
    finish_axes(right, "agents")
    return save_figure(fig, path)

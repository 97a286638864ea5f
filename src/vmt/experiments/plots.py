"""Figures of a sweep: metric distributions per group, and price paths against p*.

Matplotlib's object API on an Agg canvas (no pyplot state, safe in workers
and tests); each function writes PNGs and returns their paths.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from vmt.analysis.plots_prices import REFERENCE_STYLE, finish_axes, save_figure
from vmt.experiments.summary import group_labels, group_order

#: Metrics drawn in the distributions figure, when present (a name matches ``name`` and ``name[pair]``).
HEADLINE_METRICS = ("welfare_share", "distance_to_p_star", "price_dispersion", "valuation_dispersion",
                    "time_to_convergence", "trades", "utility_gain", "utility_gain_gini", "post_fills",
                    "market_areas")
MAX_PANELS = 9


def headline_metrics(metrics: list[str]) -> list[str]:
    """The metrics worth a panel, in :data:`HEADLINE_METRICS` order (at most :data:`MAX_PANELS`)."""
    chosen = [m for name in HEADLINE_METRICS for m in metrics if m == name or m.startswith(f"{name}[")]
    return chosen[:MAX_PANELS] or metrics[:MAX_PANELS]


def plot_distributions(results: pd.DataFrame, parameters: list[str], metrics: list[str], path: Path) -> Path:
    """One panel per metric: a box per group over the seeds, with every run as a dot."""
    ok = results[results["status"] == "ok"]
    labels, groups = group_labels(ok, parameters), group_order(results, parameters)
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    fig = Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False).ravel())
    jitter = np.random.default_rng(0)
    for ax, metric in zip(axes, metrics):
        data = [ok.loc[labels == g, metric].to_numpy(float) for g in groups]
        data = [d[np.isfinite(d)] for d in data]
        ax.boxplot(data, showfliers=False, widths=0.6)
        for i, values in enumerate(data, start=1):
            ax.plot(i + jitter.uniform(-0.18, 0.18, values.size), values, "o", markersize=2.5, alpha=0.5)
        ax.set_xticks(range(1, len(groups) + 1), groups, rotation=30, ha="right", fontsize="small")
        defined = sum(d.size for d in data)
        note = f" (defined in {defined} of {len(ok)} runs)" if defined < len(ok) else ""
        ax.set_title(metric + note, fontsize="medium")
        ax.grid(alpha=0.3, axis="y")
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    return save_figure(fig, path)


def plot_price_paths(results: pd.DataFrame, prices: pd.DataFrame, parameters: list[str], out_dir: Path) -> list[Path]:
    """One figure per exchange pair: each group's median price path over seeds (band: 25-75%).

    Prices are divided by each run's Walrasian price ``p*`` when it is known
    (the dashed line at 1 is the equilibrium); otherwise drawn as they are.
    """
    if prices.empty:
        return []
    ok = results[results["status"] == "ok"].assign(group=lambda f: group_labels(f, parameters))
    paths = []
    for pair in sorted(prices["pair_type"].unique()):
        relative = f"equilibrium_price[{pair}]" in ok and np.isfinite(ok[f"equilibrium_price[{pair}]"]).any()
        frame = _pair_prices(ok, prices[prices["pair_type"] == pair], pair, relative)
        fig = Figure(figsize=(8, 4.2), layout="constrained")
        ax = fig.add_subplot()
        for group in group_order(results, parameters):
            _draw_band(ax, frame[frame["group"] == group], group)
        if relative:
            ax.axhline(1.0, **REFERENCE_STYLE, label="p* (Walrasian price of the initial holdings)")
        ax.set_xlabel("tick")
        ax.set_title(f"{pair}: median over seeds, band 25–75%")
        finish_axes(ax, "price / p*" if relative else "price (second good per first)", log=relative)
        paths.append(save_figure(fig, out_dir / f"prices_{pair.replace('<->', '_')}.png"))
    return paths


def _pair_prices(ok: pd.DataFrame, prices: pd.DataFrame, pair: str, relative: bool) -> pd.DataFrame:
    columns = ["point_key", "seed", "group"] + ([f"equilibrium_price[{pair}]"] if relative else [])
    merged = prices.merge(ok[columns], on=["point_key", "seed"], how="inner")
    if relative:
        merged["price"] = merged["price"] / merged[f"equilibrium_price[{pair}]"]
    return merged[np.isfinite(merged["price"]) & (merged["price"] > 0)]


def _draw_band(ax, frame: pd.DataFrame, label: str) -> None:
    if frame.empty:
        return
    quantiles = frame.groupby("tick")["price"].quantile([0.25, 0.5, 0.75]).unstack()
    (line,) = ax.plot(quantiles.index, quantiles[0.5], linewidth=1.6, label=label)
    ax.fill_between(quantiles.index, quantiles[0.25], quantiles[0.75], color=line.get_color(), alpha=0.15, linewidth=0)

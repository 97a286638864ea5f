"""Text table and plots of a sweep summary (see :func:`vmt.task_economy.experiment.summarise`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from vmt.task_economy.experiment import PRIMARY_MEASURE
from vmt.task_economy.metrics import MEASURES

MEASURE_LABELS = {
    "throughput": "throughput (tasks/tick)",
    "efficiency": "efficiency (value/cost)",
    "adaptability": "adaptability (ticks)",
    "urgent_served": "urgent tasks served",
}
COORDINATOR_STYLE = {"planner": ("tab:red", "o"), "market": ("tab:blue", "s")}


def _cell(row: pd.Series, measure: str, name: str) -> str:
    mean, low, high = (row[f"{measure}_{name}_{part}"] for part in ("mean", "low", "high"))
    return f"{mean:8.3f} [{low:7.3f}, {high:7.3f}]"


def format_table(summary: pd.DataFrame) -> str:
    """One block per N, one line per measure: means with 95% CIs and the one-sided p-value."""
    header = (f"{'N':>5}  {'measure':<25} {'planner  mean [95% CI]':>27} {'market  mean [95% CI]':>27}"
              f"  {'p(market better)':>16}")
    lines = [header, "-" * len(header)]
    for _, row in summary.iterrows():
        for i, measure in enumerate((*MEASURES, "urgent_served")):
            flag = "  primary" if measure == PRIMARY_MEASURE else ""
            lines.append(f"{int(row['n_workers']) if i == 0 else '':>5}  {MEASURE_LABELS[measure]:<25} "
                         f"{_cell(row, measure, 'planner'):>27} {_cell(row, measure, 'market'):>27}"
                         f"  {row[f'{measure}_p']:>16.3g}{flag}")
    seeds = int(summary["seeds"].iloc[0]) if len(summary) else 0
    lines.append(f"({seeds} paired seeds per N; p: one-sided Wilcoxon signed-rank on per-seed differences)")
    return "\n".join(lines)


def save_plots(summary: pd.DataFrame, out_dir: Path) -> list[Path]:
    """One PNG per measure: mean vs N for both coordinators with 95% CI bands (Agg canvas)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for measure in (*MEASURES, "urgent_served"):
        figure = Figure(figsize=(6, 4), layout="constrained")
        FigureCanvasAgg(figure)
        _plot_measure(figure.add_subplot(), summary, measure)
        path = out_dir / f"{measure}.png"
        figure.savefig(path, dpi=120)
        paths.append(path)
    return paths


def _plot_measure(axes, summary: pd.DataFrame, measure: str) -> None:
    n = summary["n_workers"].to_numpy()
    for name, (colour, marker) in COORDINATOR_STYLE.items():
        axes.plot(n, summary[f"{measure}_{name}_mean"], marker=marker, color=colour, label=name)
        axes.fill_between(n, summary[f"{measure}_{name}_low"], summary[f"{measure}_{name}_high"],
                          color=colour, alpha=0.2, linewidth=0)
    axes.set_xscale("log")
    lows = summary[[f"{measure}_{name}_low" for name in COORDINATOR_STYLE]].to_numpy()
    if measure == "throughput" and (lows > 0).all():
        axes.set_yscale("log")
    axes.set_xticks(n, [str(v) for v in n])
    axes.set_xlabel("workers N")
    axes.set_ylabel(MEASURE_LABELS[measure])
    axes.set_title(f"{MEASURE_LABELS[measure]} vs N (mean, 95% CI)")
    axes.legend()

"""Tables and plots of the coordination economy's experiments (see :mod:`vmt.task_economy.coordination`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vmt.task_economy.coordination import experiment


def _interval(mean: float, low: float, high: float) -> str:
    return f"{mean:10.4g} [{low:10.4g}, {high:10.4g}]"


def format_experiment_table(name: str, summary: pd.DataFrame) -> str:
    """One line per (arm, measure): mean [95% CI], and for treatment arms the paired difference."""
    spec = experiment(name)
    header = (f"{'arm':<20} {'measure':<32} {'mean [95% CI]':>36} {'difference vs ' + spec.baseline:>38}"
              f"  {'p':>7}  {'p Holm':>7}  verdict")
    lines = [f"experiment {name}: {spec.question}", header, "-" * len(header)]
    for _, row in summary.iterrows():
        cells = f"{row['arm']:<20} {row['measure'] + (' *' if row['primary'] else ''):<32} " \
                f"{_interval(row['mean'], row['low'], row['high']):>36}"
        if row["arm"] != spec.baseline:
            cells += (f" {_interval(row['diff'], row['diff_low'], row['diff_high']):>38}  {row['p']:7.2g}"
                      f"  {row['p_holm']:7.2g}  {row['verdict']}")
        lines.append(cells)
    lines.append(f"(* primary measure; {int(summary['seeds'].iloc[0])} paired seeds; 95% Student-t intervals; "
                 "p: two-sided Wilcoxon signed-rank on paired differences, Holm-adjusted over the judged tests)")
    return "\n".join(lines)


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.5, 4), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save_experiment_plots(name: str, summary: pd.DataFrame, out_dir: Path) -> list[Path]:
    """The primary measure by arm (mean and 95% CI), one PNG per experiment."""
    spec = experiment(name)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = summary[summary["measure"] == spec.primary]
    figure = _figure()
    axes = figure.add_subplot()
    x = np.arange(len(rows))
    axes.errorbar(x, rows["mean"], yerr=[rows["mean"] - rows["low"], rows["high"] - rows["mean"]],
                  fmt="o", capsize=4, color="tab:blue")
    axes.set_xticks(x, list(rows["arm"]))
    axes.set_ylabel(spec.primary)
    axes.set_title(f"{name}: {spec.primary} by arm (mean, 95% CI)")
    path = out_dir / f"{name}.png"
    figure.savefig(path, dpi=120)
    return [path]


def save_calibration_plot(forecasts: dict[str, tuple[np.ndarray, np.ndarray]], out_dir: Path) -> Path:
    """Calibration plot: observed frequency against forecast, per forecaster (bins of 0.1); the
    table behind it (with the number of markets per bin) goes to ``calibration.csv``."""
    from vmt.task_economy.forecasts import brier_score, calibration_table

    out_dir.mkdir(parents=True, exist_ok=True)
    figure = _figure()
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    rows = []
    for label, (forecast, outcome) in forecasts.items():
        table = calibration_table(forecast, outcome)
        rows += [{"forecaster": label, "mean_forecast": f, "observed_frequency": o, "markets": n} for f, o, n in table]
        axes.plot([t[0] for t in table], [t[1] for t in table], marker="o",
                  label=f"{label} (Brier {brier_score(forecast, outcome):.3f})")
    axes.set_xlabel("forecast probability of meeting the deadline")
    axes.set_ylabel("observed frequency")
    axes.set_title("deadline forecasts: calibration")
    axes.legend()
    pd.DataFrame(rows).to_csv(out_dir / "calibration.csv", index=False)
    path = out_dir / "deadline_forecasts_calibration.png"
    figure.savefig(path, dpi=120)
    return path


def save_debt_path_plot(paths: dict[str, np.ndarray], out_dir: Path) -> Path:
    """Total outstanding debt over time, mean over seeds with a 95% band, per arm."""
    from vmt.analysis.statistics import mean_confidence_interval

    out_dir.mkdir(parents=True, exist_ok=True)
    figure = _figure()
    axes = figure.add_subplot()
    for label, runs in paths.items():
        band = np.array([mean_confidence_interval(runs[:, t]) for t in range(runs.shape[1])])
        ticks = np.arange(1, runs.shape[1] + 1)
        axes.plot(ticks, band[:, 0], label=label)
        axes.fill_between(ticks, band[:, 1], band[:, 2], alpha=0.2, linewidth=0)
    axes.set_xlabel("tick")
    axes.set_ylabel("outstanding debt (cleanup work units)")
    axes.set_title("technical debt over time (mean, 95% CI)")
    axes.legend()
    path = out_dir / "debt_over_time.png"
    figure.savefig(path, dpi=120)
    return path

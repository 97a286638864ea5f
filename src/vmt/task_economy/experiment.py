"""The planner-versus-market experiment: both coordinators over workforce sizes N and seeds, with statistics.

Statistics
----------
For each N and measure, the mean over seeds and a 95% confidence interval
``mean +/- t_{0.975, S-1} * s / sqrt(S)`` (Student t, S seeds).

The comparison is paired: for one seed both coordinators face the same
workforce and task stream, so the test is on the per-seed differences
``d_s = market_s - planner_s`` (sign flipped for adaptability, where fewer
ticks is better).  The test is the one-sided Wilcoxon signed-rank test
(H1: the market is better): it needs no normality of ``d_s`` (which is far
from normal here: throughput saturates and some seeds swing widely) and is
robust to a few extreme seeds; zero differences are dropped (``wilcox``).

Primary measure: throughput (tasks delivered on time per tick).  The seed's
prediction is about speed ("Group B (market) is faster for large N"), it is
the quantity the planner's load-balancing rule is built to maximise, so the
test is fair to the planner, and unlike the efficiency ratio it cannot be
raised by doing less.  The hypothesis "the market beats planning for N > 20,
p < 0.05" is read as an intersection-union test: it holds only if the test
rejects at alpha = 0.05 at *every* tested N > 20; an intersection-union test
needs no multiplicity correction to keep its level at alpha.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from vmt.analysis.statistics import mean_confidence_interval
from vmt.task_economy.config import EconomyConfig, check_seed_count
from vmt.task_economy.metrics import HIGHER_IS_BETTER, MEASURES
from vmt.task_economy.simulation import run_pair

PRIMARY_MEASURE = "throughput"
HYPOTHESIS_MIN_N = 20
ALPHA = 0.05


def run_sweep(config: EconomyConfig, sizes: Sequence[int], seeds: int, first_seed: int = 0,
              on_run_done: Callable[[], None] | None = None) -> pd.DataFrame:
    """Run both coordinators for every (N, seed); one row per (N, seed, coordinator)."""
    check_seed_count(seeds)
    rows = []
    for n_workers in sizes:
        for seed in range(first_seed, first_seed + seeds):
            for name, metrics in run_pair(config, seed, n_workers).items():
                rows.append({"n_workers": n_workers, "seed": seed, "coordinator": name, **metrics.as_dict()})
            if on_run_done is not None:
                on_run_done()
    return pd.DataFrame(rows)


def market_better_p_value(market: np.ndarray, planner: np.ndarray, higher_is_better: bool) -> float:
    """One-sided Wilcoxon signed-rank p-value for "the market is better" on paired runs.

    Returns 1.0 when every paired difference is zero (no evidence either way).
    """
    gain = np.asarray(market, float) - np.asarray(planner, float)
    gain = gain if higher_is_better else -gain
    if not np.any(gain != 0):
        return 1.0
    return float(stats.wilcoxon(gain, alternative="greater", zero_method="wilcox").pvalue)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per N: mean and CI of each measure for each coordinator, and the paired p-values."""
    rows = []
    for n_workers, group in runs.groupby("n_workers", sort=True):
        paired = {name: part.sort_values("seed") for name, part in group.groupby("coordinator")}
        row = {"n_workers": int(n_workers), "seeds": len(paired["market"])}
        for measure in (*MEASURES, "urgent_served"):
            for name, part in paired.items():
                mean, low, high = mean_confidence_interval(part[measure])
                row.update({f"{measure}_{name}_mean": mean, f"{measure}_{name}_low": low,
                            f"{measure}_{name}_high": high})
            row[f"{measure}_p"] = market_better_p_value(
                paired["market"][measure].to_numpy(), paired["planner"][measure].to_numpy(),
                HIGHER_IS_BETTER[measure])
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Verdict:
    """Outcome of the test of the experiment's hypothesis on the primary measure."""

    holds: bool | None
    tested_sizes: tuple[int, ...]
    failing_sizes: tuple[int, ...]
    text: str


def hypothesis_verdict(summary: pd.DataFrame, alpha: float = ALPHA) -> Verdict:
    """Does the market beat the planner on the primary measure at every tested N > 20?"""
    tested = summary[summary["n_workers"] > HYPOTHESIS_MIN_N]
    sizes = tuple(int(n) for n in tested["n_workers"])
    claim = (f'Hypothesis "the market beats planning for N > {HYPOTHESIS_MIN_N}, p < {alpha}" '
             f"(primary measure: {PRIMARY_MEASURE}; one-sided paired Wilcoxon signed-rank at each N)")
    if not sizes:
        return Verdict(None, (), (), f"{claim}: NOT TESTED, no N > {HYPOTHESIS_MIN_N} was run.")
    p_values = tested[f"{PRIMARY_MEASURE}_p"].to_numpy()
    failing = tuple(n for n, p in zip(sizes, p_values) if not p < alpha)
    listed = ", ".join(f"N={n}: p={p:.2g}" for n, p in zip(sizes, p_values))
    if failing:
        text = f"{claim}: DOES NOT HOLD; not significant at N = {', '.join(map(str, failing))} ({listed})."
    else:
        text = f"{claim}: HOLDS at every tested N > {HYPOTHESIS_MIN_N} ({listed})."
    return Verdict(not failing, sizes, failing, text)

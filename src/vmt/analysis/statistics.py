"""Statistics shared by the experiments: intervals, paired tests, multiple-comparison correction.

* :func:`mean_confidence_interval` -- Student-t interval
  ``mean +/- t_{(1+level)/2, n-1} * s / sqrt(n)``;
* :func:`paired_wilcoxon` -- two-sided Wilcoxon signed-rank test on paired
  differences (runs under the same seed face the same economy, so the test
  is on per-seed differences; it needs no normality, which sweep metrics
  such as times to convergence or welfare shares near 1 rarely have);
* :func:`holm_adjust` -- Holm's step-down adjustment, which controls the
  family-wise error rate of a set of tests at least as well as Bonferroni
  and rejects at least as often (Holm 1979, Scand. J. Statist. 6:65-70).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def mean_confidence_interval(values: Iterable[float], level: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval ``(mean, low, high)``; needs two or more values."""
    x = np.asarray(list(values), dtype=float)
    if len(x) < 2:
        raise ValueError(f"a confidence interval needs at least 2 values, got {len(x)}")
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def paired_wilcoxon(first: np.ndarray, second: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value for paired samples (1.0 when every difference is zero).

    Zero differences are dropped (``zero_method="wilcox"``); NaN when fewer
    than two pairs are given.
    """
    difference = np.asarray(first, float) - np.asarray(second, float)
    if difference.size < 2:
        return float("nan")
    if not np.any(difference != 0):
        return 1.0
    return float(stats.wilcoxon(difference, zero_method="wilcox").pvalue)


def holm_adjust(p_values: Iterable[float]) -> np.ndarray:
    """Holm-adjusted p-values (same order as given; NaN stays NaN and does not count as a test).

    With the ``m`` finite p-values sorted ascending, the adjusted value of the
    ``k``-th is ``max_{j<=k} min(1, (m - j + 1) p_(j))``; rejecting where it is
    below ``alpha`` keeps the family-wise error rate at ``alpha``.
    """
    p = np.asarray(list(p_values), dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    m = order.size
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        out[index] = running
    return out

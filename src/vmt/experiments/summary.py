"""Summaries of a sweep's results: intervals per point and paired tests between points.

Each point (a combination of swept values; an institution in ``vmt compare``)
is a *group*. For every metric:

* :func:`summarise` -- per group, the mean over seeds and its 95% Student-t
  interval (over the runs where the metric is finite: a run that never
  converges has no time to convergence, and ``n`` says how many had one);
* :func:`pairwise_tests` -- every pair of groups compared on the seeds both
  ran (runs under one seed face the same economy), by the two-sided Wilcoxon
  signed-rank test on the per-seed differences, with Holm's correction over
  the pairs of that metric (``p_holm``); a difference is *significant* when
  ``p_holm < 0.05``.

Failed runs are left out of both.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from vmt.analysis.statistics import CONFIDENCE, holm_adjust, mean_confidence_interval, paired_wilcoxon

ALPHA = 0.05
#: Columns of a results table that are not metrics.
IDENTITY_COLUMNS = ("point_id", "point_key", "seed", "status", "error", "ticks", "telemetry")


def metric_columns(results: pd.DataFrame, parameters: list[str]) -> list[str]:
    """The numeric metric columns (wall time last); a metric never defined still has its row."""
    skip = set(IDENTITY_COLUMNS) | set(parameters)
    numeric = [c for c in results.columns if c not in skip and pd.api.types.is_numeric_dtype(results[c])]
    return [c for c in numeric if c != "wall_seconds"] + (["wall_seconds"] if "wall_seconds" in numeric else [])


def group_labels(results: pd.DataFrame, parameters: list[str]) -> pd.Series:
    """One label per row naming its point.

    A single text parameter (an institution) labels by its value alone;
    otherwise ``name=value, ...`` with each key path shortened to its last
    part when that is unambiguous (``vision_radius=3``).
    """
    if not parameters:
        return pd.Series("all", index=results.index)
    if len(parameters) == 1 and results[parameters[0]].map(lambda v: isinstance(v, str)).all():
        return results[parameters[0]].astype(str)
    short = [p.split(".")[-1] for p in parameters]
    names = short if len(set(short)) == len(short) else parameters
    text = results[parameters].astype(str)
    return text.apply(lambda r: ", ".join(f"{n}={v}" for n, v in zip(names, r)), axis=1)


def _ok(results: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    ok = results[results["status"] == "ok"]
    return ok.assign(group=group_labels(ok, parameters))


def group_order(results: pd.DataFrame, parameters: list[str]) -> list[str]:
    """Groups in point order (the baseline, the first point, first)."""
    ordered = results.sort_values("point_id", kind="stable")
    return list(dict.fromkeys(group_labels(ordered, parameters)))


def summarise(results: pd.DataFrame, parameters: list[str], metrics: list[str] | None = None) -> pd.DataFrame:
    """Long table: one row per (group, metric) with ``n``, ``mean``, ``low``, ``high``."""
    ok = _ok(results, parameters)
    metrics = metric_columns(results, parameters) if metrics is None else metrics
    rows = []
    for group in group_order(results, parameters):
        part = ok[ok["group"] == group]
        for metric in metrics:
            values = part[metric].to_numpy(float) if metric in part else np.zeros(0)
            rows.append({"group": group, "metric": metric, **_interval(values[np.isfinite(values)]),
                         "runs": len(part)})
    return pd.DataFrame(rows, columns=["group", "metric", "n", "mean", "low", "high", "runs"])


def _interval(values: np.ndarray) -> dict[str, float]:
    if values.size >= 2:
        mean, low, high = mean_confidence_interval(values, CONFIDENCE)
    else:
        mean = float(values.mean()) if values.size else np.nan
        low = high = np.nan
    return {"n": int(values.size), "mean": mean, "low": low, "high": high}


def pairwise_tests(results: pd.DataFrame, parameters: list[str], metrics: list[str] | None = None) -> pd.DataFrame:
    """Every pair of groups per metric: seeds paired, mean difference, Wilcoxon p and Holm-adjusted p."""
    ok = _ok(results, parameters)
    metrics = metric_columns(results, parameters) if metrics is None else metrics
    groups = group_order(results, parameters)
    frames = [_pairs_of_metric(ok, groups, metric) for metric in metrics if metric in ok]
    columns = ["metric", "group_a", "group_b", "n", "mean_difference", "p", "p_holm", "significant"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _pairs_of_metric(ok: pd.DataFrame, groups: list[str], metric: str) -> pd.DataFrame:
    table = ok.pivot_table(index="seed", columns="group", values=metric, aggfunc="first", dropna=False)
    rows = []
    for a, b in itertools.combinations(groups, 2):
        if a not in table or b not in table:
            continue
        both = table[[a, b]].dropna()
        both = both[np.isfinite(both.to_numpy(float)).all(axis=1)]
        difference = (both[b] - both[a]).to_numpy(float)
        rows.append({"metric": metric, "group_a": a, "group_b": b, "n": len(both),
                     "mean_difference": float(difference.mean()) if difference.size else np.nan,
                     "p": paired_wilcoxon(both[b].to_numpy(float), both[a].to_numpy(float))})
    frame = pd.DataFrame(rows, columns=["metric", "group_a", "group_b", "n", "mean_difference", "p"])
    frame["p_holm"] = holm_adjust(frame["p"]) if len(frame) else []
    frame["significant"] = frame["p_holm"] < ALPHA
    return frame


def significant_against(tests: pd.DataFrame, baseline: str) -> dict[tuple[str, str], bool]:
    """``(group, metric) -> True`` where the group differs significantly from ``baseline``."""
    marks = {}
    for row in tests.itertuples():
        if baseline in (row.group_a, row.group_b):
            other = row.group_b if row.group_a == baseline else row.group_a
            marks[(other, row.metric)] = bool(row.significant)
    return marks

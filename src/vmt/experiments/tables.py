"""The summary table of a sweep as text (terminal) or Markdown (report, docs).

One row per metric, one column per group (institution or point); a cell is
``mean ± half-width of the 95% interval``, followed by ``*`` when the group
differs significantly from the first group (the baseline) and by
``(n/runs)`` when the metric was finite in fewer runs than ran.
"""

from __future__ import annotations

import math

import pandas as pd

from vmt.experiments.summary import ALPHA, significant_against


def cell(row: pd.Series, marked: bool) -> str:
    """``mean ± half`` (or ``mean`` / ``–``), ``*`` if marked, ``(n/runs)`` if some runs lack the value."""
    mean, low, high = row["mean"], row["low"], row["high"]
    if not math.isfinite(mean):
        text = "–"
    elif math.isfinite(low) and math.isfinite(high):
        text = f"{_g(mean)} ± {_g((high - low) / 2)}"
    else:
        text = _g(mean)
    if marked:
        text += " *"
    if 0 < row["n"] < row["runs"] or (row["n"] == 0 and row["runs"]):
        text += f" ({int(row['n'])}/{int(row['runs'])})"
    return text


def _g(value: float) -> str:
    return f"{value:.4g}"


def table_cells(summary: pd.DataFrame, tests: pd.DataFrame, groups: list[str]) -> tuple[list[str], list[list[str]]]:
    """(metric names, one list of cells per metric, in ``groups`` order)."""
    marks = significant_against(tests, groups[0]) if groups else {}
    metrics = list(dict.fromkeys(summary["metric"]))
    indexed = summary.set_index(["group", "metric"])
    rows = [[cell(indexed.loc[(g, m)], marks.get((g, m), False)) for g in groups] for m in metrics]
    return metrics, rows


def legend(groups: list[str], seeds: int) -> str:
    """What the cells and the marks mean, in one paragraph."""
    comparisons = max(len(groups) * (len(groups) - 1) // 2, 1)
    return (f"Cells: mean ± half-width of the 95% Student-t interval over {seeds} seeds. "
            f"* = differs from {groups[0] if groups else 'the first group'} (two-sided Wilcoxon signed-rank test "
            f"on per-seed differences, Holm-corrected over the {comparisons} pairwise comparisons of each metric, "
            f"p < {ALPHA}). (n/runs): the metric was defined in n of the runs only.")


def format_text(summary: pd.DataFrame, tests: pd.DataFrame, groups: list[str], seeds: int) -> str:
    """Fixed-width table for the terminal, then the legend."""
    metrics, rows = table_cells(summary, tests, groups)
    first = max([len("metric"), *map(len, metrics)])
    widths = [max(len(g), *(len(r[i]) for r in rows)) if rows else len(g) for i, g in enumerate(groups)]
    header = "  ".join([f"{'metric':<{first}}", *(f"{g:>{w}}" for g, w in zip(groups, widths))])
    lines = [header, "-" * len(header)]
    lines += ["  ".join([f"{m:<{first}}", *(f"{c:>{w}}" for c, w in zip(r, widths))]) for m, r in zip(metrics, rows)]
    return "\n".join(lines + ["", legend(groups, seeds)])


def format_markdown(summary: pd.DataFrame, tests: pd.DataFrame, groups: list[str], seeds: int) -> str:
    """The same table in Markdown, then the legend."""
    from vmt.analysis.report import escape_markdown  # group names come from the spec

    metrics, rows = table_cells(summary, tests, groups)
    lines = ["| metric | " + " | ".join(escape_markdown(g) for g in groups) + " |", "|---|" + "---|" * len(groups)]
    lines += [f"| `{m}` | " + " | ".join(r) + " |" for m, r in zip(metrics, rows)]
    return "\n".join(lines + ["", legend(groups, seeds)])


def significant_pairs(tests: pd.DataFrame, metrics: list[str] | None = None) -> list[str]:
    """Per metric, one Markdown line listing its significant pairwise differences (``b − a = d, p_holm``)."""
    from vmt.analysis.report import escape_markdown

    chosen = tests[tests["significant"] & (tests["metric"].isin(metrics) if metrics is not None else True)]
    lines = []
    for metric, rows in chosen.groupby("metric", sort=False):
        pairs = "; ".join(f"{escape_markdown(r.group_b)} − {escape_markdown(r.group_a)} = "
                          f"{_g(r.mean_difference)} (p_holm {r.p_holm:.2g})"
                          for r in rows.itertuples())
        lines.append(f"`{metric}`: {pairs}")
    return lines

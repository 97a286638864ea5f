"""The report of a sweep folder: summary tables, pairwise tests and figures.

``vmt report DIR`` (and the end of ``vmt sweep`` / ``vmt compare``) writes
into ``DIR/report/``: ``report.md`` and ``report.html`` (the summary table,
the significant pairwise differences, the failed runs, the figures),
``summary.csv`` (per group and metric: n, mean, 95% interval),
``pairwise.csv`` (every pair of groups per metric: paired Wilcoxon p and
Holm-adjusted p), ``distributions.png`` and one ``prices_*.png`` per pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from vmt.experiments.store import MANIFEST, ResultStore, StoreError
from vmt.experiments.summary import group_order, metric_columns, pairwise_tests, summarise
from vmt.experiments.tables import format_markdown, format_text, significant_pairs


@dataclass
class SweepReport:
    """What was written, and the summary table as text for the terminal."""

    folder: Path
    markdown_path: Path
    figures: list[Path]
    table: str
    summary: pd.DataFrame
    tests: pd.DataFrame


def is_sweep_folder(path: str | Path) -> bool:
    """True for a folder written by ``vmt sweep`` or ``vmt compare``."""
    return (Path(path) / MANIFEST).is_file()


def write_sweep_report(folder: str | Path, out_dir: str | Path | None = None) -> SweepReport:
    """Summarise the sweep in ``folder`` into ``out_dir`` (default ``folder/report``)."""
    from vmt.analysis.report import markdown_to_html
    from vmt.experiments.plots import headline_metrics, plot_distributions, plot_price_paths

    store = ResultStore(folder)
    manifest = store.manifest()
    results = store.results()
    if results.empty:
        raise StoreError(f"{folder}: no finished runs yet; run the sweep first")
    parameters = [c for c in manifest.get("columns", []) if c in results]
    out = Path(out_dir) if out_dir is not None else Path(folder) / "report"
    out.mkdir(parents=True, exist_ok=True)
    metrics = metric_columns(results, parameters)
    summary, tests = summarise(results, parameters, metrics), pairwise_tests(results, parameters, metrics)
    summary.to_csv(out / "summary.csv", index=False)
    tests.to_csv(out / "pairwise.csv", index=False)
    groups, seeds = group_order(results, parameters), len(manifest.get("seeds", [])) or results["seed"].nunique()
    figures = [plot_distributions(results, parameters, headline_metrics(metrics), out / "distributions.png"),
               *plot_price_paths(results, store.price_paths(), parameters, out)]
    markdown = _markdown(manifest, results, summary, tests, groups, seeds, figures, headline_metrics(metrics))
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(markdown_to_html(markdown, title=f"VMT sweep {manifest.get('name')}"),
                                     encoding="utf-8")
    return SweepReport(Path(folder), out / "report.md", figures, format_text(summary, tests, groups, seeds),
                       summary, tests)


def _markdown(manifest, results, summary, tests, groups, seeds, figures, headline) -> str:
    from vmt.analysis.report import escape_markdown  # text from the spec and runs: shown, never interpreted

    failed = results[results["status"] != "ok"]
    parts = [f"# VMT sweep report: {escape_markdown(manifest.get('name'))}",
             f"Scenario {escape_markdown(manifest.get('scenario'))}, {len(groups)} point(s) x {seeds} seed(s), "
             f"{manifest.get('ticks')} ticks; {len(results) - len(failed)} runs finished, {len(failed)} failed.",
             *[f"- note: {escape_markdown(n)}" for n in manifest.get("notes", [])],
             "## Summary", format_markdown(summary, tests, groups, seeds),
             "## Significant pairwise differences (headline metrics; all pairs in pairwise.csv)",
             "\n".join(f"- {line}" for line in significant_pairs(tests, headline)) or "None at p_holm < 0.05."]
    if len(failed):
        parts += ["## Failed runs", "\n".join(f"- point {r.point_id}, seed {r.seed}: {escape_markdown(r.error)}"
                                              for r in failed.head(50).itertuples())]
    parts += ["## Figures", *[f"![{p.stem}]({p.name})" for p in figures]]
    return "\n\n".join(parts) + "\n"

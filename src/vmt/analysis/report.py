"""``vmt report``: PNG figures and a short Markdown + HTML summary of one run.

The report is a list of *sections*, registered by name::

    @register_section("posts")
    def posts_section(db: str, run_id: int, out_dir: Path) -> Section:
        ...
        return Section("## Market posts\\n...", [figure_path])

A section reads what it needs from the telemetry file (helpers in
:mod:`vmt.analysis.report_data`), writes its figures into ``out_dir`` and
returns Markdown (figures are linked by file name). A section with nothing
to say returns ``None`` and is left out. Sections run in registration order;
the built-in ones live in :mod:`vmt.analysis.report_sections`, and every
module in :data:`SECTION_MODULES` is imported when a report is written (a
module not written yet is skipped), so a new section is one module plus one
name in that tuple.
"""

from __future__ import annotations

import html
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

#: Modules whose import registers report sections, in order.
SECTION_MODULES = ("vmt.analysis.report_sections", "vmt.analysis.report_posts")


@dataclass
class Section:
    """A section's Markdown and the figures it wrote."""

    markdown: str
    figures: list[Path] = field(default_factory=list)


SectionFunction = Callable[[str, int, Path], "Section | None"]
_SECTIONS: dict[str, SectionFunction] = {}


class ReportError(ValueError):
    """The report cannot be written as asked (unknown section, bad folder)."""


def register_section(name: str):
    """Decorator: add ``fn(db, run_id, out_dir) -> Section | None`` under ``name``."""

    def decorate(fn: SectionFunction) -> SectionFunction:
        if name in _SECTIONS:
            raise ReportError(f"report section {name!r} registered twice")
        _SECTIONS[name] = fn
        return fn

    return decorate


def section_names() -> list[str]:
    """Registered sections, in the order they appear in a report."""
    _load_section_modules()
    return list(_SECTIONS)


def _load_section_modules() -> None:
    for module in SECTION_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


@dataclass
class Report:
    markdown_path: Path
    html_path: Path
    figures: list[Path]
    sections: list[str]


def write_report(db, run_id: int | None = None, out_dir=None, sections=None) -> Report:
    """Write ``report.md``, ``report.html`` and the figures of one run.

    Parameters
    ----------
    db : path of a VMT telemetry file.
    run_id : run to report (default: the latest run in the file).
    out_dir : folder for the report (default: ``<db stem>_report`` beside the file).
    sections : names of the sections to include (default: all registered).
    """
    from vmt.telemetry import list_runs

    db = str(Path(db))
    runs = list_runs(db)  # raises TelemetryError for a file that is not VMT telemetry
    run_id = _resolve_run(runs["run_id"].tolist(), run_id, db)
    chosen = _chosen_sections(sections)
    out = Path(out_dir) if out_dir is not None else Path(db).with_name(Path(db).stem + "_report")
    out.mkdir(parents=True, exist_ok=True)
    parts, figures, used = [f"# VMT run report: {Path(db).name}, run {run_id}"], [], []
    for name in chosen:
        section = _SECTIONS[name](db, run_id, out)
        if section is not None:
            parts.append(section.markdown.strip())
            figures += section.figures
            used.append(name)
    markdown = "\n\n".join(parts) + "\n"
    md_path, html_path = out / "report.md", out / "report.html"
    md_path.write_text(markdown, encoding="utf-8")
    html_path.write_text(markdown_to_html(markdown, title=f"VMT run {run_id}"), encoding="utf-8")
    return Report(md_path, html_path, figures, used)


def _resolve_run(ids: list[int], run_id: int | None, db: str) -> int:
    if not ids:
        raise ReportError(f"{db!r} holds no runs yet")
    if run_id is None:
        return int(ids[-1])
    if int(run_id) not in ids:
        raise ReportError(f"{db!r} has no run {run_id}; its runs are {ids[:20]}")
    return int(run_id)


def _chosen_sections(sections) -> list[str]:
    names = section_names()
    if sections is None:
        return names
    chosen = [s.strip() for s in (sections.split(",") if isinstance(sections, str) else sections) if s.strip()]
    unknown = [s for s in chosen if s not in names]
    if unknown or not chosen:
        raise ReportError(f"unknown report section(s) {unknown or sections!r}; valid: {', '.join(names)}")
    return chosen


def markdown_to_html(markdown: str, title: str = "VMT report") -> str:
    """The small Markdown subset the sections write (headings, paragraphs,
    bullet lists, pipe tables, images) as a standalone HTML page."""
    body, table, bullets = [], [], []
    for line in markdown.splitlines() + [""]:
        if table and not line.startswith("|"):
            body.append(_html_table(table))
            table = []
        if bullets and not line.startswith("- "):
            body.append("<ul>" + "".join(f"<li>{_inline(b)}</li>" for b in bullets) + "</ul>")
            bullets = []
        if line.startswith("|"):
            table.append(line)
        elif line.startswith("- "):
            bullets.append(line[2:])
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
        elif line.strip():
            body.append(f"<p>{_inline(line)}</p>")
    style = "body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}" \
            "td,th{border:1px solid #bbb;padding:2px 8px}img{max-width:100%}"
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _inline(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", r'<img alt="\1" src="\2">', text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)


def _html_table(lines: list[str]) -> str:
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    rows = [r for r in rows if not all(set(c) <= set("-: ") for c in r)]
    head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"

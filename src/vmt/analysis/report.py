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

import base64
import html
import importlib
import math
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

#: Modules whose import registers report sections, in order.
SECTION_MODULES = ("vmt.analysis.report_sections", "vmt.analysis.report_posts", "vmt.analysis.report_map")


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


_OPTIONS: ContextVar[dict] = ContextVar("report_options", default={})


def report_option(name: str, default=None):
    """A section's option given to :func:`write_report` (e.g. ``map_ticks``)."""
    return _OPTIONS.get().get(name, default)


def write_report(db, run_id: int | None = None, out_dir=None, sections=None, options: dict | None = None) -> Report:
    """Write ``report.md``, ``report.html`` and the figures of one run.

    ``report.html`` is one self-contained file: its figures are embedded as
    data URIs, so it can be mailed or archived alone. Text that comes from
    the run (scenario name, file name, mechanism names) is escaped in both
    formats: it is shown, never interpreted as Markdown or HTML. A run that
    recorded no agents (killed before its first commit) gets a report that
    says so instead of empty figures.

    Parameters
    ----------
    db : path of a VMT telemetry file.
    run_id : run to report (default: the latest run in the file).
    out_dir : folder for the report (default: ``<db stem>_report`` beside the file).
    sections : names of the sections to include (default: all registered).
    options : section options, read by sections with :func:`report_option`
        (``map_ticks``: the ticks the map section draws).
    """
    token = _OPTIONS.set(dict(options or {}))
    try:
        return _write_report(db, run_id, out_dir, sections)
    finally:
        _OPTIONS.reset(token)


def _write_report(db, run_id, out_dir, sections) -> Report:
    from vmt.analysis import report_data as data
    from vmt.telemetry import list_runs

    db = str(Path(db))
    runs = list_runs(db)  # raises TelemetryError for a file that is not VMT telemetry
    run_id = _resolve_run(runs["run_id"].tolist(), run_id, db)
    chosen = _chosen_sections(sections)
    out = Path(out_dir) if out_dir is not None else Path(db).with_name(Path(db).stem + "_report")
    out.mkdir(parents=True, exist_ok=True)
    parts, figures, used = [f"# VMT run report: {escape_markdown(Path(db).name)}, run {run_id}"], [], []
    if data.table(db, run_id, "agents").empty:
        parts.append(_nothing_recorded(data.run_info(db, run_id), db))
        chosen = []
    for name in chosen:
        section = _SECTIONS[name](db, run_id, out)
        if section is not None:
            parts.append(section.markdown.strip())
            figures += section.figures
            used.append(name)
    markdown = "\n\n".join(parts) + "\n"
    md_path, html_path = out / "report.md", out / "report.html"
    md_path.write_text(markdown, encoding="utf-8")
    html_path.write_text(markdown_to_html(markdown, title=f"VMT run {run_id}", images=embedded(figures)),
                         encoding="utf-8")
    return Report(md_path, html_path, figures, used)


def _nothing_recorded(info: dict, db: str) -> str:
    return (f"## Nothing recorded\n\nRun {info['run_id']} of {escape_markdown(Path(db).name)} recorded no agents "
            f"(status {escape_markdown(str(info['status']))}, {info['ticks']} ticks completed): it was stopped "
            "before its first commit, so there is nothing to report. Run it again, or choose another run "
            "with `--run-id`.")


_MEDIA_TYPES = {".png": "image/png", ".gif": "image/gif"}


def embedded(figures: list[Path]) -> dict[str, str]:
    """``{file name: data URI}`` of the figures, for a self-contained HTML page."""
    return {f.name: f"data:{_MEDIA_TYPES[f.suffix.lower()]};base64,{base64.b64encode(f.read_bytes()).decode()}"
            for f in figures if f.suffix.lower() in _MEDIA_TYPES}


def format_cell(value) -> str:
    """A table cell: 4 significant digits for floats, "—" for a missing or
    non-finite number, text from the run escaped (:func:`escape_markdown`)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return escape_markdown(value) if isinstance(value, str) else str(value)


#: Pair names are the report's own vocabulary: shown as they are.
_SAFE_WORDS = ("A<->B", "A<->M", "B<->M")
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_{}\[\]()#+!|<>&~-])")


def escape_markdown(text) -> str:
    """``text`` (from a scenario or a file) made inert in Markdown and in the HTML made from it:
    control characters and line breaks become spaces, Markdown and HTML punctuation is
    backslash-escaped (CommonMark's rule), so it shows literally everywhere."""
    text = str(text)
    if text in _SAFE_WORDS:
        return text
    text = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text)
    return _MARKDOWN_ACTIVE.sub(r"\\\1", text)


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


def markdown_to_html(markdown: str, title: str = "VMT report", images: dict[str, str] | None = None) -> str:
    """The small Markdown subset the sections write (headings, paragraphs,
    bullet lists, pipe tables, images, backslash escapes) as a standalone HTML page.

    With ``images`` (``{file name: data URI}``) an image is shown only if its
    file name is a key (the data URI becomes the ``src``: a self-contained
    page); without it, only a plain file name beside the page (``prices.png``)
    is linked. Any other image reference — a remote address above all — is
    shown as its text, never fetched.
    """
    body, table, bullets = [], [], []
    for line in markdown.splitlines() + [""]:
        if table and not line.startswith("|"):
            body.append(_html_table(table, images))
            table = []
        if bullets and not line.startswith("- "):
            body.append("<ul>" + "".join(f"<li>{_inline(b, images)}</li>" for b in bullets) + "</ul>")
            bullets = []
        if line.startswith("|"):
            table.append(line)
        elif line.startswith("- "):
            bullets.append(line[2:])
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{_inline(line[level:].strip(), images)}</h{level}>")
        elif line.strip():
            body.append(f"<p>{_inline(line, images)}</p>")
    style = "body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:collapse}" \
            "td,th{border:1px solid #bbb;padding:2px 8px}img{max-width:100%}"
    policy = ("<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; img-src data:; "
              "style-src 'unsafe-inline'\">") if images is not None else ""
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"{policy}<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_KEPT = re.compile("\x00(\\d+)\x00")


def _inline(text: str, images: dict[str, str] | None) -> str:
    kept: list[str] = []

    def keep(fragment: str) -> str:
        kept.append(fragment)
        return f"\x00{len(kept) - 1}\x00"

    text = _ESCAPED.sub(lambda m: keep(html.escape(m.group(1))), text.replace("\x00", " "))
    text = html.escape(text)
    text = re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", lambda m: keep(_image(m.group(1), m.group(2), images)), text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    return _KEPT.sub(lambda m: kept[int(m.group(1))], text)


_LOCAL_FIGURE = re.compile(r"[\w.-]+\.(png|gif)")


def _image(alt: str, src: str, images: dict[str, str] | None) -> str:
    """An embedded figure or a figure file beside the page; any other reference as plain text."""
    if images is not None and src in images:
        return f'<img alt="{alt}" src="{images[src]}">'
    if images is None and _LOCAL_FIGURE.fullmatch(src):
        return f'<img alt="{alt}" src="{src}">'
    return f"[image {alt}: {src}]"


def _html_table(lines: list[str], images: dict[str, str] | None) -> str:
    rows = [[c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))] for line in lines]
    rows = [r for r in rows if not all(set(c) <= set("-: ") for c in r)]
    head = "".join(f"<th>{_inline(c, images)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_inline(c, images)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"

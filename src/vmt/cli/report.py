"""``vmt report RUN_DB``: figures and a Markdown/HTML summary of one run."""

from __future__ import annotations

from pathlib import Path

import click

from vmt.cli.errors import fail


@click.command("report")
@click.argument("db", type=click.Path())
@click.option("--run-id", type=int, default=None, help="Run to report (default: the latest in the file).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default: <file stem>_report next to the file).")
@click.option("--sections", default=None, help="Comma-separated sections (default: all; see --list).")
@click.option("--map-ticks", default=None, metavar="T1,T2,...",
              help="Ticks the map section draws (default: first, middle and last snapshot).")
@click.option("--list", "list_only", is_flag=True, help="List the report sections and exit.")
def command(db, run_id, out_dir, sections, map_ticks, list_only):
    """Write PNG figures, report.md and report.html for a run recorded with `vmt run --out`,
    or for a sweep folder written by `vmt sweep` / `vmt compare`."""
    from vmt.analysis.report import ReportError, section_names, write_report
    from vmt.telemetry import TelemetryError

    if list_only:
        click.echo("\n".join(section_names()))
        return
    if Path(db).is_dir():
        from vmt.cli.sweep_report import report_sweep_folder

        report_sweep_folder(db, out_dir)
        return
    if not Path(db).is_file():
        fail(f"{db}: no such telemetry file (record one with `vmt run SCENARIO --out {db}`)")
    try:
        ticks = [int(t) for t in map_ticks.split(",") if t.strip()] if map_ticks else None
    except ValueError:
        fail(f"--map-ticks takes whole tick numbers separated by commas, got {map_ticks[:60]!r}")
    try:
        report = write_report(db, run_id, out_dir, sections, options={"map_ticks": ticks})
    except (ReportError, TelemetryError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the report into {out_dir or 'the default folder'}: {exc.strerror or exc}")
    if not report.sections:
        click.echo(f"report: {report.markdown_path}: the run recorded nothing to report (no agents); "
                   "the report says so")
        return
    click.echo(f"report: {report.markdown_path} and {report.html_path.name} "
               f"({len(report.figures)} figures; sections: {', '.join(report.sections)})")

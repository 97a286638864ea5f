"""``vmt report DIR`` for a sweep folder: the summary table, pairwise tests and figures."""

from __future__ import annotations

import click

from vmt.cli.errors import fail


def report_sweep_folder(folder: str, out_dir: str | None) -> None:
    """Write the sweep report of ``folder`` and print its table (exit 2 if it is not a sweep folder)."""
    from vmt.experiments.report import is_sweep_folder, write_sweep_report
    from vmt.experiments.store import StoreError

    if not is_sweep_folder(folder):
        fail(f"{folder} is a folder but not a sweep results folder (no experiment.json); "
             "give a telemetry file from `vmt run --out` or a folder from `vmt sweep`/`vmt compare`")
    try:
        report = write_sweep_report(folder, out_dir)
    except StoreError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the report into {out_dir or folder}: {exc.strerror or exc}")
    click.echo(report.table)
    click.echo(f"\nreport: {report.markdown_path} ({len(report.figures)} figures)")

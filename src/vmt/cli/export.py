"""``vmt export RUN_DB TABLE --format csv|parquet --out FILE``: one telemetry
table of one run as a CSV or Parquet file (Parquet needs the ``parquet``
extra, pyarrow)."""

from __future__ import annotations

import click

from vmt.cli.errors import fail


@click.command("export")
@click.argument("db", type=click.Path(dir_okay=False))
@click.argument("table")
@click.option("--run-id", type=int, default=None, help="Run to export (default: the latest in the file).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default=None,
              help="File format (default: from the --out suffix).")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="File to write.")
def command(db, table, run_id, fmt, out):
    """Export TABLE (e.g. trades, agent_snapshots) of a run recorded with `vmt run --out`."""
    from pathlib import Path

    from vmt.telemetry import TelemetryError
    from vmt.telemetry.readers import export_table

    if not Path(db).is_file():
        fail(f"{db}: no such telemetry file (record one with `vmt run SCENARIO --out {db}`)")
    try:
        written = export_table(db, table, out, run_id, fmt)
    except TelemetryError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    click.echo(f"exported {table} to {written}")

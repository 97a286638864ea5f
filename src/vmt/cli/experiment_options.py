"""What ``vmt sweep`` and ``vmt compare`` share: where to run, and running with a report at the end."""

from __future__ import annotations

import functools

import click

from vmt.cli.errors import fail


def runner_options(command):
    """``--out``-independent options choosing where the runs go and how results are written."""
    options = [
        click.option("--workers", type=int, default=None,
                     help="Local Dask workers (default: one per core); 1 runs in this process, for debugging."),
        click.option("--scheduler", default=None, metavar="tcp://HOST:8786",
                     help="Send the runs to an existing Dask scheduler (default: $DASK_SCHEDULER_ADDRESS, "
                          "else a local cluster)."),
        click.option("--csv", is_flag=True, help="Also write results.csv next to results.parquet."),
        click.option("--telemetry", is_flag=True, default=None,
                     help="Record each run's telemetry in DIR/telemetry/ (one SQLite file per run; off by default)."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    return functools.reduce(lambda cmd, option: option(cmd), reversed(options), command)


def run_and_report(experiment, out: str, workers, scheduler, csv: bool, quiet: bool, kind: str) -> None:
    """Run ``experiment`` into ``out``, then print the summary table and where the report is."""
    from vmt.experiments.report import write_sweep_report
    from vmt.experiments.store import StoreError
    from vmt.experiments.execution import run_sweep

    if workers is not None and workers < 1:
        fail(f"--workers must be at least 1, got {workers}")
    for note in experiment.notes:
        click.echo(f"note: {note}", err=True)
    try:
        result = run_sweep(experiment, out, workers=workers, scheduler=scheduler, csv=csv, progress=not quiet,
                           log=lambda line: click.echo(line, err=True), extra_manifest={"kind": kind})
        report = write_sweep_report(out)
    except StoreError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot reach the Dask scheduler or write {out}: {exc}")
    except KeyboardInterrupt:
        fail(f"interrupted; the runs finished so far are kept in {out}: rerun the same command to do the rest")
    click.echo(report.table)
    failed = result.failed
    if len(failed):
        click.echo(f"\n{len(failed)} run(s) failed; first error: {failed['error'].iloc[0]}")
    click.echo(f"\nresults: {out}/results.parquet ({result.ran} run(s) done now, {result.skipped} reused); "
               f"report: {report.markdown_path} ({len(report.figures)} figures)")

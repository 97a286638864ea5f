"""``vmt sweep EXPERIMENT.yaml --out DIR``: every (point x seed) of an experiment as one task."""

from __future__ import annotations

from pathlib import Path

import click

from vmt.cli.errors import fail
from vmt.cli.experiment_options import run_and_report, runner_options


@click.command("sweep")
@click.argument("experiment_file", type=click.Path(dir_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Results folder (default: out/<experiment file stem>); rerunning into it skips finished runs.")
@click.option("--seeds", type=click.IntRange(min=1), default=None, help="Override the file's seed count.")
@click.option("--ticks", type=click.IntRange(min=0), default=None, help="Override the file's ticks.")
@runner_options
def command(experiment_file, out, seeds, ticks, workers, scheduler, csv, telemetry, quiet):
    """Run the parameter sweep of EXPERIMENT_FILE (see docs/experiments.md)."""
    from vmt.experiments.spec import ExperimentError, load_experiment

    if not Path(experiment_file).is_file():
        fail(f"{experiment_file}: no such experiment file")
    keys = {k: v for k, v in {"seeds": seeds, "ticks": ticks, "telemetry": telemetry}.items() if v is not None}
    try:
        experiment = load_experiment(experiment_file, keys)
    except ExperimentError as exc:
        fail(str(exc))
    run_and_report(experiment, out or f"out/{Path(experiment_file).stem}", workers, scheduler, csv, quiet, "sweep")

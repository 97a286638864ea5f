"""``vmt compare SCENARIO --institutions ... --seeds 30``: one economy under several institutions."""

from __future__ import annotations

import click

from vmt.cli.errors import fail
from vmt.cli.experiment_options import run_and_report, runner_options


@click.command("compare")
@click.argument("scenario", required=False, default="default")
@click.option("--institutions", default="bilateral,price_signals,walrasian,cda,posted_price,dealer", show_default=True,
              help="Comma-separated: bilateral, price_signals, or a market-post mechanism (walrasian, cda, ...).")
@click.option("--seeds", type=click.IntRange(min=2), default=30, show_default=True, help="Paired seeds per institution.")
@click.option("--first-seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--ticks", type=click.IntRange(min=0), default=None, help="Ticks per run (default: params.ticks).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a scenario key (repeatable).")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Results folder (default: out/compare_<scenario name>); rerunning skips finished runs.")
@runner_options
def command(scenario, institutions, seeds, first_seed, ticks, overrides, out, workers, scheduler, csv, telemetry,
            quiet):
    """Run SCENARIO (a file or built-in name; default: the built-in economy) under each institution."""
    from vmt.experiments.institutions import compare_experiment
    from vmt.experiments.spec import ExperimentError

    names = [n.strip() for n in institutions.split(",") if n.strip()]
    try:
        experiment = compare_experiment(scenario, names, seeds, ticks, overrides, first_seed,
                                        telemetry=bool(telemetry))
    except ExperimentError as exc:
        fail(str(exc))
    run_and_report(experiment, out or f"out/compare_{experiment.scenario.name}", workers, scheduler, csv, quiet,
                   "compare")

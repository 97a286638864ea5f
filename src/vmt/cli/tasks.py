"""``vmt tasks``: seed 003's central planning vs market experiment over workforce sizes N.

Runs both coordinators on the same economy for every (N, seed), prints the
table of means with 95% confidence intervals and one-sided paired p-values,
the verdict on the seed's hypothesis, and saves plots and CSVs in ``--out``.
"""

from __future__ import annotations

from pathlib import Path

import click

from vmt.cli.errors import fail

DEFAULT_SIZES = "5,10,20,50,100,200"


@click.command("tasks")
@click.option("--n", "sizes_text", default=DEFAULT_SIZES, show_default=True,
              help="Comma-separated workforce sizes N.")
@click.option("--seeds", default=30, show_default=True, type=int, help="Paired seeds per N (at least 2).")
@click.option("--first-seed", default=0, show_default=True, type=click.IntRange(min=0), help="First seed; seeds are consecutive.")
@click.option("--out", "out_dir", default="out/tasks", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the plots and CSV files.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override an economy parameter, e.g. --set planner_evaluations_per_tick=inf (repeatable).")
def command(sizes_text: str, seeds: int, first_seed: int, out_dir: str, overrides: tuple[str, ...]) -> None:
    """Central planner vs reverse-Vickrey market: throughput, efficiency, adaptability vs N."""
    from tqdm import tqdm

    from vmt.task_economy.config import (EconomyConfig, TaskEconomyConfigError, check_seed_count,
                                         parse_overrides, parse_workforce_sizes)
    from vmt.task_economy.experiment import hypothesis_verdict, run_sweep, summarise
    from vmt.task_economy.report import format_table, save_plots

    try:
        sizes = parse_workforce_sizes(sizes_text)
        check_seed_count(seeds)
        config = EconomyConfig().replace(**parse_overrides(overrides))
    except TaskEconomyConfigError as exc:
        fail(str(exc))
    with tqdm(total=len(sizes) * seeds, desc="tasks (N, seed)", unit="run", disable=None) as bar:
        runs = run_sweep(config, sizes, seeds, first_seed, on_run_done=bar.update)
    summary = summarise(runs)
    out = Path(out_dir)
    plots = save_plots(summary, out)
    runs.to_csv(out / "runs.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    click.echo(format_table(summary))
    click.echo("")
    click.echo(hypothesis_verdict(summary).text)
    click.echo(f"plots: {', '.join(str(p) for p in plots)}; data: {out / 'runs.csv'}, {out / 'summary.csv'}")

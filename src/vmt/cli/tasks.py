"""``vmt tasks``: the task-allocation economy and its coordination markets.

Without ``--experiment`` or ``--economy`` it runs central planning vs the
task market over workforce sizes N (table of means with 95% confidence
intervals, one-sided paired p-values, the verdict, plots and CSVs in
``--out``). ``--experiment NAME`` runs one experiment of the coordination
economy (or ``all``) against its baseline on paired seeds; ``--economy FILE``
reads the coordination economy's parameters and switches from YAML, and
without ``--experiment`` runs every market as switched there (``--switch
NAME=on|off`` overrides) and prints its measures.
"""

from __future__ import annotations

from pathlib import Path

import click

from vmt.cli.errors import fail

DEFAULT_SIZES = "5,10,20,50,100,200"


@click.command("tasks")
@click.option("--n", "sizes_text", default=None, help=f"Comma-separated workforce sizes N [default: {DEFAULT_SIZES}].")
@click.option("--seeds", default=30, show_default=True, type=int, help="Paired seeds (at least 2).")
@click.option("--first-seed", default=0, show_default=True, type=click.IntRange(min=0), help="First seed; seeds are consecutive.")
@click.option("--out", "out_dir", default="out/tasks", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the plots and CSV files.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a planner-vs-market parameter, e.g. --set planner_evaluations_per_tick=inf (repeatable).")
@click.option("--experiment", "experiment_name", default=None, metavar="NAME",
              help="Run a coordination experiment against its baseline: resource_market, expertise_market, "
                   "debt_trading, coupling_tax, assurance_contracts, harberger_ownership, deadline_forecasts, "
                   "bundled_tasks, or all.")
@click.option("--economy", "economy_file", default=None, type=click.Path(dir_okay=False),
              help="YAML file of the coordination economy (markets, switches, parameters).")
@click.option("--switch", "switches", multiple=True, metavar="MARKET=on|off",
              help="Switch a market of the coordination economy on or off (repeatable).")
@click.option("--check", is_flag=True, help="Check conservation and individual rationality every tick.")
def command(sizes_text, seeds, first_seed, out_dir, overrides, experiment_name, economy_file, switches, check) -> None:
    """Task allocation: planner vs market over N, or the coordination markets against their baselines."""
    if experiment_name is None and economy_file is None and not switches:
        _planner_vs_market(sizes_text or DEFAULT_SIZES, seeds, first_seed, Path(out_dir), overrides)
        return
    if sizes_text is not None or overrides:
        fail("--n and --set belong to the planner-vs-market comparison; give the coordination economy's "
             "parameters in --economy FILE and switches with --switch")
    from vmt.task_economy.config import TaskEconomyConfigError, check_seed_count

    try:
        check_seed_count(seeds)
        config = _coordination_config(economy_file, switches)
        names = _experiment_names(experiment_name) if experiment_name else None
    except TaskEconomyConfigError as exc:
        fail(str(exc))
    if names is None:
        _single_economies(config, seeds, first_seed, Path(out_dir), check)
    for name in names or ():
        _run_experiment(name, config, seeds, first_seed, Path(out_dir), check)


def _coordination_config(economy_file, switches):
    from vmt.task_economy.config import TaskEconomyConfigError
    from vmt.task_economy.coordination_config import MARKET_NAMES, CoordinationConfig, load_coordination_config

    config = load_coordination_config(economy_file) if economy_file else CoordinationConfig()
    for item in switches:
        name, _, state = item.partition("=")
        if name not in MARKET_NAMES or state not in ("on", "off"):
            raise TaskEconomyConfigError(
                f"cannot read --switch {item!r}: expected MARKET=on or MARKET=off with MARKET one of "
                f"{', '.join(MARKET_NAMES)}")
        config = config.with_switch(name, state == "on")
    return config


def _experiment_names(name: str) -> tuple[str, ...]:
    from vmt.task_economy.coordination import EXPERIMENTS, experiment

    return tuple(EXPERIMENTS) if name == "all" else (experiment(name).name,)


def _run_experiment(name, config, seeds, first_seed, out_root: Path, check: bool) -> None:
    from tqdm import tqdm

    from vmt.task_economy.coordination import run_experiment, summarise_experiment, verdict_text
    from vmt.task_economy.coordination_report import format_experiment_table, save_experiment_plots

    with tqdm(total=seeds, desc=name, unit="seed", disable=None) as bar:
        runs = run_experiment(name, config, seeds, first_seed, checked=check, on_seed_done=bar.update)
    summary = summarise_experiment(runs)
    out = out_root / name
    plots = save_experiment_plots(name, summary, out)
    if name in EXTRA_PLOTS:
        plots.append(EXTRA_PLOTS[name](config, seeds, first_seed, out))
    runs.to_csv(out / "runs.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    table = format_experiment_table(name, summary) + "\n\n" + verdict_text(name, summary)
    (out / "table.txt").write_text(table + "\n", encoding="utf-8")
    click.echo(table)
    click.echo(f"plots: {', '.join(map(str, plots))}; data: {out / 'runs.csv'}, {out / 'summary.csv'}\n")


def _calibration(config, seeds, first_seed, out: Path) -> Path:
    import numpy as np

    from vmt.task_economy.coordination_report import save_calibration_plot
    from vmt.task_economy.forecasts import forecast_records

    pooled = {}
    for label, enabled in (("base rate", False), ("LMSR price", True)):
        records = [forecast_records(config.with_switch("forecasts", enabled), seed)
                   for seed in range(first_seed, first_seed + seeds)]
        pooled[label] = (np.concatenate([r["forecast"] for r in records]),
                         np.concatenate([r["outcome"] for r in records]))
    return save_calibration_plot(pooled, out)


def _debt_paths(config, seeds, first_seed, out: Path) -> Path:
    import numpy as np

    from vmt.task_economy.coordination_report import save_debt_path_plot
    from vmt.task_economy.debt import simulate_debt

    paths = {label: np.array([simulate_debt(config.with_switch("debt", enabled), seed)[1]
                              for seed in range(first_seed, first_seed + seeds)])
             for label, enabled in (("no trading", False), ("trading", True))}
    return save_debt_path_plot(paths, out)


EXTRA_PLOTS = {"deadline_forecasts": _calibration, "debt_trading": _debt_paths}


def _single_economies(config, seeds, first_seed, out: Path, check: bool) -> None:
    import pandas as pd

    from vmt.task_economy.coordination import SINGLE_RUNNERS
    from vmt.analysis.statistics import mean_confidence_interval

    out.mkdir(parents=True, exist_ok=True)
    rows = [{"market": market, "enabled": config.market(market).enabled, "seed": seed,
             "measure": measure, "value": value}
            for market, runner in SINGLE_RUNNERS.items() for seed in range(first_seed, first_seed + seeds)
            for measure, value in runner(config, seed, checked=check).items()]
    runs = pd.DataFrame(rows)
    runs.to_csv(out / "economy_runs.csv", index=False)
    for (market, enabled, measure), part in runs.groupby(["market", "enabled", "measure"], sort=False):
        values = part["value"].dropna()
        text = "n/a" if len(values) < 2 else "%.4g [%.4g, %.4g]" % mean_confidence_interval(values)
        click.echo(f"{market:<14} {'on' if enabled else 'off':<4} {measure:<32} {text}")
    click.echo(f"data: {out / 'economy_runs.csv'}")


def _planner_vs_market(sizes_text: str, seeds: int, first_seed: int, out: Path, overrides) -> None:
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
    plots = save_plots(summary, out)
    runs.to_csv(out / "runs.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    click.echo(format_table(summary))
    click.echo("")
    click.echo(hypothesis_verdict(summary).text)
    click.echo(f"plots: {', '.join(str(p) for p in plots)}; data: {out / 'runs.csv'}, {out / 'summary.csv'}")

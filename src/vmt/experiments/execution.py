"""Running an experiment: every (point x seed) as one task, results recorded as they finish.

:func:`run_sweep` plans the tasks, skips those an earlier run of the same
experiment already finished in the output folder, runs the rest on the
chosen runner (:mod:`vmt.experiments.runners`), writes each finished run
(:mod:`vmt.experiments.store`) and returns the tidy table of every planned
run: one row per (point, seed) with the swept parameters, the seed, the
status, the error of a failed run, the wall time and one column per metric.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from vmt import __version__
from vmt.experiments.metrics import metrics_named
from vmt.experiments.spec import Experiment, ExperimentError
from vmt.experiments.store import ResultStore, tidy_columns
from vmt.experiments.tasks import RunOutcome, RunTask


@dataclass
class SweepResult:
    """A finished sweep: the table of planned runs and what this call did."""

    results: pd.DataFrame
    prices: pd.DataFrame
    ran: int
    skipped: int
    out: Path | None = None
    runner: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> pd.DataFrame:
        """Rows of the runs that failed, with their errors."""
        return self.results[self.results["status"] != "ok"]


def plan_tasks(experiment: Experiment, store: ResultStore | None = None) -> list[RunTask]:
    """One task per (point, seed), points outermost; telemetry paths inside ``store`` when asked for."""
    metrics = tuple(metrics_named(experiment.metrics))
    origin = experiment.scenario.origin
    tasks = []
    for point in experiment.points:
        overrides = (*origin.overrides, *experiment.point_overrides(point))
        for seed in experiment.seeds:
            telemetry = str(store.telemetry_path(point.key, seed)) if experiment.telemetry and store else None
            tasks.append(RunTask(point.index, point.key, dict(point.values), seed, origin.raw, overrides,
                                 experiment.ticks, metrics, experiment.convergence_threshold, telemetry))
    return tasks


def manifest(experiment: Experiment, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``experiment.json`` records about a sweep (read back by ``vmt report DIR``)."""
    return {
        "name": experiment.name, "fingerprint": experiment.fingerprint(), "vmt_version": __version__,
        "scenario": experiment.scenario.name, "scenario_hash": experiment.scenario.scenario_hash(),
        "ticks": experiment.ticks, "seeds": experiment.seeds, "metrics": experiment.metrics,
        "convergence_threshold": experiment.convergence_threshold, "columns": experiment.columns,
        "points": [{"id": p.index, "key": p.key, "values": p.values} for p in experiment.points],
        "notes": experiment.notes, **(extra or {}),
    }


def run_sweep(experiment: Experiment, out: str | Path | None = None, *, workers: int | None = None,
              scheduler: str | None = None, csv: bool = False, progress: bool = True,
              log: Callable[[str], None] | None = None, extra_manifest: dict | None = None) -> SweepResult:
    """Run every (point, seed) of ``experiment`` not already finished in ``out``; return the table.

    Parameters
    ----------
    out : results folder (see :mod:`vmt.experiments.store`); ``None`` keeps
        everything in memory (nothing to resume from).
    workers, scheduler : where to run (see :func:`vmt.experiments.runners.make_runner`).
    csv : also write ``results.csv``.
    progress : show a progress bar (runs done, failed, ETA).
    log : receives one-line messages (the runner, the dashboard link, skipped runs).
    """
    log = log or (lambda message: None)
    if experiment.telemetry and out is None:
        raise ExperimentError(["telemetry: per-run telemetry is written into the results folder; give one (out=DIR)"])
    store = ResultStore(out) if out is not None else None
    if store is not None:
        store.open(manifest(experiment, extra_manifest))
    tasks = plan_tasks(experiment, store)
    done = store.completed() if store is not None else set()
    pending = [t for t in tasks if t.run_key not in done]
    if done:
        log(f"{len(tasks) - len(pending)} of {len(tasks)} runs already done in {out}; running the other {len(pending)}")
    sink = _Sink(store)
    where = _run_pending(pending, sink, workers, scheduler, progress, log)
    results, prices = sink.finish(csv)
    planned = {t.run_key for t in tasks}
    keep = [(k, s) in planned for k, s in zip(results["point_key"], results["seed"])]
    return SweepResult(results[keep].reset_index(drop=True), prices, ran=len(pending),
                       skipped=len(tasks) - len(pending), out=Path(out) if out is not None else None,
                       runner=where, notes=list(experiment.notes))


def _run_pending(pending: list[RunTask], sink: "_Sink", workers, scheduler, progress: bool, log) -> str:
    """Run ``pending`` on the chosen runner, each outcome to ``sink``; return where they ran."""
    from vmt.experiments.runners import make_runner

    if not pending:
        return "nowhere: every run was already done"
    with make_runner(workers, scheduler) as runner:
        log(f"running {len(pending)} runs on {runner.description}")
        if runner.dashboard_link:
            log(f"Dask dashboard: {runner.dashboard_link}")
        with _progress_bar(len(pending), progress) as bar:
            runner.run(pending, lambda outcome: (sink.add(outcome), bar.advance(outcome)))
        return runner.description


class _Sink:
    """Collects outcomes: into the results folder, or in memory without one."""

    def __init__(self, store: ResultStore | None) -> None:
        self.store = store
        self.rows: list[dict] = []
        self.prices: list[pd.DataFrame] = []

    def add(self, outcome: RunOutcome) -> None:
        if self.store is not None:
            self.store.write_run(outcome.row, outcome.prices)
            return
        self.rows.append(outcome.row)
        if outcome.prices is not None:
            self.prices.append(outcome.prices.assign(point_key=outcome.row["point_key"], seed=outcome.row["seed"]))

    def finish(self, csv: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self.store is not None:
            return self.store.consolidate(csv), self.store.price_paths()

        results = tidy_columns(pd.DataFrame(self.rows)).sort_values(["point_id", "seed"], kind="stable")
        prices = pd.concat(self.prices, ignore_index=True) if self.prices else pd.DataFrame()
        return results.reset_index(drop=True), prices


class _progress_bar:
    """A tqdm bar counting runs, with the number failed as its postfix."""

    def __init__(self, total: int, enabled: bool) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc="runs", unit="run", disable=not enabled or None, leave=True)
        self.failed = 0

    def __enter__(self) -> "_progress_bar":
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()

    def advance(self, outcome: RunOutcome) -> None:
        if not outcome.ok:
            self.failed += 1
            self.bar.set_postfix(failed=self.failed, refresh=False)
        self.bar.update(1)

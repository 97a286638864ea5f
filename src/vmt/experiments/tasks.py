"""One run of a sweep as a self-contained task: build, run, measure, never raise.

A :class:`RunTask` carries everything a worker needs (the base scenario as
a raw mapping plus overrides, the seed, the ticks and the metric functions
themselves), so it runs the same in this process, on a local cluster or on a
remote Dask worker that has VMT installed. :func:`run_task` returns one row
of the results table; an exception anywhere (an impossible parameter, a
metric that fails) becomes a row with ``status = "failed"`` and the error.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

#: Columns every row has, whatever the metrics.
RUN_COLUMNS = ("point_id", "point_key", "seed", "status", "error", "wall_seconds", "ticks")


@dataclass(frozen=True)
class RunTask:
    """One (point, seed) of an experiment."""

    point_id: int
    point_key: str
    point: dict[str, Any]
    seed: int
    scenario_raw: dict
    overrides: tuple[str, ...]
    ticks: int
    metrics: tuple = ()  # vmt.experiments.metrics.Metric objects
    convergence_threshold: float = 0.05
    telemetry: str | None = None  # SQLite path for this run's telemetry, or None
    numba_threads: int | None = None  # pin numba's threads on a worker (None: leave as is)
    record_prices: bool = True

    @property
    def run_key(self) -> tuple[str, int]:
        return self.point_key, self.seed


@dataclass
class RunOutcome:
    """A finished task: its table row and, when recorded, its per-tick price path."""

    row: dict[str, Any]
    prices: Any = None  # pandas DataFrame (tick, pair_type, price, volume) or None
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.row["status"] == "ok"


def run_task(task: RunTask) -> RunOutcome:
    """Run one task; failures are returned as rows, never raised."""
    _pin_threads(task.numba_threads)
    start = time.perf_counter()
    try:
        measured, prices = _measure(task)
    except Exception as exc:  # noqa: BLE001 -- a failing run is data, not a crash of the sweep
        outcome = failed_outcome(task, exc, time.perf_counter() - start)
        outcome.extra["traceback"] = traceback.format_exc()
        return outcome
    row = {**_identity(task), "status": "ok", "error": "", "wall_seconds": time.perf_counter() - start, **measured}
    return RunOutcome(row, prices)


def failed_outcome(task: RunTask, exc: BaseException, wall_seconds: float = float("nan")) -> RunOutcome:
    """The row of a run that could not finish, with the error as ``Type: message``."""
    row = {**_identity(task), "status": "failed", "error": f"{type(exc).__name__}: {exc}",
           "wall_seconds": wall_seconds}
    return RunOutcome(row)


def _identity(task: RunTask) -> dict[str, Any]:
    recorded = {"telemetry": os.path.basename(task.telemetry)} if task.telemetry else {}
    return {"point_id": task.point_id, "point_key": task.point_key, **task.point, "seed": task.seed,
            "ticks": task.ticks, **recorded}


def _measure(task: RunTask) -> tuple[dict[str, float], Any]:
    from vmt.experiments.metrics import RunContext
    from vmt.experiments.observe import DispersionTrace, equilibrium_prices
    from vmt.scenario import load_scenario
    from vmt.simulation import Simulation

    scenario = load_scenario(task.scenario_raw, task.overrides)
    if task.telemetry is not None:
        _remove_database(task.telemetry)  # left by an interrupted attempt at this run
    sim = Simulation(scenario, seed=task.seed, telemetry=task.telemetry)
    trace = DispersionTrace(sim)
    sim.on("after_tick", trace)
    context = RunContext(task.point, task.seed, task.ticks, equilibrium_prices(sim),
                         convergence_threshold=task.convergence_threshold)
    sim.run(task.ticks)
    context.valuation_dispersion = trace.series()
    measured: dict[str, float] = {}
    for metric in task.metrics:
        try:
            measured.update(metric(sim, context))
        except Exception as exc:
            raise RuntimeError(f"metric {metric.name!r} failed: {type(exc).__name__}: {exc}") from exc
    return measured, (price_path(sim) if task.record_prices else None)


def price_path(sim):
    """Per tick and pair: volume-weighted price and volume of the tick's trades."""
    from vmt.analysis.summary import first_good_quantity

    trades = sim.trades_df()
    first = first_good_quantity(trades) if len(trades) else trades["price"]
    frame = trades.assign(first=first, second=first * trades["price"])
    out = frame.groupby(["tick", "pair_type"], sort=True)[["first", "second"]].sum().reset_index()
    out["price"] = out["second"] / out["first"]
    return out.rename(columns={"first": "volume"})[["tick", "pair_type", "price", "volume"]]


def _remove_database(path: str) -> None:
    """Delete an SQLite file and its write-ahead companions, so the run's database holds this run only."""
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass


def _pin_threads(threads: int | None) -> None:
    """One numba thread per worker, so parallel workers do not fight over cores.

    Set before numba is imported where possible (the environment variable),
    and through ``numba.set_num_threads`` when it already is.
    """
    if threads is None:
        return
    import sys

    if "numba" not in sys.modules:
        os.environ["NUMBA_NUM_THREADS"] = str(threads)
        return
    import numba

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))

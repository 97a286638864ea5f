"""Where a sweep's tasks run: in this process, on a local Dask cluster, or on an existing one.

* ``workers=1`` -- :class:`InProcessRunner`, one task after the other (for
  debugging: breakpoints and tracebacks work as usual);
* default -- :class:`DaskRunner` on a ``LocalCluster`` of process workers
  sized to the machine, one thread each and one numba thread each
  (``NUMBA_NUM_THREADS=1`` in the workers' environment), so workers do not
  fight over cores;
* ``scheduler="tcp://HOST:8786"`` (or ``DASK_SCHEDULER_ADDRESS``) -- the
  same tasks sent to an existing Dask cluster, whose workers must have VMT
  installed (pin their numba threads with ``NUMBA_NUM_THREADS=1`` too; the
  task also pins them).

Dask retries a task whose worker died (``distributed.scheduler.allowed-failures``,
3 by default); a task that still cannot finish is recorded as failed with
the error, like a task that raises. A script that starts a local cluster
must keep its sweep under ``if __name__ == "__main__":`` (process workers
start by re-importing the script).
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import replace
from typing import Callable, Iterable

from vmt.experiments.tasks import RunOutcome, RunTask, failed_outcome, run_task

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_WAIT_POLICY": "passive", "OMP_NUM_THREADS": "1"}
#: Dask's sampling profiler interrupts a worker every 10 ms; off, a run on a busy machine
#: took about as long on a local worker as in this process (measured: 1.7x longer with it on).
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}

OnOutcome = Callable[[RunOutcome], None]


class InProcessRunner:
    """Runs the tasks here, in order, with numba limited to one thread meanwhile.

    One thread, like a Dask worker: many short runs gain nothing from
    parallel kernels, and on a busy machine numba's threads spin against the
    other processes (measured: 40x slower with 2 threads than with 1 on a
    loaded 2-core machine). The caller's thread count is restored afterwards.
    """

    description = "in-process (1 worker)"
    dashboard_link = None

    def __enter__(self) -> "InProcessRunner":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def run(self, tasks: Iterable[RunTask], on_outcome: OnOutcome) -> None:
        import numba

        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            for task in tasks:
                on_outcome(run_task(task))
        finally:
            numba.set_num_threads(threads)


class DaskRunner:
    """Runs the tasks on a Dask cluster: a new ``LocalCluster``, or an existing scheduler by address."""

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        self.workers = workers or default_worker_count()
        self.scheduler = scheduler
        self.cluster = None
        self.client = None

    @property
    def description(self) -> str:
        if self.scheduler:
            return f"Dask scheduler {self.scheduler} ({self._worker_count()} workers)"
        return f"Dask LocalCluster ({self.workers} process workers, 1 thread each)"

    @property
    def dashboard_link(self) -> str | None:
        if self.client is None or (self.cluster is not None and not _has_bokeh()):
            return None
        try:
            return self.client.dashboard_link
        except (AttributeError, KeyError):
            return None

    def __enter__(self) -> "DaskRunner":
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler:
            self.client = Client(self.scheduler, timeout="20s")
            return self
        with dask.config.set(WORKER_CONFIG):
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0" if _has_bokeh() else None,
                                        silence_logs=logging.ERROR, env=dict(WORKER_ENV))
        self.client = Client(self.cluster)
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def run(self, tasks: Iterable[RunTask], on_outcome: OnOutcome) -> None:
        from distributed import as_completed

        pinned = [replace(t, numba_threads=1) for t in tasks]
        futures = {self.client.submit(run_task, t, pure=False, key=_task_key(t)): t for t in pinned}
        for future in as_completed(futures):
            on_outcome(_outcome(future, futures[future]))

    def _worker_count(self) -> int:
        return len(self.client.scheduler_info().get("workers", {})) if self.client is not None else 0


def make_runner(workers: int | None = None, scheduler: str | None = None):
    """The runner for these options (see the module docstring); ``workers < 1`` is a ``ValueError``."""
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if scheduler:
        return DaskRunner(scheduler=scheduler)
    if workers == 1:
        return InProcessRunner()
    return DaskRunner(workers=workers)


def default_worker_count() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _outcome(future, task: RunTask) -> RunOutcome:
    """The task's outcome, or a failed row when Dask itself could not finish it (a worker kept dying)."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 -- recorded as the run's error
        return failed_outcome(task, exc)


def _task_key(task: RunTask) -> str:
    import uuid

    return f"vmt-run-p{task.point_id}-s{task.seed}-{uuid.uuid4().hex[:8]}"


def _has_bokeh() -> bool:
    return importlib.util.find_spec("bokeh") is not None

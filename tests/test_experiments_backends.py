"""One sweep, three places to run it: in this process, on a LocalCluster, on an external scheduler.

The tasks carry everything they need, so the three give identical metrics
seed by seed; a point with an impossible parameter is recorded as failed with
its error everywhere, and the other runs complete.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import two_type_economy

from vmt.experiments import METRICS, register_metric
from vmt.experiments.spec import load_experiment
from vmt.experiments.execution import run_sweep

DASK = str(Path(sys.executable).with_name("dask"))
WORKER_ENV = {**os.environ, "NUMBA_NUM_THREADS": "1", "OMP_WAIT_POLICY": "passive"}


def crash_first_worker(marker: Path):
    """A metric that kills the Dask worker running it the first time (then 0.0 everywhere)."""
    def crash(sim) -> float:
        from distributed import get_worker

        try:
            get_worker()
        except ValueError:  # not on a Dask worker
            return 0.0
        if not marker.exists():
            marker.touch()
            os._exit(1)  # the worker process dies mid-task
        return 0.0

    return crash


@pytest.fixture(scope="module")
def crash_marker(tmp_path_factory):
    return tmp_path_factory.mktemp("crash") / "worker-killed"


@pytest.fixture(scope="module")
def experiment(crash_marker):
    # Defined here, so they travel to the workers by value.
    register_metric("numba_threads", lambda sim: __import__("numba").get_num_threads())
    register_metric("crash_once", crash_first_worker(crash_marker))
    yield load_experiment({
        "scenario": two_type_economy(count=16, grid=8),
        "axes": {"params.vision_radius": [1, 3, -1]},  # -1: an impossible radius
        "seeds": [0, 7], "ticks": 12,
        "metrics": ["final_price", "distance_to_p_star", "trades", "utility_gain", "time_to_convergence",
                    "numba_threads", "crash_once"],
    })
    METRICS.pop("numba_threads")
    METRICS.pop("crash_once")


@pytest.fixture(scope="module")
def in_process(experiment):
    return run_sweep(experiment, workers=1, progress=False).results


def _comparable(results: pd.DataFrame) -> pd.DataFrame:
    return results.drop(columns="wall_seconds").reset_index(drop=True)


def test_failing_point_is_recorded_and_the_rest_completes(in_process):
    failed = in_process[in_process["params.vision_radius"] == -1]
    assert failed["status"].tolist() == ["failed", "failed"]
    assert failed["error"].str.contains("params.vision_radius").all()
    assert failed["error"].str.startswith("ScenarioError").all()
    done = in_process[in_process["params.vision_radius"] != -1]
    assert (done["status"] == "ok").all() and len(done) == 4 and (done["trades"] > 0).all()
    assert (done["numba_threads"] == 1).all()


def test_local_cluster_matches_in_process_and_retries_a_lost_worker(experiment, in_process, crash_marker):
    on_cluster = run_sweep(experiment, workers=2, progress=False)
    assert on_cluster.runner.startswith("Dask LocalCluster (2 process workers")
    assert crash_marker.exists()  # a worker died during a run, and the run was retried
    pd.testing.assert_frame_equal(_comparable(on_cluster.results), _comparable(in_process))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def external_scheduler():
    """A `dask scheduler` and one `dask worker` on 127.0.0.1, stopped afterwards."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    host, port = address.removeprefix("tcp://").split(":")
    common = dict(env=WORKER_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes = [subprocess.Popen([DASK, "scheduler", "--host", host, "--port", port, "--no-dashboard"], **common)]
    try:
        processes.append(subprocess.Popen([DASK, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                           "--no-dashboard", "--host", "127.0.0.1"], **common))
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(1, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield address
    finally:
        _stop(address, processes)


def _stop(address: str, processes: list[subprocess.Popen]) -> None:
    """Ask the scheduler to shut the cluster down; terminate, then kill, what is left."""
    from distributed import Client

    try:
        with Client(address, timeout="5s") as client:
            client.shutdown()
    except (OSError, TimeoutError):
        pass
    for process in reversed(processes):
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_external_scheduler_matches_in_process(experiment, in_process, external_scheduler, monkeypatch):
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", external_scheduler)  # found without an argument
    remote = run_sweep(experiment, progress=False)
    assert remote.runner == f"Dask scheduler {external_scheduler} (1 workers)"
    pd.testing.assert_frame_equal(_comparable(remote.results), _comparable(in_process))

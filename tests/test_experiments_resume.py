"""An interrupted sweep resumes: the rerun does only the missing runs and ends where an uninterrupted one does."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml
from conftest import two_type_economy

from vmt.experiments import METRICS, register_metric
from vmt.experiments.spec import load_experiment
from vmt.experiments.store import ResultStore, StoreError
from vmt.experiments.execution import run_sweep

PAUSE = 0.25  # seconds each run waits in its "pause" metric, so the kill lands midway
SWEEP_SCRIPT = f"""
import sys, time
import vmt
from vmt.experiments import register_metric
register_metric("pause", lambda sim: time.sleep({PAUSE}) or 0.0)
vmt.sweep(sys.argv[1], out=sys.argv[2], workers=1, progress=False)
"""


def _pause(sim) -> float:
    time.sleep(PAUSE)
    return 0.0


@pytest.fixture
def experiment_file(tmp_path):
    register_metric("pause", _pause)
    spec = {"scenario": two_type_economy(count=12, grid=8), "axes": {"params.vision_radius": [1, 3]},
            "seeds": 4, "ticks": 10, "metrics": ["trades", "final_price", "utility_gain", "pause"]}
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(spec))
    yield path
    METRICS.pop("pause", None)


def _kill_midway(experiment_file, out) -> None:
    process = subprocess.Popen([sys.executable, "-c", SWEEP_SCRIPT, str(experiment_file), str(out)])
    deadline = time.monotonic() + 120
    try:
        while len(list((out / "parts").glob("run-*.parquet"))) < 2 if (out / "parts").is_dir() else True:
            assert process.poll() is None, "the sweep ended before it could be interrupted"
            assert time.monotonic() < deadline, "the sweep recorded no runs in time"
            time.sleep(0.02)
        assert process.poll() is None, "the sweep ended before it could be interrupted"
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()


def test_rerun_after_kill_does_only_missing_runs_and_matches_uninterrupted(experiment_file, tmp_path):
    out = tmp_path / "interrupted"
    _kill_midway(experiment_file, out)
    before = ResultStore(out).results()
    assert 2 <= len(before) < 8 and (before["status"] == "ok").all()

    experiment = load_experiment(experiment_file)
    resumed = run_sweep(experiment, out, workers=1, progress=False)
    assert (resumed.ran, resumed.skipped) == (8 - len(before), len(before))
    kept = resumed.results.merge(before[["point_key", "seed", "wall_seconds"]], on=["point_key", "seed"])
    assert len(kept) == len(before)
    assert (kept["wall_seconds_x"] == kept["wall_seconds_y"]).all()  # reused, not run again

    fresh = run_sweep(experiment, tmp_path / "uninterrupted", workers=1, progress=False)
    columns = [c for c in fresh.results.columns if c != "wall_seconds"]
    pd.testing.assert_frame_equal(resumed.results[columns], fresh.results[columns])
    on_disk = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(on_disk[columns], fresh.results[columns])
    assert not list((out / "parts").iterdir())  # folded into results.parquet

    again = run_sweep(experiment, out, workers=1, progress=False)
    assert (again.ran, again.skipped) == (0, 8)


def test_a_folder_of_another_experiment_is_refused_untouched(experiment_file, tmp_path):
    out = tmp_path / "sweep"
    experiment = load_experiment(experiment_file, {"seeds": 1, "metrics": ["trades"]})
    run_sweep(experiment, out, workers=1, progress=False)
    before = (out / "results.parquet").read_bytes()
    other = load_experiment(experiment_file, {"seeds": 1, "metrics": ["trades"], "ticks": 11})
    with pytest.raises(StoreError, match="holds results of a different experiment"):
        run_sweep(other, out, workers=1, progress=False)
    assert (out / "results.parquet").read_bytes() == before
    (tmp_path / "stranger").mkdir()
    (tmp_path / "stranger" / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="is not a sweep results folder"):
        run_sweep(experiment, tmp_path / "stranger", workers=1, progress=False)

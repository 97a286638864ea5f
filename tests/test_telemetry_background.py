"""The recorder's commits on a background thread: bounded, and every failure
raised on the engine's thread with the run kept readable up to its last
commit."""

from __future__ import annotations

import gc
import os
import threading
import warnings

import numpy as np
import pytest

from reliability_support import one_numba_thread, tiny_economy  # noqa: F401 (autouse fixture)
from vmt.simulation import Simulation, SimulationError
from vmt.telemetry import TelemetryError, TelemetryWriter, list_runs, read_table
from vmt.telemetry.committer import CommitThread
from vmt.telemetry.writer import BULK_ROWS


def test_a_commit_waits_for_the_one_in_flight():
    committer, order = CommitThread("vmt-telemetry-test"), []
    started, release = threading.Event(), threading.Event()
    committer.submit(lambda: (started.set(), release.wait(), order.append(1)))
    started.wait()
    second = threading.Thread(target=committer.submit, args=(lambda: order.append(2),))
    second.start()
    second.join(0.05)
    assert second.is_alive()  # held back: one commit in flight, no queue to grow
    release.set()
    second.join()
    committer.close()
    assert order == [1, 2] and not committer.alive


def recording(tmp_path, ticks_before: int = 3) -> Simulation:
    """A tiny recorded run committing every tick, ``ticks_before`` ticks in."""
    sim = Simulation(tiny_economy("bilateral"), seed=3, telemetry=tmp_path / "run.db")
    sim.recorder.writer.commit_ticks = 1
    for _ in range(ticks_before):
        sim.step()
    sim.recorder.writer.sync()
    return sim


def assert_failed_keeping_a_prefix(sim, db, status: str = "failed") -> None:
    run = list_runs(db).iloc[0]
    assert run["status"] == status and run["ticks_completed"] >= 3
    ticks = sorted(read_table(db, "agent_snapshots")["tick"].unique())
    assert ticks == list(range(run["ticks_completed"]))
    assert not sim.recorder.writer.writing_in_background  # the writer's thread was joined


def test_an_error_on_the_writers_thread_is_raised_on_the_engines(tmp_path, monkeypatch):
    sim = recording(tmp_path)

    def broken_disk(*args):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("vmt.telemetry.writer.insert_blocks", broken_disk)
    with pytest.raises(TelemetryError, match="writer's thread: OSError.*Input/output error"):
        sim.run(20)
    assert_failed_keeping_a_prefix(sim, tmp_path / "run.db")
    with pytest.raises(SimulationError, match="failed"):
        sim.step()


def test_a_bad_snapshot_made_on_the_writers_thread_stops_the_run_on_the_engines(tmp_path, monkeypatch):
    monkeypatch.setattr("vmt.telemetry.writer.BULK_ROWS", 1)  # made on the writer's thread however small
    sim = recording(tmp_path)  # snapshots' utilities are derived when the writer's thread commits them

    def broken_family(world, inventory, lambda_money):
        return np.full(len(lambda_money), np.nan)

    monkeypatch.setattr("vmt.telemetry.recorder.utilities", broken_family)
    with pytest.raises(TelemetryError, match="'utility': .* NaN.* the 3 tick.s. committed before are intact"):
        sim.run(20)
    assert_failed_keeping_a_prefix(sim, tmp_path / "run.db")


def test_an_idle_writers_thread_commits_a_blocks_worth_of_rows_without_waiting_for_a_budget(tmp_path):
    from test_telemetry_roundtrip import RUN_INFO, snapshot

    with TelemetryWriter(tmp_path / "t.db", layout="columns", commit_seconds=3600.0, background=True) as writer:
        writer.begin_run(**RUN_INFO)
        for tick, rows, committed, buffered in ((0, BULK_ROWS - 1, 0, BULK_ROWS - 1), (1, 1, 2, 0)):
            writer.append("agent_snapshots", **snapshot(rows, tick))
            writer.set_progress(tick + 1)
            writer.sync()
            assert (writer.ticks_committed, writer.buffered_rows) == (committed, buffered)


def test_a_file_deleted_under_a_run_stops_it_with_an_error_naming_that(tmp_path):
    sim = recording(tmp_path)
    os.remove(tmp_path / "run.db")  # a clean-up job took it away: SQLite itself would write on unseen
    with pytest.raises(TelemetryError, match="was deleted or replaced while the run was writing it"):
        sim.run(20)
    assert not sim.recorder.writer.writing_in_background
    with pytest.raises(SimulationError, match="failed"):
        sim.step()


def test_ctrl_c_ends_the_run_interrupted_with_every_finished_tick(tmp_path):
    sim = recording(tmp_path, ticks_before=0)

    def interrupt(tick):
        if tick == 6:
            raise KeyboardInterrupt

    sim.on("after_tick", interrupt)
    with pytest.raises(KeyboardInterrupt):
        sim.run(20)
    run = list_runs(tmp_path / "run.db").iloc[0]
    assert run["status"] == "interrupted" and run["ticks_completed"] == 7  # tick 6 was recorded first
    assert_failed_keeping_a_prefix(sim, tmp_path / "run.db", status="interrupted")


def test_a_recording_never_finished_stops_its_thread_when_dropped(tmp_path):
    sim = recording(tmp_path)
    threads = [t for t in threading.enumerate() if t.name == "vmt-telemetry-run.db"]
    del sim
    gc.collect()  # the simulation and its recorder hold each other
    assert threads and not any(t.is_alive() for t in threads)
    assert list_runs(tmp_path / "run.db")["ticks_completed"].tolist() == [3]


@pytest.mark.parametrize("background", [False, True])
def test_a_full_disk_inside_a_with_block_is_raised_once_and_the_run_marked_failed(tmp_path, background):
    from test_telemetry_roundtrip import RUN_INFO, snapshot

    path = tmp_path / "t.db"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "could not mark the run" afterthought
        with pytest.raises(TelemetryError, match="disk is full"):
            with TelemetryWriter(path, layout="columns", commit_ticks=1, background=background) as writer:
                writer.begin_run(**RUN_INFO)
                pages = writer._conn.execute("PRAGMA page_count").fetchone()[0]
                writer._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
                for tick in range(50):
                    writer.append("agent_snapshots", **snapshot(2000, tick))
                    writer.set_progress(tick + 1)
    run = list_runs(path).iloc[0]
    assert run["status"] == "failed"
    assert sorted(read_table(path, "agent_snapshots")["tick"].unique()) == list(range(run["ticks_completed"]))

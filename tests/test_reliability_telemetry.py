"""Durable telemetry: whole ticks committed on a budget, killed runs kept and
reported interrupted, a full disk ends in one clean error, readers leave no
trace."""

from __future__ import annotations

import os
import random
import sqlite3

import pytest
from click.testing import CliRunner

from reliability_support import kill_runs, one_numba_thread, tick_tables, tiny_economy  # noqa: F401 (autouse fixture)
from vmt.cli import main
from vmt.simulation import Simulation, SimulationError
from vmt.telemetry import TelemetryError, TelemetryWriter, list_runs, read_table
from vmt.telemetry.committer import COMMITS_IN_FLIGHT

TICKS, COMMIT_TICKS = 60, 4




def reference_tables(institution: str, tmp_path) -> dict:
    db = tmp_path / f"reference-{institution}.db"
    Simulation(tiny_economy(institution), seed=5, telemetry=db).run(TICKS)
    return tick_tables(db)


def test_runs_killed_at_random_ticks_keep_a_complete_bounded_prefix(tmp_path):
    rng = random.Random(12)
    plan = [{"db": str(tmp_path / f"kill{i}.db"), "scenario": tiny_economy(institution), "seed": 5,
             "ticks": TICKS, "kill_at": rng.randint(1, TICKS - 5), "commit_ticks": COMMIT_TICKS}
            for i, institution in enumerate(["bilateral", "centralized"] * 11)]
    reported = kill_runs(plan)
    references = {inst: reference_tables(inst, tmp_path) for inst in ("bilateral", "centralized")}
    for entry, last_tick in zip(plan, reported):
        db, institution = entry["db"], "bilateral" if "bilateral" in entry["scenario"] else "centralized"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        run = list_runs(db).iloc[0]
        assert run["status"] == "interrupted"
        committed = int(run["ticks_completed"])
        # every tick is kept but those of the commits still in flight and the ticks buffered after them
        assert last_tick - (1 + COMMITS_IN_FLIGHT) * COMMIT_TICKS < committed <= TICKS, (last_tick, committed)
        assert len(read_table(db, "agents")) == 6  # the static table was committed at once
        kept = tick_tables(db)
        for name, frame in references[institution].items():
            expected = frame[frame["tick"] < committed].reset_index(drop=True)
            assert kept[name].equals(expected), (name, db)  # complete prefix, nothing beyond it
        assert sorted(kept["agent_snapshots"]["tick"].unique()) == list(range(committed))
    assert_writer_records_interrupted(plan[0]["db"])


def assert_writer_records_interrupted(db) -> None:
    """Readers report a killed run as interrupted without writing; a writer opening the file records it."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT status FROM runs").fetchone()[0] == "running"  # as the kill left it
    TelemetryWriter(db).close()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"


def test_commits_come_at_the_end_of_the_tick_that_spends_the_time_budget(tmp_path, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("vmt.telemetry.writer.time.monotonic", lambda: clock[0])
    sim = Simulation(tiny_economy("bilateral"), seed=2, telemetry=tmp_path / "t.db")
    assert len(read_table(tmp_path / "t.db", "agents")) == 6  # static tables: committed at once
    committed = []

    def note_committed(tick):
        sim.recorder.writer.sync()  # the commit handed to the writer's thread is durable
        committed.append(sim.recorder.writer.ticks_committed)

    sim.on("after_tick", note_committed)
    for tick in range(6):
        clock[0] = 0.9 * tick  # ticks of 0.9 s against the 2 s budget
        sim.step()
    # tick 3 (at 2.7 s) spends the budget; the recorder's hook runs before ours, so it shows at once
    assert committed == [0, 0, 0, 4, 4, 4]
    assert list_runs(tmp_path / "t.db")["ticks_completed"].tolist() == [4]
    assert read_table(tmp_path / "t.db", "agent_snapshots")["tick"].max() == 3


def _fill_the_disk_after_opening(monkeypatch, spare_pages: int = 4, commit_seconds: float = 2.0):
    """Simulate a full disk: the file may grow only ``spare_pages`` pages (SQLITE_FULL)."""
    original = TelemetryWriter._connect

    def connect_with_little_room(self):
        conn = original(self)
        self.commit_seconds = commit_seconds
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + spare_pages}")
        return conn

    monkeypatch.setattr(TelemetryWriter, "_connect", connect_with_little_room)


def test_a_full_disk_fails_the_run_cleanly_and_keeps_the_committed_ticks(tmp_path, monkeypatch):
    _fill_the_disk_after_opening(monkeypatch)
    db = tmp_path / "full.db"
    sim = Simulation(tiny_economy("bilateral"), seed=3, telemetry=db)
    sim.recorder.writer.commit_ticks = 1
    with pytest.raises(TelemetryError, match="disk is full") as info:
        sim.run(500)
    assert info.value.__cause__ is None and "Traceback" not in str(info.value)
    run = list_runs(db).iloc[0]
    assert run["status"] == "failed" and 0 < run["ticks_completed"] < 500
    snapshots = read_table(db, "agent_snapshots")
    assert sorted(snapshots["tick"].unique()) == list(range(run["ticks_completed"]))
    with pytest.raises(SimulationError, match="failed"):
        sim.step()


def test_cli_full_disk_and_unwritable_path_give_one_paragraph_and_exit_2(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    unwritable = CliRunner().invoke(main, ["run", "edgeworth_box", "--quiet", "--out", str(blocker / "r.db")])
    assert unwritable.exit_code == 2 and "Traceback" not in unwritable.output
    assert "Cannot open" in unwritable.output
    # a short run's only commit is the one at its end (its rows, holdings stored as
    # minor units, take about four pages); a long one fills the disk mid-run
    for ticks, commit_seconds, spare_pages in (("20", 3600.0, 2), ("5000", 2.0, 4)):
        with monkeypatch.context() as patched:
            _fill_the_disk_after_opening(patched, spare_pages, commit_seconds)
            db = tmp_path / f"full-{ticks}.db"
            result = CliRunner().invoke(main, ["run", "foraging_economy", "--quiet", "--ticks", ticks,
                                               "--out", str(db)])
        assert result.exit_code == 2 and "disk is full" in result.output and "Traceback" not in result.output
        assert result.output.count("\n") == 1  # one paragraph
        assert list_runs(db)["status"].tolist() == ["failed"]


def test_reading_creates_no_file_beside_a_finished_run(tmp_path):
    db = tmp_path / "run.db"
    Simulation(tiny_economy("price_signals"), seed=4, telemetry=db).run(10)
    before = sorted(os.listdir(tmp_path))
    assert before == ["run.db"]
    read_table(db, "trades"), list_runs(db), read_table(db, "market_areas")
    assert sorted(os.listdir(tmp_path)) == before
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:  # still a WAL file for writers
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

"""Checkpoints and resume, and the Python API's hygiene: a killed,
checkpointed run resumes to the telemetry of a run never interrupted; a
tick is all or nothing; bad arguments get clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from reliability_support import assert_same_tables, kill_runs, one_numba_thread, tick_tables, tiny_economy  # noqa: F401 (autouse fixture)
from vmt.cli import main
from vmt.simulation import Simulation, SimulationError
from vmt.telemetry import list_runs, read_table

TICKS = 40




def test_killed_checkpointed_runs_resume_to_identical_telemetry(tmp_path):
    institutions = ("bilateral", "price_signals", "centralized", "mixed_bilateral_centralized")
    plan = [{"db": str(tmp_path / f"{inst}.db"), "scenario": tiny_economy(inst), "seed": 9, "ticks": TICKS,
             "kill_at": 23, "settle": True, "commit_ticks": 2, "checkpoint_every": 5} for inst in institutions]
    kill_runs(plan)
    for entry, institution in zip(plan, institutions):
        reference = tmp_path / f"ref-{institution}.db"
        Simulation(entry["scenario"], seed=9, telemetry=reference).run(TICKS)
        killed = list_runs(entry["db"]).iloc[0]
        assert killed["status"] == "interrupted" and killed["ticks_completed"] > 20  # rows after tick 20 exist
        if institution == "bilateral":  # through the command line
            result = CliRunner().invoke(main, ["run", "--resume", entry["db"], "--quiet"])
            assert result.exit_code == 0, result.output
        else:
            resumed = Simulation.resume(entry["db"])
            assert resumed.tick == 20 and resumed.run_target == TICKS
            resumed.run(TICKS - resumed.tick)
        assert_same_tables(tick_tables(entry["db"]), tick_tables(reference))
        run = list_runs(entry["db"]).iloc[0]
        assert run["status"] == "completed" and run["ticks_completed"] == TICKS


def test_checkpoint_file_restores_state_rng_and_trade_log(tmp_path):
    sim = Simulation(tiny_economy("centralized"), seed=11)
    sim.run(15)
    path = sim.checkpoint(tmp_path / "state.ckpt")
    sim.run(15)
    resumed = Simulation.resume(path)
    assert resumed.tick == 15 and resumed.recorder is None
    resumed.run(15)
    assert resumed.trades_df().equals(sim.trades_df())
    assert np.array_equal(resumed.world.agents.inventory, sim.world.agents.inventory)
    assert resumed.tick_state.tick_rng.random() == sim.tick_state.tick_rng.random()


def test_checkpoint_files_are_checked_and_written_atomically(tmp_path):
    sim = Simulation(tiny_economy("bilateral"), seed=1)
    path = sim.checkpoint(tmp_path / "state.ckpt")
    data = path.read_bytes()
    path.write_bytes(data[:-10] + b"0123456789")
    with pytest.raises(SimulationError, match="damaged"):
        Simulation.resume(path)
    (tmp_path / "junk").write_text("hello")
    with pytest.raises(SimulationError, match="neither a VMT checkpoint"):
        Simulation.resume(tmp_path / "junk")
    path.write_bytes(data)
    with pytest.raises(SimulationError, match="unchanged"):
        sim.checkpoint(tmp_path / "junk" / "under-a-file.ckpt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk", "state.ckpt"]  # no temporary left
    db = tmp_path / "plain.db"
    Simulation(tiny_economy("bilateral"), seed=1, telemetry=db).run(3)
    with pytest.raises(SimulationError, match="no checkpoint"):
        Simulation.resume(db)


def test_an_exception_in_a_hook_fails_the_tick_once_and_for_all(tmp_path):
    db = tmp_path / "h.db"
    sim = Simulation(tiny_economy("bilateral"), seed=6, telemetry=db)

    def breaks_at_tick_7(tick):
        if tick == 7:
            raise RuntimeError("observer broke")

    sim.on("after_tick", breaks_at_tick_7)
    with pytest.raises(RuntimeError, match="observer broke"):
        sim.run(20)
    for again in (sim.step, lambda: sim.run(3)):
        with pytest.raises(SimulationError, match="failed .*tick 7 raised RuntimeError"):
            again()
    assert sim.tick == 8  # the clock had moved past tick 7 when its hook broke; nothing re-ran
    run = list_runs(db).iloc[0]
    assert run["status"] == "failed"
    trades = read_table(db, "trades")
    assert not trades.duplicated().any() and trades["tick"].max() < run["ticks_completed"]


def test_a_finished_recorded_run_says_so_instead_of_naming_internals(tmp_path):
    sim = Simulation(tiny_economy("bilateral"), seed=6, telemetry=tmp_path / "f.db")
    sim.run(3)
    with pytest.raises(SimulationError, match="has ended at tick 3") as info:
        sim.step()
    assert "begin_run" not in str(info.value)


@pytest.mark.parametrize("seed", [-1, 2**63, 1.5, "7", True, float("nan")])
def test_bad_seeds_are_refused_clearly(seed):
    with pytest.raises(SimulationError, match="seed must be"):
        Simulation(tiny_economy("bilateral"), seed=seed)


@pytest.mark.parametrize("ticks", [-3, 2.5, "ten", None.__class__, float("inf")])
def test_bad_tick_counts_are_refused_clearly(ticks):
    sim = Simulation(tiny_economy("bilateral"), seed=np.int64(3))
    with pytest.raises(SimulationError, match="ticks must be"):
        sim.run(ticks)
    sim.run(np.int32(2))
    assert sim.tick == 2
    with pytest.raises(SimulationError, match="checkpoint_every needs telemetry"):
        sim.run(2, checkpoint_every=1)

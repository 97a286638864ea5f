"""In-memory data collection, ``vmt list`` and ``vmt export``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from vmt.cli import main
from vmt.extend import contract_economy
from vmt.simulation import Simulation


def _sim(**kw):
    return Simulation(contract_economy(regime="barter"), seed=3, **kw)


def test_collect_every_k_ticks_matches_the_final_state():
    sim = _sim()
    sim.collect(model={"utility": "total_utility", "trades": "trades", "volume": "volume",
                       "richest_A": lambda s: float(s.world.real_holdings()[:, 0].max())},
                agents={"A": "A", "u": "utility", "double_x": lambda s: 2 * s.world.agents.x},
                every=5)
    sim.run(12)
    model, agents = sim.model_df(), sim.agents_history_df()
    assert model["tick"].tolist() == [0, 5, 10]
    assert list(model.columns) == ["tick", "utility", "trades", "volume[A<->B]", "richest_A"]
    assert model["volume[A<->B]"].iloc[-1] > 0
    assert model["trades"].is_monotonic_increasing and model["trades"].iloc[-1] > 0
    assert model["utility"].iloc[0] == pytest.approx(sim.initial_utility.sum())
    assert agents.shape == (3 * 16, 5)
    assert (agents.groupby("tick")["agent_id"].apply(list) == [list(range(16))] * 3).all()
    at_zero = agents[agents["tick"] == 0]
    np.testing.assert_allclose(at_zero["u"], sim.initial_utility)
    sim.collector.collect_now()  # the state now (tick 12) against agents_df()
    last = sim.agents_history_df().query("tick == 12")
    now = sim.agents_df()
    np.testing.assert_allclose(last["A"], now["A"])
    np.testing.assert_allclose(last["u"], now["utility"])
    np.testing.assert_array_equal(last["double_x"], 2 * now["x"])


def test_collection_is_deterministic_and_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frames = []
    for _ in range(2):
        sim = _sim()
        sim.collect(model={"gain": "utility_gain", "price": "price_A_B_last_tick"}, agents={"M": "M"}, every=2)
        sim.run(10)
        frames.append((sim.model_df(), sim.agents_history_df()))
    pd.testing.assert_frame_equal(frames[0][0], frames[1][0])
    pd.testing.assert_frame_equal(frames[0][1], frames[1][1])
    assert list(tmp_path.iterdir()) == []


def test_collect_rejects_bad_reporters_clearly():
    sim = _sim()
    with pytest.raises(ValueError, match=r"model reporter 'u': 'utilty' is neither .* names: total_utility, .*"
                                         r"utility_gain"):
        sim.collect(model={"u": "utilty"})
    with pytest.raises(ValueError, match=r"metric 'time_to_convergence' needs a sweep's run context"):
        sim.collect(model={"t": "time_to_convergence"})
    with pytest.raises(ValueError, match=r"every must be a whole number of ticks >= 1, got 0"):
        sim.collect(model={"u": "total_utility"}, every=0)
    with pytest.raises(ValueError, match=r"agent reporter 'bad' returned shape \(3,\)"):
        sim.collect(agents={"bad": lambda s: np.zeros(3)})
    with pytest.raises(ValueError, match=r"nothing collected: call sim.collect"):
        sim.model_df()


def test_a_registered_sweep_metric_is_a_reporter_by_name():
    from vmt.experiments import register_metric
    from vmt.experiments.metrics import metrics_named

    def best_utility(sim):
        """The highest utility of any agent."""
        return float(sim.utilities().max())

    register_metric("best_utility", best_utility)
    sim = _sim()
    sim.collect(model={"best": "best_utility"}, every=4)
    sim.run(8)
    assert sim.model_df()["best"].iloc[-1] == sim.utilities().max()
    assert metrics_named(["best_utility"])[0](sim, None) == {"best_utility": sim.utilities().max()}
    listed = CliRunner().invoke(main, ["list", "metrics"]).output
    assert "best_utility — The highest utility of any agent. (sweeps and sim.collect)" in listed
    assert "time_to_convergence" in listed and "(sweeps only)" in listed


def test_vmt_list_names_every_kind():
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0, result.output
    for expected in ("protocols:", "bargaining.split_difference", "search.distance_discounted",
                     "matching.three_pass", "mechanisms:", "walrasian", "families:", "cobb_douglas",
                     "metrics:", "total_utility", "scenarios:", "edgeworth_box"):
        assert expected in result.output
    families = CliRunner().invoke(main, ["list", "families"])
    assert families.output.splitlines()[0] == "families:" and "protocols:" not in families.output


@pytest.fixture(scope="module")
def run_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "run.db"
    sim = Simulation(contract_economy(regime="barter"), seed=3, telemetry=path).run(8)
    return path, sim.trades_df()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_vmt_export_writes_the_trades_table(run_db, tmp_path, fmt):
    path, trades = run_db
    out = tmp_path / f"trades.{fmt}"
    result = CliRunner().invoke(main, ["export", str(path), "trades", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out) if fmt == "csv" else pd.read_parquet(out)
    assert len(frame) == len(trades) > 0
    np.testing.assert_allclose(frame["price"], trades["price"])


def test_vmt_export_bad_input_exits_2_and_keeps_existing_files(run_db, tmp_path):
    path, _ = run_db
    out = tmp_path / "keep.csv"
    out.write_text("precious\n")
    cases = [
        (["export", str(path), "no_table", "--out", str(out)], "Unknown telemetry table 'no_table'"),
        (["export", str(path), "trades", "--run-id", "7", "--out", str(out)], "has no run with run_id 7"),
        (["export", str(path), "trades", "--format", "parquet", "--out", str(out)], "the file name says .csv"),
        (["export", str(tmp_path / "none.db"), "trades", "--out", str(out)], "no such telemetry file"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
    assert out.read_text() == "precious\n"

"""The viewer's frames: a live run and its replay show the same thing; requests are checked."""

from __future__ import annotations

import numpy as np
import pytest

from viewer_support import tiny_economy
from vmt.simulation import Simulation
from vmt.telemetry import read_table
from vmt.viewer import frames
from vmt.viewer.live import LiveRun, ViewerInputError
from vmt.viewer.protocol import BURST, CLOSE_POLICY, CLOSE_TOO_BIG, MAX_MESSAGE_BYTES, Malformed, MessageGuard, Refused
from vmt.viewer.replay import ReplayRun

TICKS = 12


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    path = tmp_path_factory.mktemp("viewer") / "run.db"
    Simulation(tiny_economy(), seed=3, telemetry=path).run(TICKS)
    return path


@pytest.fixture(scope="module")
def live_frames():
    run = LiveRun(tiny_economy(), seed=3)
    return run, [run.step() for _ in range(TICKS)]


def test_replay_frames_equal_the_live_run_tick_for_tick(recorded, live_frames):
    replay = ReplayRun(recorded)
    _, live = live_frames
    for frame in live:
        again = replay.frame(frame["tick"])
        assert again["agents"] == frame["agents"]
        assert sorted(again["trades"]) == sorted(frame["trades"])  # telemetry sorts trades by ids
        assert again["areas"] == frame["areas"] and again["post_prices"] == frame["post_prices"]


def test_frame_positions_are_the_recorded_snapshot(recorded):
    replay = ReplayRun(recorded)
    snap = read_table(recorded, "agent_snapshots", ticks=7)
    frame = replay.frame(7)
    assert frame["agents"]["x"] == snap["x"].tolist() and frame["agents"]["y"] == snap["y"].tolist()
    assert replay.snapshot_ticks == list(range(TICKS)) and replay.interval == 1


def test_chart_history_prices_are_the_ticks_vwap(recorded):
    trades = read_table(recorded, "trades")
    tick = int(trades["tick"].iloc[0])
    mine = trades[trades["tick"] == tick]
    point = next(p for p in ReplayRun(recorded).hello()["history"] if p["tick"] == tick)
    assert point["price"]["A<->B"] == pytest.approx(mine["quantity_B"].sum() / mine["quantity_A"].sum(), rel=1e-6)
    assert point["volume"]["A<->B"] == pytest.approx(mine["quantity_A"].sum())


def test_agent_panel_holds_the_recorded_holdings(recorded, live_frames):
    snap = read_table(recorded, "agent_snapshots", ticks=TICKS - 1).set_index("agent_id")
    run, _ = live_frames
    for panel in (ReplayRun(recorded).agent(5, TICKS - 1), run.agent(5)):
        assert panel["holdings"] == {g: pytest.approx(snap.loc[5, g], abs=1e-12) for g in "ABM"}
        assert panel["utility"] == pytest.approx(snap.loc[5, "utility"], rel=1e-12)


def test_snapshot_interval_shows_the_last_snapshot_at_or_before(tmp_path):
    path = tmp_path / "sparse.db"
    Simulation(tiny_economy(snapshot_interval=4), seed=1, telemetry=path).run(10)
    replay = ReplayRun(path)
    assert replay.snapshot_ticks == [0, 4, 8] and replay.hello()["snapshot_interval"] == 4
    assert [replay.snapshot_at(t) for t in (0, 3, 4, 7, 9, 99, -5)] == [0, 0, 4, 4, 8, 8, 0]


def test_small_runs_record_positions_every_tick_by_default():
    assert Simulation(tiny_economy(), seed=0).scenario.params.snapshot_interval == 1


def test_restart_with_a_new_parameter_changes_the_run():
    run = LiveRun(tiny_economy(), seed=3)
    before = [run.step()["agents"]["x"] for _ in range(5)]
    run.restart({"vision_radius": 1, "move_budget_per_tick": 2}, seed=3)
    assert run.sim.scenario.params.vision_radius == 1 and run.current["tick"] == -1
    after = [run.step()["agents"]["x"] for _ in range(5)]
    assert after != before
    run.restart({}, seed=3)
    run.restart({"vision_radius": 4, "move_budget_per_tick": 1}, seed=3)
    assert [run.step()["agents"]["x"] for _ in range(5)] == before  # same parameters, same run


@pytest.mark.parametrize("values, seed, words", [
    ({"no_such_param": 1}, None, "unknown parameter"),
    ({"vision_radius": -3}, None, "vision_radius"),
    ({"institution": "anarchy"}, None, "institution"),
    ({}, "seven", "seed"),
])
def test_bad_restart_requests_are_refused_and_the_run_kept(values, seed, words):
    run = LiveRun(tiny_economy(), seed=3)
    run.step()
    with pytest.raises(ViewerInputError, match=words):
        run.restart(values, seed)
    assert run.current["tick"] == 0


def test_decimation_above_the_draw_limit():
    assert [frames.stride_for(n) for n in (1, 10_000, 10_001, 25_000)] == [1, 1, 2, 3]
    cols = frames.agent_columns(np.arange(7), np.arange(7), np.zeros(7), np.zeros(7), np.ones(7), stride=3)
    assert cols["id"] == [0, 3, 6]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_guard_answers_malformed_messages_and_closes_on_abuse():
    guard = MessageGuard(clock=FakeClock())
    assert guard.parse({"text": '{"type": "seek", "tick": 3}'}) == {"type": "seek", "tick": 3}
    for text in ("not json", "[1, 2]", '{"type": "rm -rf"}', None):
        with pytest.raises(Malformed):
            guard.parse({"text": text} if text else {"bytes": b"\x00"})
    with pytest.raises(Refused) as big:
        guard.parse({"text": "x" * (MAX_MESSAGE_BYTES + 1)})
    assert big.value.code == CLOSE_TOO_BIG


def test_guard_limits_the_message_rate():
    clock = FakeClock()
    guard = MessageGuard(clock=clock)
    for _ in range(BURST):
        guard.parse({"text": '{"type": "step"}'})
    with pytest.raises(Refused) as flood:
        guard.parse({"text": '{"type": "step"}'})
    assert flood.value.code == CLOSE_POLICY
    clock.now += 1.0
    guard.parse({"text": '{"type": "step"}'})  # the bucket refills with time


def test_welfare_chart_is_the_runs_welfare_share(recorded, live_frames):
    run, frames_ = live_frames
    assert frames_[-1]["stats"]["welfare"] == pytest.approx(run.sim.welfare().share, rel=1e-12)
    replayed = ReplayRun(recorded).welfare()
    assert replayed.index[-1] == TICKS - 1
    assert replayed.iloc[-1] == pytest.approx(run.sim.welfare().share, rel=1e-9, abs=1e-12)
    assert (replayed <= 1 + 1e-9).all() and replayed.iloc[0] >= -1e-9

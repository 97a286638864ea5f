"""The engine core, spatial hash and movement: small, exact cases."""

import numpy as np
import pytest

from vmt.engine import Engine, Phase, TICK_ORDER
from vmt.world.movement import move_agents
from vmt.world.spatial import build_spatial_hash


def test_engine_runs_phases_in_order_and_calls_hooks():
    seen = []
    phases = [Phase(name, lambda t, n=name: seen.append((t, n))) for name in TICK_ORDER]
    engine = Engine(phases)
    engine.on("before_tick", lambda t: seen.append((t, "before")))
    engine.on("after_tick", lambda t: seen.append((t, "after", engine.tick)))
    engine.step()
    engine.step()
    first_tick = [s for s in seen if s[0] == 0]
    assert first_tick == [(0, "before")] + [(0, n) for n in TICK_ORDER] + [(0, "after", 1)]
    assert engine.tick == 2


def test_engine_rejects_unknown_hook_and_duplicate_phase():
    engine = Engine([Phase("a", lambda t: None)])
    with pytest.raises(ValueError, match="unknown hook event 'later'"):
        engine.on("later", print)
    with pytest.raises(ValueError, match="duplicate"):
        Engine([Phase("a", print), Phase("a", print)])


def test_spatial_hash_groups_agents_by_cell_in_id_order():
    x = np.array([1, 0, 1, 2, 1])
    y = np.array([0, 0, 0, 1, 0])
    sp = build_spatial_hash(x, y, 3, 2)
    cell = 0 * 3 + 1
    assert list(sp.order[sp.cell_start[cell]:sp.cell_start[cell + 1]]) == [0, 2, 4]
    assert list(sp.order[sp.cell_start[0]:sp.cell_start[1]]) == [1]
    assert sp.cell_start[-1] == 5


def test_movement_respects_budget_and_stop_distance():
    x, y = np.array([0, 9]), np.array([0, 0])
    move_agents(x, y, np.array([5, 9]), np.array([3, 0]), np.array([0, 0]), np.array([-1, -1]), 3)
    assert (x[0], y[0]) == (2, 1) or abs(x[0]) + abs(y[0]) == 3
    assert abs(5 - x[0]) + abs(3 - y[0]) == 5
    assert (x[1], y[1]) == (9, 0)


def test_partners_split_the_gap_and_never_cross():
    x, y = np.array([0, 7]), np.array([0, 0])
    tx, ty = x[::-1].copy(), y[::-1].copy()
    move_agents(x, y, tx, ty, np.array([1, 1]), np.array([1, 0]), 10)
    assert x[1] - x[0] == 1  # stopped exactly at the interaction radius
    assert x[0] == 3 and x[1] == 4  # lower id took the larger half of the 6-cell gap

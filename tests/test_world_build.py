"""Building the world: agents numbered in cell order within their group, as a
relabelling of independent draws that leaves every per-agent distribution
as it was."""

from __future__ import annotations

import numpy as np

from vmt.scenario import load_scenario
from vmt.world.build import build_world


def _scenario(count: int = 300, width: int = 30, height: int = 20) -> dict:
    group = lambda region, alpha: {  # noqa: E731
        "count": count, "spawn_region": region,
        "utility": {"family": "cobb_douglas", "params": {"alpha": alpha, "beta": 1 - alpha}},
        "endowment": {"A": [1, 40], "B": [5, 9]},
    }
    return {"name": "build", "grid": {"width": width, "height": height},
            "agents": [group([3, 2, 20, 15], 0.3), group(None, 0.6)],
            "resources": [{"commodity": "A", "count": 40}], "params": {"exchange_regime": "barter"}}


def test_agents_of_each_group_are_numbered_in_cell_order_inside_their_region():
    scenario = load_scenario(_scenario())
    ag = build_world(scenario, np.random.default_rng(3)).agents
    assert list(ag.group) == [0] * 300 + [1] * 300
    for ids in (np.arange(300), np.arange(300, 600)):
        cells = ag.y[ids] * 30 + ag.x[ids]
        assert np.all(np.diff(cells) >= 0)
    first = np.arange(300)
    assert ag.x[first].min() >= 3 and ag.x[first].max() <= 20
    assert ag.y[first].min() >= 2 and ag.y[first].max() <= 15


def test_numbering_relabels_the_draws_and_keeps_endowments_in_draw_order():
    """Positions are the group's draws sorted by cell (ties in draw order);
    endowments are drawn after them, one per id, exactly as before."""
    scenario = load_scenario(_scenario())
    world = build_world(scenario, np.random.default_rng(11))
    ag, (unit_a, unit_b, _) = world.agents, world.units
    rng = np.random.default_rng(11)
    for ids, (x0, y0, x1, y1) in ((np.arange(300), (3, 2, 20, 15)), (np.arange(300, 600), (0, 0, 29, 19))):
        x = rng.integers(x0, x1 + 1, size=300, dtype=np.int64)
        y = rng.integers(y0, y1 + 1, size=300, dtype=np.int64)
        a = rng.integers(round(1 / unit_a), round(40 / unit_a) + 1, size=300, dtype=np.int64)
        b = rng.integers(round(5 / unit_b), round(9 / unit_b) + 1, size=300, dtype=np.int64)
        by_cell = np.argsort(y * 30 + x, kind="stable")
        assert np.array_equal(ag.x[ids], x[by_cell]) and np.array_equal(ag.y[ids], y[by_cell])
        assert np.array_equal(ag.inventory[ids, 0], a) and np.array_equal(ag.inventory[ids, 1], b)


def test_endowments_stay_independent_of_position_and_of_id():
    """Sorting positions must not sort endowments with them: over 20,000
    agents the endowment's correlation with the row (and with the id) is
    that of independent draws, |r| < 5/sqrt(n)."""
    scenario = load_scenario(_scenario(count=20_000, width=200, height=200))
    ag = build_world(scenario, np.random.default_rng(5)).agents
    ids = np.arange(20_000, 40_000)
    bound = 5 / np.sqrt(ids.size)
    for column in (ag.inventory[ids, 0], ag.inventory[ids, 1]):
        assert abs(np.corrcoef(column, ag.y[ids])[0, 1]) < bound
        assert abs(np.corrcoef(column, ag.x[ids])[0, 1]) < bound
        assert abs(np.corrcoef(column, ids)[0, 1]) < bound
    rows = np.bincount(ag.y[ids], minlength=200)  # positions still uniform over rows
    expected = ids.size / 200
    assert np.sum((rows - expected) ** 2 / expected) < 199 + 5 * np.sqrt(2 * 199)

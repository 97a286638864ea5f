"""Resources ranked after matching, for the agents it left unpaired, give
the run of resources ranked for every searching agent before it."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import two_type_economy
from vmt.protocols.matching.three_pass import ThreePassMatching
from vmt.simulation import Simulation


def final_state(sim: Simulation) -> list[np.ndarray]:
    ag = sim.world.agents
    return [ag.x, ag.y, ag.inventory, ag.partner, ag.target_x, ag.target_y, sim.world.resources.amount]


@pytest.mark.parametrize("regime", ["barter", "mixed"])
def test_late_resource_ranking_changes_nothing(regime, monkeypatch):
    late = Simulation(two_type_economy(120, regime, grid=14), seed=9)
    assert late.tick_state._resources_after_matching
    late.run(8)
    monkeypatch.setattr(ThreePassMatching, "reads_resources", True)  # as a matching that reads them
    early = Simulation(two_type_economy(120, regime, grid=14), seed=9)
    assert not early.tick_state._resources_after_matching
    early.run(8)
    assert late.trade_log.count == early.trade_log.count > 0
    assert (late.tick_state.candidates.resource >= 0).any()
    for got, want in zip(final_state(late), final_state(early)):
        assert np.array_equal(got, want)

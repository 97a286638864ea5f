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


def test_market_aware_search_with_bilateral_trade_ranks_resources_late_to_the_same_run(monkeypatch):
    # Market-aware search ranks before matching only the resources a post
    # choice weighs (post-goers who see a post worth going to); the others
    # after matching, for the agents left unpaired.
    from test_market_posts_support import post_economy, posts_of

    scenario = post_economy("walrasian", count=60, grid=16, institution="mixed_bilateral_centralized",
                            centralized_weight=0.5)
    late = Simulation(scenario, seed=3)
    late.run(10)
    assert late.tick_state._resources_after_matching
    assert posts_of(late).bound.any() and (late.tick_state.candidates.resource >= 0).any()
    monkeypatch.setattr(ThreePassMatching, "reads_resources", True)
    early = Simulation(scenario, seed=3)
    early.run(10)
    assert not early.tick_state._resources_after_matching
    assert late.trade_log.count == early.trade_log.count > 0
    for got, want in zip(final_state(late), final_state(early)):
        assert np.array_equal(got, want)
    assert np.array_equal(posts_of(late).bound, posts_of(early).bound)

"""``market_aware`` search: seeing posts, hearing their prices, heading for them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from test_market_posts_support import post_economy, posts_of
from vmt.markets.posts.broadcast import hear_prices
from vmt.protocols.matching.three_pass import ThreePassMatching
from vmt.protocols.search.market_aware import MarketAwareParams, post_bound, score_posts
from vmt.protocols.search.post_view import PostView, build_post_view
from vmt.simulation import Simulation


def _decide(sim: Simulation, tick: int = 0):
    """Run perception and decision (with their component hooks) of one tick."""
    phases = {p.name: p for p in sim.engine.phases}
    phases["perception"].run(tick)
    phases["decision"].run(tick)
    return sim.tick_state.candidates


def test_without_posts_market_aware_ranks_exactly_like_distance_discounted(small_economy, monkeypatch):
    # Both rank resources before matching: distance-discounted search
    # otherwise ranks them after it, for the agents left unpaired only (the
    # same run, tested in test_resources_after_matching.py).
    monkeypatch.setattr(ThreePassMatching, "reads_resources", True)
    ranked = {}
    for search in ("distance_discounted", "market_aware"):
        scenario = dict(small_economy, protocols={"search": search})
        sim = Simulation(scenario, seed=7)
        sim.run(3)
        ranked[search] = _decide(sim, 3)
    for field in ("partner_ids", "partner_scores", "resource", "resource_score"):
        assert np.array_equal(getattr(ranked["distance_discounted"], field), getattr(ranked["market_aware"], field))


def _lone_agent_scenario(x: int, visibility: int = 5, broadcast: int = 5) -> dict:
    scenario = post_economy("walrasian", ("A", "M"), params={"opening_price": 0.3}, count=2, grid=21, resources=False)
    scenario["agents"][0].update(count=1, spawn_region=[x, 10, x, 10])
    scenario["agents"][1].update(count=1, spawn_region=[0, 0, 0, 0])
    scenario["market_posts"][0].update(location=[10, 10], visibility_radius=visibility, broadcast_radius=broadcast)
    return scenario


@pytest.mark.parametrize("x, sees", [(15, True), (16, False), (5, True), (4, False)])
def test_a_post_is_a_target_exactly_within_its_visibility_radius(x, sees):
    sim = Simulation(_lone_agent_scenario(x), seed=0)
    cand = _decide(sim)
    assert (cand.post[0] == 0) == sees
    assert bool(posts_of(sim).bound[0]) == sees
    if sees:
        assert (sim.world.agents.target_x[0], sim.world.agents.target_y[0]) == (10, 10)
        assert sim.tick_state.stop_distance[0] == 2


def test_prices_are_heard_within_the_broadcast_radius_with_their_age():
    near = Simulation(_lone_agent_scenario(14, visibility=8, broadcast=4), seed=0)
    far = Simulation(_lone_agent_scenario(15, visibility=8, broadcast=4), seed=0)
    for sim in (near, far):
        _decide(sim)
    ag_near, ag_far = near.world.agents, far.world.agents
    assert ag_near.observed_price[0, 1] == pytest.approx(0.3) and ag_near.observed_tick[0, 1] == 0
    assert np.isnan(ag_far.observed_price[0, 1]) and ag_far.observed_tick[0, 1] == -1
    assert far.tick_state.candidates.post[0] == -1  # seen, but no price known: nothing to expect


def test_a_stale_price_is_discounted_per_tick_of_age():
    scores = []
    for age in (0, 4):
        sim = Simulation(_lone_agent_scenario(12, visibility=8, broadcast=8), seed=0)
        posts_of(sim).posts.price_tick[0, 1] = -age  # formed `age` ticks before tick 0
        scores.append(_decide(sim).post_score[0])
    decay = MarketAwareParams().staleness_decay
    assert scores[0] > 0 and scores[1] == pytest.approx(scores[0] * decay ** 4)


def test_post_bound_agents_are_struck_from_partner_lists():
    scenario = post_economy("walrasian", count=30, institution="mixed_bilateral_centralized", centralized_weight=0.5)
    sim = Simulation(scenario, seed=1)
    sim.run(2)
    cand = _decide(sim, 2)
    bound = np.flatnonzero(cand.post_bound)
    assert bound.size > 0
    assert not np.isin(cand.partner_ids, bound).any()
    assert (cand.partner_ids[bound] == -1).all()
    assert posts_of(sim).uses_posts[bound].all()


def _heard_by_rule(posts, x, y, observed_price, observed_tick):
    """The hearing rule agent by agent, post by post: freshest, then nearest, then lower post index."""
    for i in range(x.size):
        heard = [np.inf] * 3
        for j in range(posts.x.size):
            d = abs(posts.x[j] - x[i]) + abs(posts.y[j] - y[i])
            for k in range(3):
                if d > posts.broadcast[j] or not posts.pair_active[j, k] or posts.price_ticks[j, k] <= 0:
                    continue
                formed = posts.price_tick[j, k]
                if formed > observed_tick[i, k] or (formed == observed_tick[i, k] and d < heard[k]):
                    observed_price[i, k] = posts.price_ticks[j, k] * posts.tick_size[k]
                    observed_tick[i, k], heard[k] = formed, d


def test_agents_hear_the_freshest_then_nearest_price_of_overlapping_broadcasts():
    rng = np.random.default_rng(11)
    width, height, n, count = 50, 40, 600, 12
    posts = SimpleNamespace(x=rng.integers(0, width, count), y=rng.integers(0, height, count),
                            broadcast=rng.integers(0, 25, count), pair_active=rng.random((count, 3)) < 0.8,
                            price_ticks=rng.integers(-1, 4, (count, 3)), price_tick=rng.integers(0, 3, (count, 3)),
                            tick_size=np.array([0.5, 0.25, 0.125]))
    x, y = rng.integers(0, width, n), rng.integers(0, height, n)
    price, formed = rng.random((n, 3)), rng.integers(-1, 3, (n, 3))
    agents = SimpleNamespace(x=x, y=y, observed_price=price.copy(), observed_tick=formed.copy())
    before = price.copy()
    hear_prices(posts, SimpleNamespace(agents=agents), build_post_view(posts.x, posts.y, posts.broadcast, width, height))
    _heard_by_rule(posts, x, y, price, formed)
    assert np.array_equal(agents.observed_tick, formed) and np.array_equal(agents.observed_price, price)
    assert (agents.observed_price != before).any()


def test_post_bound_is_the_rule_post_beats_partner_and_resource():
    # the compiled pass against the rule written with numpy, ties and NaN included
    rng = np.random.default_rng(5)
    n = 400
    uses = rng.random(n) < 0.7
    partner = np.where(rng.random(n) < 0.3, rng.integers(0, n, n), -1)
    ids = np.where(rng.random((n, 8)) < 0.5, rng.integers(0, n, (n, 8)), -1).astype(np.int32)
    scores = rng.choice([0.0, 0.5, 1.0, 2.0], (n, 8))
    cand = SimpleNamespace(partner_ids=ids, partner_scores=scores, resource_score=rng.choice([0.0, 0.5, 1.0], n))
    post_score = rng.choice([0.0, 0.5, 1.0, 2.0, np.nan], n)
    board = SimpleNamespace(uses_posts=uses)
    rival = np.maximum(np.where(ids[:, 0] >= 0, scores[:, 0], 0.0), cand.resource_score)
    want = uses & (partner < 0) & (post_score > 0.0) & (post_score >= rival)
    assert want.any() and not want.all()
    assert np.array_equal(post_bound(board, cand, partner, post_score), want)


@pytest.mark.parametrize("seed, count, radius_cap, size", [(0, 40, 12, (61, 47)), (1, 5, 300, (90, 90)),
                                                          (2, 1, 0, (9, 30)), (3, 0, 5, (20, 20))])
def test_the_visibility_index_lists_every_post_a_cell_sees_in_post_order(seed, count, radius_cap, size):
    rng = np.random.default_rng(seed)
    width, height = size
    x, y = rng.integers(0, width, count), rng.integers(0, height, count)
    visibility = rng.integers(0, radius_cap + 1, count)
    view = build_post_view(x, y, visibility, width, height)
    for cy in range(height):
        for cx in range(width):
            b = (cy // view.block) * view.blocks_x + cx // view.block
            listed = view.posts[view.start[b]:view.start[b + 1]]
            seen = np.flatnonzero(np.abs(x - cx) + np.abs(y - cy) <= visibility)
            assert np.all(np.diff(listed) > 0)
            assert np.isin(seen, listed).all()


def test_scoring_through_the_visibility_index_equals_scoring_every_post():
    scenario = post_economy("walrasian", count=60, grid=40)
    (post,) = scenario["market_posts"]
    scenario["market_posts"] = [dict(post, id=j, location=[(7 * j) % 40, (13 * j) % 40], visibility_radius=3 + 4 * j)
                                for j in range(9)]
    sim = Simulation(scenario, seed=3)
    sim.run(2)
    board, ctx = posts_of(sim).board, sim.tick_state.ctx
    eligible = np.ones(sim.world.agents.n, dtype=np.bool_)
    indexed = score_posts(board, ctx, eligible, 0.9)
    one_block = PostView(1 << 20, 1, np.array([0, board.x.size]), np.arange(board.x.size))
    full = score_posts(board._replace(view=one_block), ctx, eligible, 0.9)
    assert (indexed[0] >= 0).sum() > 10
    assert np.array_equal(indexed[0], full[0]) and np.array_equal(indexed[1], full[1])

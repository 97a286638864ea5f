"""The Walrasian post: tatonnement on real demand, against the closed-form equilibrium."""

from __future__ import annotations

import numpy as np
import pytest

from test_market_posts_support import pair_market, post_economy, posts_of
from vmt.economics.equilibrium import cobb_douglas_equilibrium_price
from vmt.markets.posts.mechanisms import PostSetup, create_mechanism
from vmt.markets.posts.rationing import clear_at_price, pair_fills, ration
from vmt.simulation import Simulation
from vmt.world.state import PAIR_AB


def _walrasian(sim, **params):
    posts = posts_of(sim).posts
    setup = PostSetup(0, (PAIR_AB,), sim.world.units, posts.tick_size, {PAIR_AB: int(posts.price_ticks[0, PAIR_AB])})
    return create_mechanism("walrasian", params, setup)


@pytest.mark.parametrize("seed", range(20))
def test_first_clearing_price_is_within_one_percent_of_the_closed_form(seed):
    sim = Simulation("walrasian_single_post", seed=seed)
    ag, held = sim.world.agents, sim.world.real_holdings()
    p_star = cobb_douglas_equilibrium_price(ag.utility_params[:, 0], ag.utility_params[:, 1], held[:, 0], held[:, 1])
    sim.step()
    component = posts_of(sim)
    assert component.bound.all(), "every agent is at the post on the first tick"
    clear = component.records.clears_frame().iloc[0]
    assert clear.converged == 1
    assert abs(clear.clearing_price / p_star - 1.0) < 0.01


def test_trades_happen_only_at_the_clearing_price_and_within_each_demand():
    sim = Simulation(post_economy("walrasian", ("A", "B"), resources=False, count=20), seed=1)
    market = pair_market(sim, PAIR_AB)
    record = _walrasian(sim).clear(market, 100)
    trades = market._trades.columns(0)
    assert len(trades["price"]) > 0
    assert np.allclose(trades["price"], record.price * market.tick_size)
    assert record.quantity == min(record.demanded, record.supplied)
    assert record.converged and record.iterations >= 2


def test_each_fill_is_part_of_the_traders_demand_at_the_price():
    sim = Simulation(post_economy("walrasian", ("A", "B"), resources=False, count=20), seed=2)
    inventory = sim.world.agents.inventory
    start = inventory.copy()
    price = _walrasian(sim).clear(pair_market(sim, PAIR_AB), 100).price
    moved = inventory[:, 0] - start[:, 0]
    inventory[:] = start
    wanted = pair_market(sim, PAIR_AB).demand(price)
    assert np.any(moved != 0)
    assert np.all(np.sign(moved) * np.sign(wanted) >= 0)
    assert np.all(np.abs(moved) <= np.abs(wanted))


def test_a_search_cut_short_is_recorded_as_not_converged():
    sim = Simulation(post_economy("walrasian", ("A", "B"), resources=False, count=20), seed=3)
    record = _walrasian(sim, max_iterations=2).clear(pair_market(sim, PAIR_AB), 5)
    assert record.iterations == 2 and not record.converged
    assert record.quantity == min(record.demanded, record.supplied)


def test_seed_002_parameter_names_are_accepted():
    sim = Simulation(post_economy("walrasian", ("A", "B"), resources=False, count=4), seed=0)
    mechanism = _walrasian(sim, adjustment_speed=0.1, price_tolerance=0.01, initial_price=1.2)
    assert mechanism.params.adjustment_speed == 0.1 and mechanism.params.opening_price == 1.2


def test_largest_remainder_rationing_by_hand():
    # 10 units among requests 5, 5, 3, 2 (15 asked): shares 3 1/3, 3 1/3, 2, 1 1/3; the
    # spare unit goes to one of the three tied remainders of 1/3, never to the exact share.
    outcomes = {tuple(ration(np.array([5, 5, 3, 2]), 10, np.random.default_rng(s)).tolist()) for s in range(30)}
    assert outcomes == {(4, 3, 2, 1), (3, 4, 2, 1), (3, 3, 2, 2)}
    # 7 units among 6, 2, 1 (9 asked): shares 4 2/3, 1 5/9, 7/9 -> floors 4, 1, 0; spares to 7/9 then 2/3.
    assert ration(np.array([6, 2, 1]), 7, np.random.default_rng(0)).tolist() == [5, 1, 1]
    assert ration(np.array([2, 1]), 5, np.random.default_rng(0)).tolist() == [2, 1]
    assert ration(np.array([1, 1, 1]), 1, np.random.default_rng(4)).sum() == 1


def test_clearing_at_one_price_serves_the_short_side_in_full():
    demand = np.array([3, -2, 4, -1, 0])
    fills, demanded, supplied, granted = clear_at_price(demand, np.array([10, 11, 12, 13, 14]), np.random.default_rng(1))
    assert (demanded, supplied) == (7, 3)
    assert granted[[1, 3]].tolist() == [-2, -1] and granted[[0, 2]].sum() == 3
    assert sum(f[2] for f in fills) == 3
    assert pair_fills([1, 2], [2, 1], [7], [3]) == [(1, 7, 2), (2, 7, 1)]
    with pytest.raises(ValueError, match="do not balance"):
        pair_fills([1], [2], [7], [3])


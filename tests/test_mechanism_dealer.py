"""The dealer: inventory-skewed quotes, no short sales, no overdraft, goods conserved."""

from __future__ import annotations

import math

import numpy as np
import pytest

from test_market_posts_support import pair_market, post_economy, posts_of
from vmt.markets.posts.mechanisms import PostSetup, create_mechanism
from vmt.markets.posts.mechanisms.dealer_kernels import dealer_mid, dealer_quotes
from vmt.markets.posts.mechanisms.maker import MakerMechanism
from vmt.simulation import Simulation
from vmt.world.valuation import utilities
from vmt.world.state import PAIR_AM


def _dealer(sim, **params):
    setup = PostSetup(0, (PAIR_AM,), sim.world.units, np.array([1.0, 0.01, 0.01]), {PAIR_AM: 50})
    return create_mechanism("dealer", params, setup)


def test_quotes_by_hand_and_their_skew_with_inventory():
    sim = Simulation(post_economy("dealer", ("A", "M"), resources=False, count=4), seed=0)
    dealer = _dealer(sim, inventory=10, cash=100, half_spread=0.1, inventory_skew=0.5)
    assert (dealer.bid_payment(PAIR_AM), dealer.ask_payment(PAIR_AM)) == (45, 55)  # mid 50 at target stock
    dealer.account.holdings[0] = 5  # half its stock sold: mid = 50 exp(0.5 * 0.5)
    mid = 50 * math.exp(0.25)
    assert (dealer.bid_payment(PAIR_AM), dealer.ask_payment(PAIR_AM)) == (math.floor(mid * 0.9), math.ceil(mid * 1.1))
    dealer.end_of_tick(PAIR_AM)  # the reference drifts up while the dealer is short
    assert dealer.reference[PAIR_AM] == pytest.approx(50 * math.exp(0.1 * 0.5))


@pytest.mark.parametrize("seed", range(3))
def test_dealer_never_goes_short_or_negative_and_goods_are_conserved(seed):
    # A small, cash-poor dealer among eager traders: it must run out rather than overdraw.
    params = {"inventory": 3, "cash": 2, "half_spread": 0.02, "reference_price": 0.5}
    sim = Simulation(post_economy("dealer", ("A", "B", "M"), params, count=30), seed=seed, check_invariants=True)
    component = posts_of(sim)
    total = sim.world.agents.inventory.sum(axis=0) + component.held_outside_agents()
    lowest = component.held_outside_agents()
    for _ in range(30):
        sim.step()
        held = component.held_outside_agents()
        assert held.min() >= 0
        assert sim.world.agents.inventory.min() >= 0
        lowest = np.minimum(lowest, held)
    assert lowest[:2].min() == 0, "the constraint binds: the dealer sold out of a good"
    foraged = sim.world.agents.inventory.sum(axis=0) + component.held_outside_agents() - total
    assert foraged[1:].tolist() == [0, 0] and foraged[0] >= 0  # only A is foraged in this economy
    trades = sim.trades_df()
    assert len(trades) > 0 and (trades.market_id == 0).all()
    assert ((trades.buyer_id == -1) | (trades.seller_id == -1)).all()  # the dealer is every trade's counterparty


def test_a_trader_alone_at_the_dealer_stops_where_the_next_unit_would_not_pay():
    sim = Simulation(post_economy("dealer", ("A", "M"), resources=False, count=30), seed=1)
    served = 0
    for agent in range(30):
        dealer = _dealer(sim, inventory=50, cash=500, half_spread=0.05)
        before = utilities(sim.world)[agent]
        market = pair_market(sim, PAIR_AM, ids=[agent])
        if dealer.clear(market, 50).quantity == 0:
            continue
        served += 1
        assert utilities(sim.world)[agent] > before
        assert market.gain(agent, 0, 1, 2, dealer.ask_payment(PAIR_AM)) <= 0
        assert market.gain(agent, 2, dealer.bid_payment(PAIR_AM), 0, 1) <= 0
    assert served > 10


def _session(sim, dealer, tick):
    market = pair_market(sim, PAIR_AM, tick=tick, seed=tick, maker=dealer.account)
    record = dealer.clear(market, 50)
    return record, (market._trades.rows, market._orders.rows)


@pytest.mark.parametrize("units", [None, {"A": 0.01, "B": 0.01, "M": 0.0001}], ids=["coarse", "fine"])
@pytest.mark.parametrize("seed", range(2))
def test_compiled_slicing_trades_exactly_as_the_shared_python_loop(units, seed):
    # Same economy twice: the dealer's compiled session against the market makers' Python loop
    # (participant by participant, lot by lot through PairMarket.fill): same holdings, fills, orders,
    # prices and records, tick after tick.
    params = {"inventory": 30, "cash": 300, "half_spread": 0.03}
    sims = [Simulation(post_economy("dealer", ("A", "M"), resources=False, count=30, units=units), seed=seed)
            for _ in range(2)]
    dealers = [_dealer(sim, **params) for sim in sims]
    dealers[1].clear = lambda market, price: MakerMechanism.clear(dealers[1], market, price)
    fills = 0
    for tick in range(4):
        (compiled, rows), (reference, reference_rows) = (_session(s, d, tick) for s, d in zip(sims, dealers))
        assert rows == reference_rows and vars(compiled) == vars(reference)
        assert np.array_equal(sims[0].world.agents.inventory, sims[1].world.agents.inventory)
        assert np.array_equal(dealers[0].account.holdings, dealers[1].account.holdings)
        assert dealers[0].reference == dealers[1].reference
        fills += len(rows[0])
    assert fills > 30


def test_compiled_quotes_follow_the_formula():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        reference, skew, spread = rng.uniform(1, 1e6), rng.uniform(0, 5), rng.uniform(0, 0.9)
        target, stock = int(rng.integers(0, 10**6)), int(rng.integers(0, 2 * 10**6))
        mid = reference * math.exp(-skew * ((stock - target) / max(target, 1)))
        bid = math.floor(mid * (1.0 - spread) + 1e-9)
        ask = max(math.ceil(mid * (1.0 + spread) - 1e-9), (bid if bid >= 1 else 0) + 1)
        assert dealer_mid(reference, stock, target, skew) == mid
        assert dealer_quotes(mid, spread) == (bid if bid >= 1 else 0, ask)

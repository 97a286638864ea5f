"""The call auction's uniform price and the posted price's revisions, by hand."""

from __future__ import annotations

import numpy as np

from test_market_posts_support import pair_market, post_economy
from vmt.markets.posts.mechanisms import PostSetup, create_mechanism
from vmt.markets.posts.mechanisms.call import uniform_price
from vmt.markets.posts.orders import BUY, SELL, Order
from vmt.simulation import Simulation
from vmt.world.state import PAIR_AM
from vmt.world.valuation import utilities


def test_uniform_price_maximises_volume_then_balance_by_hand():
    orders = [Order(1, BUY, 2, 30), Order(2, BUY, 1, 25), Order(3, BUY, 2, 20),
              Order(4, SELL, 1, 15), Order(5, SELL, 2, 22), Order(6, SELL, 2, 28)]
    # p = 22: D = 3 (30, 25), S = 3 (15, 22) -> volume 3, balanced; p = 25: D 3, S 3 too;
    # p = 20: D 5, S 1; p = 28: D 2, S 5. Tie between 22 and 25: nearest the previous price 24.
    assert uniform_price(orders, previous=24) == (25, 3, 3)
    assert uniform_price(orders, previous=10) == (22, 3, 3)
    assert uniform_price([Order(1, BUY, 1, 10), Order(2, SELL, 1, 11)], 10) == (None, 0, 0)


def _mechanism(sim, name, **params):
    setup = PostSetup(0, (PAIR_AM,), sim.world.units, np.array([1.0, 0.01, 0.01]), {PAIR_AM: 50})
    return create_mechanism(name, params, setup)


def test_call_auction_trades_everyone_at_one_price_only_on_call_ticks():
    sim = Simulation(post_economy("call", ("A", "M"), resources=False, count=30), seed=5)
    call = _mechanism(sim, "call", strategy="zi_c", call_interval=3)
    assert call.clear(pair_market(sim, PAIR_AM, tick=1), 50) is None
    before = utilities(sim.world)
    market = pair_market(sim, PAIR_AM, tick=3)
    record = call.clear(market, 50)
    prices = market._trades.columns(3)["price"]
    assert record.quantity > 0 and np.allclose(prices, record.price * 0.01)
    assert np.all(utilities(sim.world) >= before - 1e-12)
    assert record.best_bid is None or record.best_ask is None or record.best_bid < record.best_ask


def test_posted_price_is_revised_every_k_ticks_toward_excess_demand():
    sim = Simulation(post_economy("posted_price", ("A", "M"), resources=False, count=4), seed=0)
    posted = _mechanism(sim, "posted_price", price_update_frequency=3, adjustment_speed=0.5)
    assert posted._revise(PAIR_AM, 1, 100, demanded=9, supplied=1) == 100  # too early: accumulate
    assert posted._revise(PAIR_AM, 3, 100, demanded=0, supplied=0) == round(100 * np.exp(0.5 * 8 / 10))
    assert posted._revise(PAIR_AM, 6, 100, demanded=1, supplied=5) == round(100 * np.exp(0.5 * -4 / 6))
    assert posted._revise(PAIR_AM, 9, 100, demanded=4, supplied=4) == 100


def test_posted_price_trades_at_the_posted_price():
    sim = Simulation(post_economy("posted_price", ("A", "M"), resources=False, count=30), seed=6)
    market = pair_market(sim, PAIR_AM)
    record = _mechanism(sim, "posted_price").clear(market, 45)
    trades = market._trades.columns(0)
    assert record.price == 45 and len(trades["price"]) > 0 and np.allclose(trades["price"], 0.45)
    assert record.quantity == min(record.demanded, record.supplied)

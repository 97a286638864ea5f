"""The continuous double auction: price-time priority, bad orders, trader strategies."""

from __future__ import annotations

import math

import numpy as np
import pytest

from test_market_posts_support import pair_market, post_economy
from vmt.markets.posts.mechanisms import ClearRecord, PostSetup, create_mechanism
from vmt.markets.posts.mechanisms import cda as cda_module
from vmt.markets.posts.mechanisms.cda import SHORT_REASON
from vmt.markets.posts.orderbook import OrderBook
from vmt.markets.posts.orders import BUY, LIMIT, ORDER_FIELDS, QUANTITY, SELL, SIDE, Order
from vmt.markets.posts.strategies import get_strategy, strategy_names, strategy_orders
from vmt.simulation import Simulation
from vmt.world.state import PAIR_AM
from vmt.world.valuation import utilities


def _recorder():
    fills = []

    def settle(buyer, seller, units, price):
        fills.append((buyer, seller, units, price))

    return fills, settle


def test_price_time_priority_by_hand():
    book, (fills, settle) = OrderBook(), _recorder()
    for agent, limit in ((1, 10), (2, 12), (3, 12), (4, 11)):
        book.submit(Order(agent, BUY, 1, limit), settle)
    book.submit(Order(5, SELL, 3, 11), settle)  # takes 12 (first in), 12, then 11
    assert fills == [(2, 5, 1, 12), (3, 5, 1, 12), (4, 5, 1, 11)]
    assert book.best_bid() == 10 and book.best_ask() is None
    book.submit(Order(6, SELL, 2, 13), settle)  # does not cross: rests
    assert book.spread() == 3
    book.submit(Order(7, BUY, 5, None), settle)  # market order: takes both units at 13, the rest lapses
    assert fills[-1] == (7, 6, 2, 13) and book.best_ask() is None and [o.agent for o in book.bids] == [1]


def test_a_refused_fill_rejects_the_incoming_order_and_leaves_the_book_as_it_was():
    book, (fills, settle) = OrderBook(), _recorder()
    book.submit(Order(1, SELL, 2, 9), settle)
    book.submit(Order(2, SELL, 1, 10), settle)
    before = book.snapshot()
    incoming = Order(3, BUY, 2, 10)
    book.submit(incoming, lambda b, s, q, p: "fill would lower the utility of agent 3")
    assert incoming.status == "rejected" and "lower the utility" in incoming.reason
    assert book.snapshot() == before and fills == []


BAD_ORDERS = [
    (Order(0, SELL, -1, 50), "quantity -1"),
    (Order(0, BUY, 0, 50), "quantity 0"),
    (Order(0, BUY, 1, math.nan), "not a finite number"),
    (Order(0, BUY, 1, math.inf), "not a finite number"),
    (Order(0, BUY, 1, 0), "not positive"),
    (Order(0, BUY, 1, 2.5), "not a whole number"),
    (Order(0, 0, 1, 50), "neither buy"),
    (Order(0, SELL, 10_000, 50), "holds"),
    (Order(0, BUY, 1, 10**9), "cannot pay"),
]


@pytest.mark.parametrize("order, reason", BAD_ORDERS, ids=[r for _, r in BAD_ORDERS])
def test_bad_orders_are_rejected_with_a_reason_and_never_reach_the_book(order, reason):
    sim = Simulation(post_economy("cda", ("A", "M"), resources=False, count=6), seed=0)
    market = pair_market(sim, PAIR_AM)
    book, (fills, settle) = OrderBook(), _recorder()
    book.submit(Order(1, BUY, 1, 40), settle)
    book.submit(Order(2, SELL, 1, 60), settle)
    before, held = book.snapshot(), sim.world.agents.inventory.copy()
    if market.submit(order):
        book.submit(order, settle)
    assert order.status == "rejected" and reason in order.reason
    assert book.snapshot() == before and fills == []
    assert np.array_equal(sim.world.agents.inventory, held)
    market.close()
    (row,) = market._orders.rows
    assert row[-2] == "rejected" and reason in row[-1]


def _cda(sim, strategy, **params):
    posts_price = 50
    setup = PostSetup(0, (PAIR_AM,), sim.world.units, np.array([1.0, 0.01, 0.01]), {PAIR_AM: posts_price})
    return create_mechanism("cda", {"strategy": strategy, **params}, setup)


@pytest.mark.parametrize("strategy", ["truthful", "zi_c", "zi_u"])
def test_every_cda_fill_leaves_both_traders_no_worse_off(strategy):
    sim = Simulation(post_economy("cda", ("A", "M"), resources=False, count=30), seed=4)
    traded = 0
    for tick in range(5):
        before = utilities(sim.world)
        market = pair_market(sim, PAIR_AM, tick=tick, seed=tick)
        record = _cda(sim, strategy).clear(market, 50)
        assert np.all(utilities(sim.world) >= before - 1e-12)
        assert record.quantity == market.volume
        traded += market.volume
    assert traded > 0
    assert sim.world.agents.inventory.min() >= 0


def test_arrival_order_is_seeded_and_reproducible():
    runs = []
    for _ in range(2):
        sim = Simulation(post_economy("cda", ("A", "M"), resources=False, count=30), seed=4)
        market = pair_market(sim, PAIR_AM, seed=11)
        _cda(sim, "zi_c").clear(market, 50)
        runs.append(market._trades.columns(0))
    assert len(runs[0]["price"]) > 0
    for column in runs[0]:
        assert np.array_equal(runs[0][column], runs[1][column])


def test_strategy_limits_respect_or_ignore_the_reservation_price():
    rng = np.random.default_rng(0)
    sides = np.array([BUY, SELL] * 500)
    ask, bid = np.full(1000, 80), np.full(1000, 60)
    zi_c = get_strategy("zi_c")[0](sides, ask, bid, 1, 200, rng)
    assert zi_c[sides == BUY].max() <= 60 and zi_c[sides == SELL].min() >= 80
    zi_u = get_strategy("zi_u")[0](sides, ask, bid, 1, 200, rng)
    assert zi_u[sides == BUY].max() > 60 and zi_u[sides == SELL].min() < 80
    assert (get_strategy("truthful")[0](sides, ask, bid, 1, 200, rng) == np.where(sides == BUY, 60, 80)).all()
    assert strategy_names() == ["truthful", "zi_c", "zi_u"]
    with pytest.raises(ValueError, match="valid strategies: truthful, zi_c, zi_u"):
        get_strategy("sniper")


def _one_order_at_a_time(cda, market, price, orders):
    """The continuous double auction order by order, as its rules are defined: the seeded arrival
    order, then :meth:`PairMarket.submit` and :class:`OrderBook` settling through :meth:`PairMarket.fill`."""
    book, last = OrderBook(), []

    def settle(buyer, seller, units, at):
        reason = market.fill(buyer, seller, units, units * at)
        last.extend([at] if reason is None else [])
        return reason

    for r in market.rng.permutation(len(orders)):
        if market.submit(orders[r]):
            book.submit(orders[r], settle)
    accepted = [o for o in orders if o.status != "rejected"]
    market.close(SHORT_REASON)
    return ClearRecord(last[-1] if last else None, sum(o.quantity for o in accepted if o.side == BUY),
                       sum(o.quantity for o in accepted if o.side != BUY), market.volume, iterations=len(orders),
                       best_bid=book.best_bid(), best_ask=book.best_ask(), announced=last[-1] if last else price)


#: Orders that cannot be honoured (selling what is not held, bidding beyond the cash) among ordinary ones.
HAND_ORDERS = [(20, SELL, 10_000, 40), (1, BUY, 1, 10**7), (22, SELL, 1, 45), (23, SELL, 2, 48), (4, BUY, 3, 60),
               (5, BUY, 1, 44), (26, SELL, 1, 30), (7, BUY, 2, 47), (28, SELL, 5, 1), (9, BUY, 1, 200)]


@pytest.mark.parametrize("strategy", ["zi_c", "zi_u", "hand"])
def test_the_compiled_book_trades_exactly_as_the_python_order_book(strategy, monkeypatch):
    # Same economy twice: the compiled session against the order-by-order definition. zi_u orders
    # often lower a trader's utility (refused fills); the hand-made ones cannot all be honoured.
    sims = [Simulation(post_economy("cda", ("A", "M"), resources=False, count=40), seed=5) for _ in range(2)]
    cdas = [_cda(sim, "zi_u" if strategy == "hand" else strategy) for sim in sims]
    if strategy == "hand":  # the orders, their rows in arrival order, instead of the strategy's
        agents, sides, quantities, limits = (np.array(column, dtype=np.int64) for column in zip(*HAND_ORDERS))
        rows = np.zeros((agents.size, len(ORDER_FIELDS)), dtype=np.int64)
        rows[:, SIDE], rows[:, QUANTITY], rows[:, LIMIT] = sides, quantities, limits
        monkeypatch.setattr(cda_module, "strategy_limits", lambda *args: (sides, limits, False))
        monkeypatch.setattr(cda_module, "arriving_orders", lambda ids, s, l, arrival, *rest: (agents[arrival],
                                                                                             rows[arrival]))
    fills, refused = 0, set()
    for tick in range(3):
        markets = [pair_market(sim, PAIR_AM, tick=tick, seed=tick) for sim in sims]
        if strategy == "hand":
            orders = [Order(*row) for row in HAND_ORDERS]
        else:
            orders = strategy_orders(markets[1], strategy, 50, *cdas[1].params.bounds(50, markets[1].tick_size))
        compiled, reference = cdas[0].clear(markets[0], 50), _one_order_at_a_time(cdas[1], markets[1], 50, orders)
        assert vars(compiled) == vars(reference)
        assert markets[0]._trades.rows == markets[1]._trades.rows
        assert markets[0]._orders.rows == markets[1]._orders.rows
        assert np.array_equal(sims[0].world.agents.inventory, sims[1].world.agents.inventory)
        assert np.array_equal(sims[0].world.agents.quotes_stale, sims[1].world.agents.quotes_stale)
        fills += len(markets[0]._trades.rows)
        refused |= {row[-1].split()[0] for row in markets[0]._orders.rows if row[-1] not in (None, SHORT_REASON)}
    assert fills > 0
    assert refused >= {"zi_c": set(), "zi_u": {"fill"}, "hand": {"sells", "cannot"}}[strategy]

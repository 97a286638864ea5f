"""Trading at one price, for many posts at once: :func:`~.base.trade_at_one_price` compiled.

The one-price mechanisms (``walrasian``, ``posted_price``) end every
clearing the same way: each participant's demand at the price becomes an
order, the long side is rationed by largest remainders
(:mod:`..rationing`), buyers and sellers are paired in id order, and every
fill is settled under :meth:`PairMarket.fill`'s rules (both sides can
deliver, neither loses utility). In Python that is a few hundred
microseconds of objects per clearing, more than the clearing's arithmetic;
:func:`settle_at_prices` does all of one pair's clearings in one parallel
kernel (no participant is in two), which reports each clearing's orders
and fills as the compiled sessions of the other posts do
(:data:`~vmt.markets.posts.orders.ORDER_FIELDS` and
:data:`~vmt.markets.posts.trade_rows.FILL_FIELDS` rows): the rows
:func:`~.base.trade_at_one_price` would write.

The only random draw, the tie-break permutation of the rationed side, comes
from each clearing's own seeded stream, drawn in Python exactly when the
Python rule draws it (:func:`_tie_breaks`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.posts.mechanisms.maker_kernels import (add_fill, admitted_order, close_order, move, trade_gain_of,
                                                       undeliverable)
from vmt.markets.posts.orders import (BUY, FILLED_UNITS, LIMIT, NO_ORDER, ORDER_FIELDS, QUANTITY, REJECTED_CODE,
                                      SIDE, STATUS, UNFILLED_CODE)
from vmt.markets.posts.rationing import pairs_in_turn
from vmt.markets.posts.trade_rows import FILL_FIELDS
from vmt.protocols.gains import pair_goods


@njit(cache=True)
def _sides(demand):
    """(units demanded, units supplied, size of the long side if its rationing needs a tie-break, else 0)."""
    demanded = supplied = buyers = sellers = 0
    for q in demand:
        if q > 0:
            demanded, buyers = demanded + q, buyers + 1
        elif q < 0:
            supplied, sellers = supplied - q, sellers + 1
    traded = min(demanded, supplied)
    for sign, asked, count in ((1, demanded, buyers), (-1, supplied, sellers)):
        if asked > traded:
            granted = 0
            for q in demand:
                if q * sign > 0:
                    granted += (q * sign * traded) // asked
            if traded - granted > 0:
                return demanded, supplied, count
    return demanded, supplied, 0


@njit(cache=True, parallel=True)
def _tie_break_sizes(demand, start, size):
    for s in prange(start.shape[0] - 1):
        size[s] = _sides(demand[start[s]:start[s + 1]])[2]


@njit(cache=True)
def _ration(requests, total, tie_break):
    """:func:`~..rationing.ration` with the tie-break permutation given."""
    asked = requests.sum()
    if asked <= total:
        return requests.copy()
    scaled = requests * total
    granted, remainder = scaled // asked, scaled % asked
    left = total - granted.sum()
    if left > 0:
        order = np.arange(requests.shape[0])
        for a in range(1, order.shape[0]):  # insertion sort by (remainder descending, tie-break)
            r, b = order[a], a
            while b > 0 and (remainder[order[b - 1]] < remainder[r] or
                             (remainder[order[b - 1]] == remainder[r] and tie_break[order[b - 1]] > tie_break[r])):
                order[b] = order[b - 1]
                b -= 1
            order[b] = r
        for a in range(left):
            granted[order[a]] += 1
    return granted


@njit(cache=True)
def _settle(ids, demand, price, k, tie_break, family, params, lam, inventory, units, x, y, stale, orders, fills):
    """One clearing: orders (checked on the holdings before any fill), rationing, fills paired in
    id order, each checked and moved. Writes ``orders`` (one row per participant) and ``fills``;
    returns the number of fills."""
    first, second = pair_goods(k)
    for r in range(ids.shape[0]):
        row = orders[r]
        row[:] = 0
        row[STATUS] = NO_ORDER
        if demand[r] != 0:
            row[SIDE], row[QUANTITY], row[LIMIT], row[STATUS] = (BUY if demand[r] > 0 else -BUY), abs(demand[r]), \
                price, UNFILLED_CODE
            admitted_order(inventory, first, second, ids[r], row)
    buy, sell = np.flatnonzero(demand > 0), np.flatnonzero(demand < 0)
    traded = min(demand[buy].sum(), -demand[sell].sum())
    made = fill_in_turn(buy, _ration(demand[buy], traded, tie_break), sell, _ration(-demand[sell], traded, tie_break),
                        ids, orders, price, k, family, params, lam, inventory, units, x, y, stale, fills)
    for r in range(ids.shape[0]):
        if orders[r, STATUS] == UNFILLED_CODE:
            close_order(orders[r], orders[r, FILLED_UNITS])
    return made


@njit(cache=True)
def fill_in_turn(buy, bought, sell, sold, agent, orders, price, k, family, params, lam, inventory, units, x, y,
                 stale, fills):
    """Pair buyers' units ``bought`` (order rows ``buy``, in turn) with sellers' ``sold`` (rows
    ``sell``) by :func:`~..rationing.pairs_in_turn`, and settle each fill at ``price`` under
    :meth:`PairMarket.fill`'s rules unless either order was rejected; the orders' units filled
    and the ``fills`` rows grow. Returns the fills made."""
    first, second = pair_goods(k)
    made = 0
    pairs = pairs_in_turn(bought, sold)
    for p in range(pairs.shape[0]):
        rb, rs, q1 = buy[pairs[p, 0]], sell[pairs[p, 1]], pairs[p, 2]
        buyer, seller, q2 = agent[rb], agent[rs], q1 * price
        if orders[rb, STATUS] == REJECTED_CODE or orders[rs, STATUS] == REJECTED_CODE or \
                undeliverable(inventory[buyer], inventory[seller], first, second, q1, q2) != 0 or \
                trade_gain_of(family[buyer], params[buyer], lam[buyer], inventory[buyer], units, first, second,
                              BUY, q1, q2) < 0.0 or \
                trade_gain_of(family[seller], params[seller], lam[seller], inventory[seller], units, first,
                              second, -BUY, q1, q2) < 0.0:
            continue
        move(inventory[buyer], inventory[seller], first, second, q1, q2)
        fills, made = add_fill(fills, made, buyer, seller, q1, q2, price, x, y, stale)
        orders[rb, FILLED_UNITS] += q1
        orders[rs, FILLED_UNITS] += q1
    return made


@njit(cache=True, parallel=True)
def _settle_all(ids, start, demand, price, k, tie_start, tie_breaks, family, params, lam, inventory, units,
                x, y, stale, orders, fills, made):
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        made[s] = _settle(ids[a:b], demand[a:b], price[s], k, tie_breaks[tie_start[s]:tie_start[s + 1]], family,
                          params, lam, inventory, units, x, y, stale, orders[a:b], fills[a:b])


def _tie_breaks(sessions, demand: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each clearing's tie-break permutation of its rationed side, drawn from its own stream
    exactly when :func:`~..rationing.ration` draws it (empty otherwise)."""
    size = np.empty(len(sessions), dtype=np.int64)
    _tie_break_sizes(demand, start, size)
    draws = [s.market.rng.permutation(int(n)) if n else np.zeros(0, dtype=np.int64) for s, n in zip(sessions, size)]
    return np.cumsum([0] + [d.size for d in draws]), np.concatenate(draws).astype(np.int64)


def settle_at_prices(sessions, demands: list[np.ndarray], prices: list[int], short_reason: str) -> list[tuple[int, int]]:
    """Trade each session (all of one pair) at its price, its participants asking for ``demands[s]``.

    Returns each session's (units demanded, units supplied); the fills, the
    sessions' totals and the order and trade rows are those of
    :func:`~.base.trade_at_one_price` session by session.
    """
    market = sessions[0].market
    ids = np.concatenate([s.market.ids for s in sessions]).astype(np.int64)
    start = np.cumsum([0] + [d.size for d in demands])
    demand = np.concatenate(demands).astype(np.int64)
    price = np.array(prices, dtype=np.int64)
    tie_start, tie_breaks = _tie_breaks(sessions, demand, start)
    orders = np.empty((ids.size, len(ORDER_FIELDS)), dtype=np.int64)
    fills = np.empty((ids.size, len(FILL_FIELDS)), dtype=np.int64)
    made = np.empty(len(sessions), dtype=np.int64)
    ag = market.world.agents
    _settle_all(ids, start, demand, price, market.k, tie_start, tie_breaks, *market.agent_arrays(), ag.x, ag.y,
                ag.quotes_stale, orders, fills, made)
    totals = []
    for s, session in enumerate(sessions):
        a, b = start[s], start[s + 1]
        session.market.record_fills(fills[a:a + made[s]])
        session.market.record_orders(session.market.ids, orders[a:b], short_reason)
        wanted = demand[a:b]
        totals.append((int(wanted[wanted > 0].sum()), int(-wanted[wanted < 0].sum())))
    return totals

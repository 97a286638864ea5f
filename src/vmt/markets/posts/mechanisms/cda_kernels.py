"""The continuous double auction's tick at one pair, compiled.

:func:`cda_session` runs the orders of one clearing, in their arrival order,
through a price-time priority book exactly as
:class:`~vmt.markets.posts.orderbook.OrderBook` does with
:meth:`~vmt.markets.posts.exchange.PairMarket.submit` and
:meth:`~vmt.markets.posts.exchange.PairMarket.fill`: an order its trader
cannot honour is rejected before it reaches the book; an incoming order
trades against the best resting order of the other side while the limits
cross, at the resting order's price, each fill checked (both can deliver,
neither loses utility); a refused fill stops the incoming order (rejected,
or partial if it already traded) and leaves the book as it was; what is
left of an order rests. Each side of the book is a binary heap of order
positions keyed by (limit, arrival), best first: a fill only ever takes
the best resting order, so nothing else needs to be sorted.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.posts.compiled_stream import permutation_into
from vmt.markets.posts.mechanisms.maker_kernels import (add_fill, admitted_order, close_order, move, trade_gain_of,
                                                       undeliverable)
from vmt.markets.posts.orders import (BUY, FILLED_UNITS, LIMIT, LOWERS_UTILITY, ORDER_FIELDS, PARTIAL_CODE, QUANTITY,
                                      REFUSAL, REFUSAL_A, REFUSAL_B, REJECTED_CODE, SELLER_SHORT, SIDE, STATUS,
                                      UNFILLED_CODE)
from vmt.protocols.gains import pair_goods
from vmt.protocols.search.market_aware import max_units, units_demanded


@njit(cache=True)
def _ahead(limits, sign, a, b):
    """Whether resting order ``a`` has priority over ``b`` (``sign`` -1 for bids: the higher limit first)."""
    la, lb = sign * limits[a], sign * limits[b]
    return la < lb or (la == lb and a < b)


@njit(cache=True)
def _push(heap, size, limits, sign, r):
    """Rest order ``r`` on the side kept in ``heap``; returns the new size."""
    heap[size], child = r, size
    while child > 0 and _ahead(limits, sign, heap[child], heap[(child - 1) // 2]):
        parent = (child - 1) // 2
        heap[child], heap[parent] = heap[parent], heap[child]
        child = parent
    return size + 1


@njit(cache=True)
def _pop(heap, size, limits, sign):
    """Remove the best resting order of the side kept in ``heap``; returns the new size."""
    size -= 1
    heap[0], parent = heap[size], 0
    while True:
        best = parent
        for child in (2 * parent + 1, 2 * parent + 2):
            if child < size and _ahead(limits, sign, heap[child], heap[best]):
                best = child
        if best == parent:
            return size
        heap[parent], heap[best] = heap[best], heap[parent]
        parent = best


@njit(cache=True)
def _refusal(family, params, lam, inventory, units, first, second, buyer, seller, q1, q2, row):
    """Why a fill between ``buyer`` and ``seller`` is refused, written into the incoming order's ``row``
    (:meth:`~vmt.markets.posts.exchange.PairMarket.fill`'s checks, in its order); False if it may be made."""
    code = undeliverable(inventory[buyer], inventory[seller], first, second, q1, q2)
    if code != 0:
        row[REFUSAL] = code
        row[REFUSAL_A], row[REFUSAL_B] = (seller, q1) if code == SELLER_SHORT else (buyer, q2)
        return True
    for agent, side in ((buyer, BUY), (seller, -BUY)):
        if trade_gain_of(family[agent], params[agent], lam[agent], inventory[agent], units, first, second,
                         side, q1, q2) < 0.0:
            row[REFUSAL], row[REFUSAL_A], row[REFUSAL_B] = LOWERS_UTILITY, agent, 0
            return True
    return False


@njit(cache=True)
def arriving_orders(ids, sides, limits, arrival, respects_reservation, family, params, lam, inventory, units, k):
    """(traders, order rows) of the participants ``ids`` that have a side and a positive limit, in
    arrival order: the ``r``-th to arrive is the ``arrival[r]``-th of them in id order
    (:func:`~vmt.markets.posts.strategies.strategy_arrays`, whose quantities these are: the demand
    at the trader's own limit, at least one unit, or one unit if the strategy ignores reservation
    prices)."""
    kept = np.flatnonzero((sides != 0) & (limits > 0))
    agents, orders = np.empty(kept.shape[0], dtype=np.int64), np.zeros((kept.shape[0], len(ORDER_FIELDS)), np.int64)
    for a in range(kept.shape[0]):
        r = kept[arrival[a]]
        i, side, limit = ids[r], sides[r], limits[r]
        quantity = 1
        if respects_reservation:
            quantity = max(1, units_demanded(family[i], params[i], lam[i], inventory[i], units, k, limit, side,
                                             max_units(inventory[i], k, limit, side), False))
        agents[a], orders[a, SIDE], orders[a, QUANTITY], orders[a, LIMIT] = i, side, quantity, limit
    return agents, orders


@njit(cache=True)
def cda_session(agents, family, params, lam, inventory, units, k, x, y, stale, orders, fills):
    """Run the orders ``orders`` (rows of :data:`~vmt.markets.posts.orders.ORDER_FIELDS` with side,
    quantity and limit set, in arrival order; ``agents`` their traders) through the book.

    Moves the holdings, finishes every order's row (units filled, status, refusal) and returns
    ``(fills, count, best_bid, best_ask)``: fill rows (:func:`~.maker_kernels.add_fill`) and the
    book's best limits when the tick ends (-1 where a side is empty).
    """
    first, second = pair_goods(k)
    n = agents.shape[0]
    limits = orders[:, LIMIT].copy()
    books = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64))  # bids, asks
    sizes = np.zeros(2, dtype=np.int64)
    count = 0
    for r in range(n):
        row = orders[r]
        row[STATUS] = UNFILLED_CODE
        if not admitted_order(inventory, first, second, agents[r], row):
            continue
        buying = row[SIDE] == BUY
        other, sign = (1, 1) if buying else (0, -1)
        book = books[other]
        while row[QUANTITY] > row[FILLED_UNITS] and sizes[other] > 0:
            resting = orders[book[0]]
            if (row[LIMIT] < resting[LIMIT]) if buying else (row[LIMIT] > resting[LIMIT]):
                break
            q1, price = min(row[QUANTITY] - row[FILLED_UNITS], resting[QUANTITY] - resting[FILLED_UNITS]), \
                resting[LIMIT]
            buyer, seller = (agents[r], agents[book[0]]) if buying else (agents[book[0]], agents[r])
            if _refusal(family, params, lam, inventory, units, first, second, buyer, seller, q1, q1 * price, row):
                row[STATUS] = PARTIAL_CODE if row[FILLED_UNITS] > 0 else REJECTED_CODE
                break
            move(inventory[buyer], inventory[seller], first, second, q1, q1 * price)
            fills, count = add_fill(fills, count, buyer, seller, q1, q1 * price, price, x, y, stale)
            row[FILLED_UNITS] += q1
            resting[FILLED_UNITS] += q1
            if resting[QUANTITY] == resting[FILLED_UNITS]:
                sizes[other] = _pop(book, sizes[other], limits, sign)
        if row[STATUS] == UNFILLED_CODE and row[QUANTITY] > row[FILLED_UNITS]:
            mine = 0 if buying else 1
            sizes[mine] = _push(books[mine], sizes[mine], limits, -sign, r)
    for r in range(n):
        if orders[r, STATUS] == UNFILLED_CODE:
            close_order(orders[r], orders[r, FILLED_UNITS])
    best_bid = limits[books[0][0]] if sizes[0] > 0 else -1
    best_ask = limits[books[1][0]] if sizes[1] > 0 else -1
    return fills, count, best_bid, best_ask


@njit(cache=True, parallel=True)
def cda_many(ids, start, sides, limits, quantity, streams, k, family, params, lam, inventory, units, x, y, stale,
             agents, orders, placed, fill_start, fills, made, best_bid, best_ask):
    """Every clearing of one pair (participants ``ids[start[s]:start[s + 1]]``, their strategy
    orders ``sides``, ``limits``, ``quantity``), each as :meth:`ContinuousDoubleAuction.clear`
    runs it: the traders that order arrive in the order its stream (``streams[s]``, after the
    strategy's draws) permutes them, then :func:`cda_session`. Clearing ``s``'s ``placed[s]``
    traders and order rows, in arrival order, go from row ``start[s]`` of ``agents`` and
    ``orders``, its ``made[s]`` fills from row ``fill_start[s]`` of ``fills`` (room for two per
    order: every fill uses up the incoming or the resting order)."""
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        kept = np.empty(b - a, dtype=np.int64)
        m = 0
        for r in range(a, b):
            if sides[r] != 0 and limits[r] > 0:
                kept[m] = r
                m += 1
        arrival = np.empty(m, dtype=np.int64)
        permutation_into(streams[s], arrival)
        for q in range(m):
            r, row = kept[arrival[q]], a + q
            agents[row] = ids[r]
            orders[row, :] = 0
            orders[row, SIDE], orders[row, QUANTITY], orders[row, LIMIT] = sides[r], quantity[r], limits[r]
        placed[s] = m
        room = fills[fill_start[s]:fill_start[s + 1]]
        used, made[s], best_bid[s], best_ask[s] = cda_session(agents[a:a + m], family, params, lam, inventory, units,
                                                              k, x, y, stale, orders[a:a + m], room)
        if used.shape[0] != room.shape[0]:
            made[s] = -1  # the fills outgrew their room: cannot happen (see above), reported as a bug

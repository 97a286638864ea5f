"""The call auction's uniform price and its execution, compiled, for many posts at once.

:func:`call_many` clears every post's call of one exchange pair in one
parallel kernel (posts share no participant), each exactly as the Python
rule of :mod:`.call` (:func:`~.call.uniform_price` and
``CallAuction._execute``): the volume-maximising price (then the smallest
imbalance, the nearest to the previous price, the lowest), bids served
highest limit first and asks lowest first (equal limits in arrival order),
the marginal order filled in part, buyers and sellers paired in that order
and each fill settled under :meth:`PairMarket.fill`'s rules.

Orders arrive as :data:`~vmt.markets.posts.orders.ORDER_FIELDS` rows in
arrival order (side, quantity and limit set); each is first checked on the
holdings (a rejected order takes no part) and finished with its units
filled and status; fills are :data:`~vmt.markets.posts.trade_rows.FILL_FIELDS`
rows.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.posts.mechanisms.maker_kernels import admitted_order, close_order
from vmt.markets.posts.mechanisms.one_price import fill_in_turn
from vmt.markets.posts.orders import BUY, FILLED_UNITS, LIMIT, QUANTITY, REJECTED_CODE, SIDE, STATUS, UNFILLED_CODE
from vmt.protocols.gains import pair_goods

NO_PRICE = -1


@njit(cache=True)
def uniform_price_of(orders, previous):
    """(price, demand, supply) of the volume-maximising uniform price over the accepted
    ``orders``; price -1 if no volume."""
    best, best_demand, best_supply = NO_PRICE, 0, 0
    key = (0, 0, 0, 0)
    for r in range(orders.shape[0]):
        if orders[r, STATUS] == REJECTED_CODE:
            continue
        p = orders[r, LIMIT]
        seen = False
        for e in range(r):  # each distinct limit once
            if orders[e, STATUS] != REJECTED_CODE and orders[e, LIMIT] == p:
                seen = True
                break
        if seen:
            continue
        demand = supply = 0
        for e in range(orders.shape[0]):
            if orders[e, STATUS] != REJECTED_CODE:
                if orders[e, SIDE] == BUY and orders[e, LIMIT] >= p:
                    demand += orders[e, QUANTITY]
                elif orders[e, SIDE] != BUY and orders[e, LIMIT] <= p:
                    supply += orders[e, QUANTITY]
        candidate = (-min(demand, supply), abs(demand - supply), abs(p - previous), p)
        if min(demand, supply) > 0 and (best == NO_PRICE or candidate < key):
            best, best_demand, best_supply, key = p, demand, supply, candidate
    return best, best_demand, best_supply


@njit(cache=True)
def _priority(orders, price, wanted):
    """Accepted orders of side ``wanted`` that trade at ``price``, in priority order:
    bids by limit descending, asks ascending, equal limits in arrival order."""
    chosen = np.empty(orders.shape[0], dtype=np.int64)
    count = 0
    for r in range(orders.shape[0]):
        limit = orders[r, LIMIT]
        if orders[r, STATUS] != REJECTED_CODE and orders[r, SIDE] == wanted and \
                (limit >= price if wanted == BUY else limit <= price):
            b = count
            while b > 0 and (orders[chosen[b - 1], LIMIT] < limit if wanted == BUY
                             else orders[chosen[b - 1], LIMIT] > limit):
                chosen[b] = chosen[b - 1]
                b -= 1
            chosen[b] = r
            count += 1
    return chosen[:count]


@njit(cache=True)
def _served(orders, chosen, volume):
    out = np.empty(chosen.shape[0], dtype=np.int64)
    for c in range(chosen.shape[0]):
        out[c] = min(orders[chosen[c], QUANTITY], volume)
        volume -= out[c]
    return out


@njit(cache=True)
def call_session(agents, orders, previous, k, family, params, lam, inventory, units, x, y, stale, fills):
    """One call: check the orders, price them, execute. Returns (price or -1, demand, supply,
    fills made); finishes every order's row."""
    first, second = pair_goods(k)
    for r in range(orders.shape[0]):
        orders[r, STATUS] = UNFILLED_CODE
        admitted_order(inventory, first, second, agents[r], orders[r])
    price, demand, supply = uniform_price_of(orders, previous)
    made = 0
    if price != NO_PRICE:
        volume = min(demand, supply)
        bids, asks = _priority(orders, price, BUY), _priority(orders, price, -BUY)
        made = fill_in_turn(bids, _served(orders, bids, volume), asks, _served(orders, asks, volume), agents, orders,
                            price, k, family, params, lam, inventory, units, x, y, stale, fills)
    for r in range(orders.shape[0]):
        if orders[r, STATUS] == UNFILLED_CODE:
            close_order(orders[r], orders[r, FILLED_UNITS])
    return price, demand, supply, made


@njit(cache=True, parallel=True)
def call_many(start, agents, orders, previous, k, family, params, lam, inventory, units, x, y, stale,
              price, demand, supply, made, fills):
    """:func:`call_session` for the calls ``start[s]:start[s + 1]`` of the order rows, in parallel."""
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        price[s], demand[s], supply[s], made[s] = call_session(
            agents[a:b], orders[a:b], previous[s], k, family, params, lam, inventory, units, x, y, stale, fills[a:b])


@njit(cache=True, inline="always")
def _best_waiting(orders, wanted):
    """The best limit among the accepted orders of side ``wanted`` left with units to trade (-1: none)."""
    best = -1
    for r in range(orders.shape[0]):
        row = orders[r]
        if row[STATUS] != REJECTED_CODE and row[QUANTITY] > row[FILLED_UNITS] and (row[SIDE] == BUY) == (wanted == BUY):
            if best < 0 or (row[LIMIT] > best if wanted == BUY else row[LIMIT] < best):
                best = row[LIMIT]
    return best


@njit(cache=True, parallel=True)
def call_books_many(ids, start, sides, limits, quantity, previous, k, family, params, lam, inventory, units, x, y,
                    stale, agents, orders, count, price, demand, supply, made, best_bid, best_ask, fills):
    """Every call of one pair from its participants' strategy orders (``sides``, ``limits``,
    ``quantity`` per participant of ``ids[start[s]:start[s + 1]]``; a trader orders when its side is
    not 0 and its limit positive), each call as :func:`call_session`: call ``s``'s ``count[s]``
    traders and order rows, in id order, and its fills are written from row ``start[s]`` of
    ``agents``, ``orders`` and ``fills``; ``best_bid``/``best_ask``: the best unserved accepted
    limits (-1: none)."""
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        c = a
        for r in range(a, b):
            if sides[r] != 0 and limits[r] > 0:
                agents[c] = ids[r]
                orders[c, :] = 0
                orders[c, SIDE], orders[c, QUANTITY], orders[c, LIMIT] = sides[r], quantity[r], limits[r]
                c += 1
        count[s] = c - a
        price[s], demand[s], supply[s], made[s] = call_session(
            agents[a:c], orders[a:c], previous[s], k, family, params, lam, inventory, units, x, y, stale, fills[a:c])
        best_bid[s], best_ask[s] = _best_waiting(orders[a:c], BUY), _best_waiting(orders[a:c], -BUY)

"""The call auction's uniform price and its execution, compiled, for many posts at once.

:func:`call_many` clears every post's call of one exchange pair in one
parallel kernel (posts share no participant), each exactly as the Python
rule of :mod:`.call` (:func:`~.call.uniform_price` and
``CallAuction._execute``): the volume-maximising price (then the smallest
imbalance, the nearest to the previous price, the lowest), bids served
highest limit first and asks lowest first (equal limits in arrival order),
the marginal order filled in part, buyers and sellers paired in that order
and each fill settled under :meth:`PairMarket.fill`'s rules.

Orders arrive as arrays in arrival order: trader, side (+1/-1), quantity,
limit (ticks) and whether the order was accepted (rejected orders take no
part).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.posts.mechanisms.one_price import fill_in_turn

NO_PRICE = -1


@njit(cache=True)
def uniform_price_of(side, quantity, limit, accepted, previous):
    """(price, demand, supply) of the volume-maximising uniform price; price -1 if no volume."""
    best, best_demand, best_supply = NO_PRICE, 0, 0
    key = (0, 0, 0, 0)
    for r in range(side.shape[0]):
        if not accepted[r]:
            continue
        p = limit[r]
        seen = False
        for e in range(r):  # each distinct limit once
            if accepted[e] and limit[e] == p:
                seen = True
                break
        if seen:
            continue
        demand = supply = 0
        for e in range(side.shape[0]):
            if accepted[e]:
                if side[e] > 0 and limit[e] >= p:
                    demand += quantity[e]
                elif side[e] < 0 and limit[e] <= p:
                    supply += quantity[e]
        candidate = (-min(demand, supply), abs(demand - supply), abs(p - previous), p)
        if min(demand, supply) > 0 and (best == NO_PRICE or candidate < key):
            best, best_demand, best_supply, key = p, demand, supply, candidate
    return best, best_demand, best_supply


@njit(cache=True)
def _priority(side, limit, accepted, price, wanted):
    """Accepted orders of side ``wanted`` that trade at ``price``, in priority order:
    bids by limit descending, asks ascending, equal limits in arrival order."""
    chosen = np.empty(side.shape[0], dtype=np.int64)
    count = 0
    for r in range(side.shape[0]):
        if accepted[r] and side[r] == wanted and (limit[r] >= price if wanted > 0 else limit[r] <= price):
            b = count
            while b > 0 and (limit[chosen[b - 1]] < limit[r] if wanted > 0 else limit[chosen[b - 1]] > limit[r]):
                chosen[b] = chosen[b - 1]
                b -= 1
            chosen[b] = r
            count += 1
    return chosen[:count]


@njit(cache=True)
def _served(quantity, chosen, volume):
    out = np.empty(chosen.shape[0], dtype=np.int64)
    for c in range(chosen.shape[0]):
        out[c] = min(quantity[chosen[c]], volume)
        volume -= out[c]
    return out


@njit(cache=True)
def call_session(agent, side, quantity, limit, accepted, previous, k, family, params, lam, inventory, units,
                 quotes_stale, filled, fills):
    """One call: returns (price or -1, demand, supply, fills made); ``filled`` per order, ``fills``
    rows (buyer, seller, units) in the order they were made."""
    price, demand, supply = uniform_price_of(side, quantity, limit, accepted, previous)
    filled[:] = 0
    if price == NO_PRICE:
        return price, demand, supply, 0
    volume = min(demand, supply)
    bids, asks = _priority(side, limit, accepted, price, 1), _priority(side, limit, accepted, price, -1)
    bought, sold = _served(quantity, bids, volume), _served(quantity, asks, volume)
    made = fill_in_turn(bids, bought, asks, sold, agent, ~accepted, price, k, family, params, lam, inventory, units,
                        quotes_stale, filled, fills)
    return price, demand, supply, made


@njit(cache=True, parallel=True)
def call_many(start, agent, side, quantity, limit, accepted, previous, k, family, params, lam, inventory, units,
              quotes_stale, price, demand, supply, made, filled, fills):
    """:func:`call_session` for the calls ``start[s]:start[s + 1]`` of the order arrays, in parallel."""
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        price[s], demand[s], supply[s], made[s] = call_session(
            agent[a:b], side[a:b], quantity[a:b], limit[a:b], accepted[a:b], previous[s], k, family, params, lam,
            inventory, units, quotes_stale, filled[a:b], fills[a:b])

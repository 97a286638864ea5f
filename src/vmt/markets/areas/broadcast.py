"""Broadcast: agents near an area hear its prices at the next perception.

An agent within ``broadcast_radius`` (Manhattan) of a live area's centre
hears the area's current price in each exchange pair the area has a price
for, together with the tick that price was formed: one tick of lag, as in
(prices formed in tick t's markets phase are heard in tick t+1's
perception). Within range of several areas, per pair, it listens to the area
it is a member of, else the closest, then the one with more members, then
the lowest id; so a member whose own area prices every pair that is priced
anywhere hears it without searching. Agents out of range keep the last
signal they heard.
Each agent checks the live areas of nearby blocks of an
:class:`~vmt.markets.areas.index.AreaIndex`, one agent per parallel iteration.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.areas.index import index_areas, neighbour_rows
from vmt.markets.areas.state import N_PAIRS, AreaState


def broadcast(areas: AreaState, x: np.ndarray, y: np.ndarray, member: np.ndarray, radius: int,
              observed_price: np.ndarray, observed_tick: np.ndarray) -> np.ndarray:
    """Write heard prices into ``observed_price``/``observed_tick`` (n, 3);
    return the (n, 3) mask of what was heard now."""
    heard = np.zeros((x.shape[0], N_PAIRS), np.bool_)
    live = areas.live()
    priced = np.isfinite(areas.price[live]).any(axis=0)  # pairs some live area has a price for
    if not priced.any():
        return heard
    index = index_areas(areas, radius)
    _listen(x, y, member, radius, index.block, index.blocks_x, index.blocks_y, index.block_start, index.order,
            areas.center_x, areas.center_y, areas.alive, areas.members, areas.price, areas.price_tick, priced,
            heard, observed_price, observed_tick)
    return heard


@njit(cache=True, parallel=True)
def _listen(x, y, member, radius, block, blocks_x, blocks_y, block_start, order, cx, cy, alive, members, price,
            price_tick, priced, heard, observed_price, observed_tick):
    # one pass over the nearby areas keeps the three pairs' sources in
    # scalars (an array per agent would be allocated in the parallel loop)
    for i in prange(x.shape[0]):
        own = member[i]
        if _own_area_answers(own, x[i], y[i], radius, cx, cy, alive, priced, price):
            for k in range(N_PAIRS):
                _hear(i, k, own if priced[k] else -1, price, price_tick, heard, observed_price, observed_tick)
            continue
        r0, r1, c0, c1 = neighbour_rows(x[i], y[i], block, blocks_x, blocks_y)
        s0, s1, s2, d0, d1, d2 = -1, -1, -1, 0, 0, 0
        for r in range(r0, r1 + 1):
            for s in range(block_start[r * blocks_x + c0], block_start[r * blocks_x + c1 + 1]):
                a = order[s]
                dist = abs(cx[a] - x[i]) + abs(cy[a] - y[i])
                if dist > radius:
                    continue
                s0, d0 = _source(a, dist, 0, s0, d0, priced, price, own, members)
                s1, d1 = _source(a, dist, 1, s1, d1, priced, price, own, members)
                s2, d2 = _source(a, dist, 2, s2, d2, priced, price, own, members)
        _hear(i, 0, s0, price, price_tick, heard, observed_price, observed_tick)
        _hear(i, 1, s1, price, price_tick, heard, observed_price, observed_tick)
        _hear(i, 2, s2, price, price_tick, heard, observed_price, observed_tick)


@njit(cache=True, inline="always")
def _own_area_answers(own, x, y, radius, cx, cy, alive, priced, price):
    """True if the agent's own live area is in range and has a price in every pair some area has one for.

    Its own area is preferred to every other, so it is then the source of each
    such pair and the nearby areas need not be searched (about half the agents
    of a formed market).
    """
    if own < 0 or not alive[own] or abs(cx[own] - x) + abs(cy[own] - y) > radius:
        return False
    for k in range(N_PAIRS):
        if priced[k] and not np.isfinite(price[own, k]):
            return False
    return True


# inline: called for every area an agent hears inside a parallel loop; an
# out-of-line call counts references on its arrays, an atomic write the threads share
@njit(cache=True, inline="always")
def _source(a, dist, k, current, current_dist, priced, price, own, members):
    """The source of pair ``k`` after area ``a`` at ``dist`` is considered."""
    if priced[k] and np.isfinite(price[a, k]) and _louder(a, dist, current, current_dist, own, members):
        return a, dist
    return current, current_dist


@njit(cache=True, inline="always")
def _hear(i, k, source, price, price_tick, heard, observed_price, observed_tick):
    """Agent ``i`` hears pair ``k`` from ``source`` (none if negative)."""
    if source >= 0:
        heard[i, k] = True
        observed_price[i, k] = price[source, k]
        observed_tick[i, k] = price_tick[source, k]


@njit(cache=True, inline="always")
def _louder(a, dist, current, current_dist, own, members):
    """True if area ``a`` at ``dist`` is preferred to the current source."""
    if current < 0:
        return True
    if (a == own) != (current == own):
        return a == own
    if dist != current_dist:
        return dist < current_dist
    if members[a] != members[current]:
        return members[a] > members[current]
    return a < current

"""Broadcast: agents near an area hear its prices at the next perception.

An agent within ``broadcast_radius`` (Manhattan) of a live area's centre
hears the area's current price in each exchange pair the area has a price
for, together with the tick that price was formed: one tick of lag, as in
(prices formed in tick t's markets phase are heard in tick t+1's
perception). Within range of several areas, per pair, it listens to the area
it is a member of, else the closest, then the one with more members, then
the lowest id. Agents out of range keep the last signal they heard.
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
            areas.center_x, areas.center_y, areas.members, areas.price, areas.price_tick, priced,
            heard, observed_price, observed_tick)
    return heard


@njit(cache=True, parallel=True)
def _listen(x, y, member, radius, block, blocks_x, blocks_y, block_start, order, cx, cy, members, price,
            price_tick, priced, heard, observed_price, observed_tick):
    for i in prange(x.shape[0]):
        r0, r1, c0, c1 = neighbour_rows(x[i], y[i], block, blocks_x, blocks_y)
        for k in range(price.shape[1]):
            if not priced[k]:
                continue
            source, source_dist = -1, 0
            for r in range(r0, r1 + 1):
                for s in range(block_start[r * blocks_x + c0], block_start[r * blocks_x + c1 + 1]):
                    a = order[s]
                    dist = abs(cx[a] - x[i]) + abs(cy[a] - y[i])
                    if dist <= radius and np.isfinite(price[a, k]) and _louder(
                            a, dist, source, source_dist, member[i], members):
                        source, source_dist = a, dist
            if source >= 0:
                heard[i, k] = True
                observed_price[i, k] = price[source, k]
                observed_tick[i, k] = price_tick[source, k]


# inline: called for every area an agent hears inside a parallel loop; an
# out-of-line call counts references on ``members``, an atomic write the threads share
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

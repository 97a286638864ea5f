"""Broadcast: agents near an area hear its prices at the next perception.

An agent within ``broadcast_radius`` (Manhattan) of a live area's centre
hears the area's current price in each exchange pair the area has a price
for, together with the tick that price was formed: one tick of lag, as in
seed 000 (prices formed in tick t's markets phase are heard in tick t+1's
perception). Within range of several areas, per pair, it listens to the area
it is a member of, else the closest, then the one with more members, then
the lowest id. Agents out of range keep the last signal they heard.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.areas.state import N_PAIRS, AreaState
from vmt.world.spatial import SpatialHash, diamond_row_span


def broadcast(areas: AreaState, spatial: SpatialHash, member: np.ndarray, radius: int,
              observed_price: np.ndarray, observed_tick: np.ndarray) -> np.ndarray:
    """Write heard prices into ``observed_price``/``observed_tick`` (n, 3);
    return the (n, 3) mask of what was heard now."""
    n = spatial.order.shape[0]
    source = np.full((n, N_PAIRS), -1, np.int64)
    distance = np.zeros((n, N_PAIRS), np.int64)
    _listen(areas.live(), areas.center_x, areas.center_y, areas.members, areas.price, radius, member,
            spatial.cell_start, spatial.order, spatial.width, spatial.height, source, distance)
    _hear(source, areas.price, areas.price_tick, observed_price, observed_tick)
    return source >= 0


@njit(cache=True)
def _listen(live, cx, cy, members, price, radius, member, cell_start, order, width, height,
            source, distance):
    for t in range(live.shape[0]):
        a = live[t]
        for dy in range(-radius, radius + 1):
            x0, x1 = diamond_row_span(cx[a], cy[a], dy, radius, width, height)
            row = (cy[a] + dy) * width
            for x in range(x0, x1 + 1):
                c = row + x
                dist = abs(x - cx[a]) + abs(dy)
                for s in range(cell_start[c], cell_start[c + 1]):
                    i = order[s]
                    for k in range(price.shape[1]):
                        if np.isfinite(price[a, k]) and _louder(a, dist, source[i, k], distance[i, k],
                                                                member[i], members):
                            source[i, k], distance[i, k] = a, dist


@njit(cache=True)
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


@njit(cache=True, parallel=True)
def _hear(source, price, price_tick, observed_price, observed_tick):
    for i in prange(source.shape[0]):
        for k in range(source.shape[1]):
            a = source[i, k]
            if a >= 0:
                observed_price[i, k] = price[a, k]
                observed_tick[i, k] = price_tick[a, k]

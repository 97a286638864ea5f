"""Which area each agent belongs to: at most one, by a fixed priority.

An agent within ``radius`` (Manhattan) of several live areas belongs to the
*largest* (most agents within its radius, members or not), then the
*closest* centre, then the *lowest id*; an agent in no area's radius
belongs to none (``NO_AREA``). Areas are visited in id order and an agent
switches only on a strict improvement, so the result is the same in any
order of evaluation.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.areas.state import NO_AREA, AreaState
from vmt.world.spatial import SpatialHash, diamond_row_span


def assign_members(areas: AreaState, spatial: SpatialHash, radius: int) -> np.ndarray:
    """Membership of every agent (area id or ``NO_AREA``); updates
    ``areas.coverage`` and ``areas.members`` of the live areas."""
    live = areas.live()
    member = np.full(spatial.order.shape[0], NO_AREA, np.int64)
    _coverage(live, areas.center_x, areas.center_y, radius, spatial.cell_start,
              spatial.width, spatial.height, areas.coverage)
    _assign(live, areas.center_x, areas.center_y, radius, areas.coverage, spatial.cell_start,
            spatial.order, spatial.width, spatial.height, member)
    areas.members[:] = 0
    inside = member[member >= 0]
    areas.members[: areas.count] = np.bincount(inside, minlength=areas.count)[: areas.count]
    return member


@njit(cache=True, parallel=True)
def _coverage(live, cx, cy, radius, cell_start, width, height, coverage):
    for t in prange(live.shape[0]):
        a = live[t]
        total = 0
        for dy in range(-radius, radius + 1):
            x0, x1 = diamond_row_span(cx[a], cy[a], dy, radius, width, height)
            row = (cy[a] + dy) * width
            for x in range(x0, x1 + 1):
                total += cell_start[row + x + 1] - cell_start[row + x]
        coverage[a] = total


@njit(cache=True)
def _assign(live, cx, cy, radius, coverage, cell_start, order, width, height, member):
    for t in range(live.shape[0]):
        a = live[t]
        for dy in range(-radius, radius + 1):
            x0, x1 = diamond_row_span(cx[a], cy[a], dy, radius, width, height)
            y = cy[a] + dy
            for x in range(x0, x1 + 1):
                c = y * width + x
                dist = abs(x - cx[a]) + abs(dy)
                for s in range(cell_start[c], cell_start[c + 1]):
                    i = order[s]
                    if _outranks(a, dist, member[i], x, y, cx, cy, coverage):
                        member[i] = a


@njit(cache=True)
def _outranks(a, dist, current, x, y, cx, cy, coverage):
    """True if area ``a`` at ``dist`` beats the agent's current area."""
    if current < 0:
        return True
    if coverage[a] != coverage[current]:
        return coverage[a] > coverage[current]
    current_dist = abs(x - cx[current]) + abs(y - cy[current])
    if dist != current_dist:
        return dist < current_dist
    return a < current

"""Which area each agent belongs to: at most one, by a fixed priority.

An area's *coverage* is the number of agents within its radius (Manhattan),
members or not. An agent within the radius of several live areas belongs to
the one with the largest coverage, then the closest centre, then the lowest
id; an agent in no area's radius belongs to none (``NO_AREA``).

Coverage sums a per-cell head count over each area's disc (one area per
parallel iteration); each agent checks the live areas of its own and the
neighbouring blocks of an :class:`~vmt.markets.areas.index.AreaIndex` (one
agent per parallel iteration), so every iteration writes only its own slot.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.areas.index import index_areas, neighbour_rows
from vmt.markets.areas.state import NO_AREA, AreaState
from vmt.world.spatial import diamond_row_span


def count_coverage(areas: AreaState, ids: np.ndarray, cell_count: np.ndarray, radius: int) -> None:
    """Set ``areas.coverage[ids]`` from ``cell_count`` (agents per cell)."""
    _coverage(ids, areas.center_x, areas.center_y, radius, cell_count, areas.width, areas.height, areas.coverage)


def assign_members(areas: AreaState, x: np.ndarray, y: np.ndarray, radius: int) -> np.ndarray:
    """Membership of every agent (area id or ``NO_AREA``) given current coverage;
    also sets ``areas.members`` (members per area)."""
    member = np.empty(x.shape[0], np.int64)
    index = index_areas(areas, radius)
    _assign(x, y, radius, index.block, index.blocks_x, index.blocks_y, index.block_start, index.order,
            areas.center_x, areas.center_y, areas.coverage, member)
    areas.members[:] = 0
    inside = member[member >= 0]
    areas.members[: areas.count] = np.bincount(inside, minlength=areas.count)[: areas.count]
    return member


@njit(cache=True)
def count_agents_per_cell(x, y, width, cell_count, step):
    """Add ``step`` (+1 or -1) to the count of every agent's cell."""
    for i in range(x.shape[0]):
        cell_count[y[i] * width + x[i]] += step


@njit(cache=True, parallel=True)
def _coverage(ids, cx, cy, radius, cell_count, width, height, coverage):
    for t in prange(ids.shape[0]):
        a = ids[t]
        total = 0
        for dy in range(-radius, radius + 1):
            x0, x1 = diamond_row_span(cx[a], cy[a], dy, radius, width, height)
            row = (cy[a] + dy) * width
            for x in range(x0, x1 + 1):
                total += cell_count[row + x]
        coverage[a] = total


@njit(cache=True, parallel=True)
def _assign(x, y, radius, block, blocks_x, blocks_y, block_start, order, cx, cy, coverage, member):
    for i in prange(x.shape[0]):
        best, best_dist = NO_AREA, 0
        r0, r1, c0, c1 = neighbour_rows(x[i], y[i], block, blocks_x, blocks_y)
        for r in range(r0, r1 + 1):
            for s in range(block_start[r * blocks_x + c0], block_start[r * blocks_x + c1 + 1]):
                a = order[s]
                dist = abs(cx[a] - x[i]) + abs(cy[a] - y[i])
                if dist <= radius and _outranks(a, dist, best, best_dist, coverage):
                    best, best_dist = a, dist
        member[i] = best


@njit(cache=True)
def _outranks(a, dist, current, current_dist, coverage):
    """True if area ``a`` at ``dist`` beats the current choice."""
    if current < 0:
        return True
    if coverage[a] != coverage[current]:
        return coverage[a] > coverage[current]
    if dist != current_dist:
        return dist < current_dist
    return a < current

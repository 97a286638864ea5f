"""Density clustering on the grid: where market areas form and when they dissolve.

Each tick, at the agents' current positions:

1. live areas count the agents within their radius (coverage, see
   ``membership``); an area with fewer than ``dissolution_threshold`` of
   them for ``patience`` consecutive ticks dissolves (its agents become
   free) -- the mirror image of the formation rule;
2. for every cell holding a *free* agent (member of no live area), the
   density ``D(c) = #{free agents j : |x_j - x_c| + |y_j - y_c| <= radius}``
   is counted; cells with ``D(c) >= formation_threshold`` are candidates;
3. candidates are taken densest first (ties: lowest cell index ``y*width+x``)
   and each one taken blocks every cell within ``2*radius`` of it, so new
   areas' discs are disjoint and each holds at least the threshold of free
   agents; each taken cell becomes the centre of a new area with a new id;
4. every agent joins at most one live area (``membership``).

Counting only free agents keeps a live cluster from spawning duplicates of
its own area, while a crowd gathering next to it can found its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from vmt.markets.areas.membership import assign_members, count_agents_per_cell, count_coverage
from vmt.markets.areas.state import AreaParams, AreaState
from vmt.world.spatial import diamond_row_span


@dataclass
class Detection:
    """One tick's outcome: membership per agent, ids formed and dissolved
    (with the agents each dissolved area still had within its radius)."""

    member: np.ndarray
    formed: np.ndarray
    dissolved: np.ndarray
    dissolved_coverage: np.ndarray


class AreaDetector:
    """Runs the clustering each tick; owns grid-sized scratch buffers."""

    def __init__(self, params: AreaParams, width: int, height: int):
        self.params, self.width, self.height = params, int(width), int(height)
        self._cell_count = np.zeros(self.width * self.height, np.int64)
        self._free_count = np.zeros(self.width * self.height, np.int32)
        self._blocked = np.zeros(self.width * self.height, np.bool_)

    def step(self, areas: AreaState, x: np.ndarray, y: np.ndarray, tick: int) -> Detection:
        p = self.params
        count_agents_per_cell(x, y, self.width, self._cell_count, 1)
        count_coverage(areas, areas.live(), self._cell_count, p.radius)
        dissolved = dissolve_sparse_areas(areas, p)
        last_coverage = areas.coverage[dissolved].copy()
        formed = self._found(areas, x, y, tick)
        count_coverage(areas, formed, self._cell_count, p.radius)
        count_agents_per_cell(x, y, self.width, self._cell_count, -1)
        return Detection(assign_members(areas, x, y, p.radius), formed, dissolved, last_coverage)

    def _found(self, areas: AreaState, x, y, tick: int) -> np.ndarray:
        """New areas where free agents (within reach of no live area) cluster."""
        p = self.params
        live = areas.live()
        _stamp_discs(live, areas.center_x, areas.center_y, self._blocked, self.width, self.height, p.radius, True)
        # Cells in grid order (a sort of the ids' order of appearance): the density
        # sums of neighbouring iterations then read neighbouring memory. The
        # result does not depend on the order (candidates are sorted below).
        cells = np.sort(_free_cells(x, y, self._blocked, self.width, self._free_count))
        _stamp_discs(live, areas.center_x, areas.center_y, self._blocked, self.width, self.height, p.radius, False)
        density = np.zeros(cells.shape[0], np.int64)
        _free_density(cells, self._free_count, self.width, self.height, p.radius, density)
        dense = density >= p.formation_threshold
        candidates = cells[dense][np.lexsort((cells[dense], -density[dense]))]
        chosen = _non_overlapping(candidates, self._blocked, self.width, self.height, 2 * p.radius)
        self._free_count[cells] = 0
        _stamp_discs(chosen, chosen % self.width, chosen // self.width, self._blocked, self.width, self.height,
                     2 * p.radius, False, by_cell=True)
        return areas.add(chosen % self.width, chosen // self.width, tick)


def dissolve_sparse_areas(areas: AreaState, params: AreaParams) -> np.ndarray:
    """Advance each live area's count of ticks with fewer than the dissolution
    threshold of agents within its radius (reset by a tick at or above it);
    dissolve those reaching ``patience``."""
    live = areas.live()
    low = areas.coverage[live] < params.dissolution_threshold
    areas.below[live] = np.where(low, areas.below[live] + 1, 0)
    dissolved = live[areas.below[live] >= params.patience]
    areas.dissolve(dissolved)
    return dissolved


@njit(cache=True)
def _free_cells(x, y, covered, width, free_count):
    """Count agents on cells no live area covers into ``free_count``; return
    those cells in order of first appearance (agent id order)."""
    cells = np.empty(x.shape[0], np.int64)
    m = 0
    for i in range(x.shape[0]):
        c = y[i] * width + x[i]
        if covered[c]:
            continue
        if free_count[c] == 0:
            cells[m] = c
            m += 1
        free_count[c] += 1
    return cells[:m]


@njit(cache=True, parallel=True)
def _free_density(cells, free_count, width, height, radius, density):
    for t in prange(cells.shape[0]):
        cx, cy = cells[t] % width, cells[t] // width
        total = 0
        for dy in range(-radius, radius + 1):
            x0, x1 = diamond_row_span(cx, cy, dy, radius, width, height)
            row = (cy + dy) * width
            for x in range(x0, x1 + 1):
                total += free_count[row + x]
        density[t] = total


@njit(cache=True)
def _non_overlapping(candidates, blocked, width, height, reach):
    """Greedy: take each candidate not blocked by one taken before it."""
    chosen = np.empty(candidates.shape[0], np.int64)
    m = 0
    for t in range(candidates.shape[0]):
        c = candidates[t]
        if blocked[c]:
            continue
        chosen[m] = c
        m += 1
        _stamp_one(c, blocked, width, height, reach, True)
    return chosen[:m]


@njit(cache=True)
def _stamp_discs(ids, cx, cy, mask, width, height, reach, value, by_cell=False):
    """Set ``mask`` to ``value`` on every cell within ``reach`` of each centre
    (``cx[ids[t]], cy[ids[t]]``, or ``cx[t], cy[t]`` when ``by_cell``)."""
    for t in range(ids.shape[0]):
        a = t if by_cell else ids[t]
        _stamp_one(cy[a] * width + cx[a], mask, width, height, reach, value)


@njit(cache=True)
def _stamp_one(c, blocked, width, height, reach, value):
    cx, cy = c % width, c // width
    for dy in range(-reach, reach + 1):
        x0, x1 = diamond_row_span(cx, cy, dy, reach, width, height)
        row = (cy + dy) * width
        for x in range(x0, x1 + 1):
            blocked[row + x] = value

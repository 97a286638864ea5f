"""Density clustering on the grid: where market areas form and when they dissolve.

Each tick, at the agents' current positions:

1. live areas count their members (``membership``); an area with fewer than
   ``dissolution_threshold`` members for ``patience`` consecutive ticks
   dissolves (its agents become free);
2. for every cell holding a *free* agent (member of no live area), the
   density ``D(c) = #{free agents j : |x_j - x_c| + |y_j - y_c| <= radius}``
   is counted; cells with ``D(c) >= formation_threshold`` are candidates;
3. candidates are taken densest first (ties: lowest cell index ``y*width+x``)
   and each one taken blocks every cell within ``2*radius`` of it, so new
   areas' discs are disjoint and each holds at least the threshold of free
   agents; each taken cell becomes the centre of a new area with a new id;
4. membership is recomputed if areas formed or dissolved.

Counting only free agents keeps a live cluster from spawning duplicates of
its own area, while a crowd gathering next to it can found its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from vmt.markets.areas.membership import assign_members
from vmt.markets.areas.state import AreaParams, AreaState
from vmt.world.spatial import build_spatial_hash, diamond_row_span


@dataclass
class Detection:
    """One tick's outcome: membership per agent, ids formed and dissolved
    (with the members each dissolved area had when it dissolved)."""

    member: np.ndarray
    formed: np.ndarray
    dissolved: np.ndarray
    dissolved_members: np.ndarray


class AreaDetector:
    """Runs the clustering each tick; owns grid-sized scratch buffers."""

    def __init__(self, params: AreaParams, width: int, height: int):
        self.params, self.width, self.height = params, int(width), int(height)
        self._free_count = np.zeros(self.width * self.height, np.int64)
        self._blocked = np.zeros(self.width * self.height, np.bool_)

    def step(self, areas: AreaState, x: np.ndarray, y: np.ndarray, tick: int) -> Detection:
        spatial = build_spatial_hash(x, y, self.width, self.height)
        member = assign_members(areas, spatial, self.params.radius)
        dissolved = dissolve_sparse_areas(areas, self.params)
        last_members = areas.members[dissolved].copy()
        if dissolved.size:
            member[np.isin(member, dissolved)] = -1
        formed = self._found(areas, x, y, member, tick)
        if formed.size or dissolved.size:
            member = assign_members(areas, spatial, self.params.radius)
        return Detection(member, formed, dissolved, last_members)

    def _found(self, areas: AreaState, x, y, member, tick: int) -> np.ndarray:
        p = self.params
        cells = _free_cells(x, y, member, self.width, self._free_count)
        density = np.zeros(cells.shape[0], np.int64)
        _free_density(cells, self._free_count, self.width, self.height, p.radius, density)
        dense = density >= p.formation_threshold
        candidates = cells[dense][np.lexsort((cells[dense], -density[dense]))]
        chosen = _non_overlapping(candidates, self._blocked, self.width, self.height, 2 * p.radius)
        self._free_count[cells] = 0
        _stamp(chosen, self._blocked, self.width, self.height, 2 * p.radius, False)
        return areas.add(chosen % self.width, chosen // self.width, tick)


def dissolve_sparse_areas(areas: AreaState, params: AreaParams) -> np.ndarray:
    """Advance each live area's count of ticks below the dissolution threshold
    (reset by a tick at or above it); dissolve those reaching ``patience``."""
    live = areas.live()
    low = areas.members[live] < params.dissolution_threshold
    areas.below[live] = np.where(low, areas.below[live] + 1, 0)
    dissolved = live[areas.below[live] >= params.patience]
    areas.alive[dissolved] = False
    return dissolved


@njit(cache=True)
def _free_cells(x, y, member, width, free_count):
    """Count free agents per cell into ``free_count``; return the occupied cells
    in order of first appearance (agent id order)."""
    cells = np.empty(x.shape[0], np.int64)
    m = 0
    for i in range(x.shape[0]):
        if member[i] >= 0:
            continue
        c = y[i] * width + x[i]
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
def _stamp(cells, blocked, width, height, reach, value):
    for t in range(cells.shape[0]):
        _stamp_one(cells[t], blocked, width, height, reach, value)


@njit(cache=True)
def _stamp_one(c, blocked, width, height, reach, value):
    cx, cy = c % width, c // width
    for dy in range(-reach, reach + 1):
        x0, x1 = diamond_row_span(cx, cy, dy, reach, width, height)
        row = (cy + dy) * width
        for x in range(x0, x1 + 1):
            blocked[row + x] = value

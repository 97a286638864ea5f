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

from vmt.markets.areas.index import index_rows
from vmt.markets.areas.membership import count_coverage, count_members, join_new_areas, members_and_unclaimed
from vmt.markets.areas.state import AreaParams, AreaState
from vmt.world.spatial import SpatialHash, build_spatial_hash, diamond_row_span


@dataclass
class Detection:
    """One tick's outcome: membership per agent, ids formed and dissolved
    (with the agents each dissolved area still had within its radius)."""

    member: np.ndarray
    formed: np.ndarray
    dissolved: np.ndarray
    dissolved_coverage: np.ndarray


class AreaDetector:
    """Runs the clustering each tick; owns grid-sized scratch buffers.

    Agents are bucketed by cell with the engine's parallel counting sort
    (:func:`~vmt.world.spatial.build_spatial_hash`): its running total
    ``cell_start`` gives the agents on a row span with one subtraction, and
    its ``order`` the agents of each grid row. One parallel sweep of the
    grid's rows then finds every agent's area among those already live and
    the cells no live area reaches (``membership``); densities are summed
    over a byte grid of those cells (see :func:`_free_density`), and the
    agents near the few areas formed are moved to them. No serial pass
    touches every agent or cell.
    """

    def __init__(self, params: AreaParams, width: int, height: int):
        self.params, self.width, self.height = params, int(width), int(height)
        self._free = np.zeros(self.width * self.height, np.uint8)  # all zero between uses
        self._blocked = np.zeros(self.width * self.height, np.bool_)  # all false between uses
        self._hash: SpatialHash | None = None

    def step(self, areas: AreaState, x: np.ndarray, y: np.ndarray, tick: int) -> Detection:
        p = self.params
        self._hash = spatial = build_spatial_hash(x, y, self.width, self.height, reuse=self._hash)
        count_coverage(areas, index_rows(areas).ids, spatial.cell_start, p.radius)  # by row: neighbouring memory
        dissolved = dissolve_sparse_areas(areas, p)
        last_coverage = areas.coverage[dissolved].copy()
        member, unclaimed = members_and_unclaimed(areas, x, p.radius, spatial)
        formed = self._found(areas, unclaimed, tick)
        count_coverage(areas, formed, spatial.cell_start, p.radius)
        join_new_areas(areas, formed, p.radius, spatial, member)
        count_members(areas, member)
        return Detection(member, formed, dissolved, last_coverage)

    def _found(self, areas: AreaState, cells: np.ndarray, tick: int) -> np.ndarray:
        """New areas where free agents cluster; ``cells``: the cells with agents
        within reach of no live area, ascending."""
        p = self.params
        density = _free_density(cells, self._hash.cell_start, self.width, self.height, p.radius,
                                p.formation_threshold, self._free)
        dense = density >= p.formation_threshold
        candidates = cells[dense][np.lexsort((cells[dense], -density[dense]))]
        chosen = _non_overlapping(candidates, self._blocked, self.width, self.height, 2 * p.radius)
        _stamp_discs(chosen, self._blocked, self.width, self.height, 2 * p.radius, False)
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


@njit(cache=True, parallel=True)
def _free_density(cells, cell_start, width, height, radius, threshold, grid):
    """Agents of the listed cells within ``radius`` of each of them.

    The agents are put on ``grid`` (bytes, all zero, and left so) capped at
    ``cap = min(threshold, 255)`` (at least 1, so a listed cell is marked),
    small enough to stay in cache; a capped sum below ``cap`` had nothing
    capped and is exact, and only the rare cells reaching it (``threshold``
    needs at least that) are recounted from ``cell_start``."""
    cap = max(1, min(threshold, 255))
    for t in prange(cells.shape[0]):
        grid[cells[t]] = min(cell_start[cells[t] + 1] - cell_start[cells[t]], cap)
    density = np.empty(cells.shape[0], np.int64)
    for t in prange(cells.shape[0]):
        cx, cy = cells[t] % width, cells[t] // width
        total = 0
        for dy in range(-radius, radius + 1):
            x0, x1 = diamond_row_span(cx, cy, dy, radius, width, height)
            for c in range((cy + dy) * width + x0, (cy + dy) * width + x1 + 1):
                total += grid[c]
        if total >= cap:
            total = 0
            for dy in range(-radius, radius + 1):
                x0, x1 = diamond_row_span(cx, cy, dy, radius, width, height)
                for c in range((cy + dy) * width + x0, (cy + dy) * width + x1 + 1):
                    if grid[c] > 0:
                        total += cell_start[c + 1] - cell_start[c]
        density[t] = total
    for t in prange(cells.shape[0]):
        grid[cells[t]] = 0
    return density


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
def _stamp_discs(cells, mask, width, height, reach, value):
    """Set ``mask`` to ``value`` on every cell within ``reach`` of each of ``cells``."""
    for t in range(cells.shape[0]):
        _stamp_one(cells[t], mask, width, height, reach, value)


@njit(cache=True)
def _stamp_one(c, blocked, width, height, reach, value):
    cx, cy = c % width, c // width
    for dy in range(-reach, reach + 1):
        x0, x1 = diamond_row_span(cx, cy, dy, reach, width, height)
        row = (cy + dy) * width
        for x in range(x0, x1 + 1):
            blocked[row + x] = value

"""Live areas bucketed by grid block, so an agent finds the areas near it fast.

The grid is cut into square blocks of side ``block >= reach``; an area lies
in the block of its centre. Every area whose centre is within ``reach``
(Manhattan) of an agent lies in the agent's block or one of its eight
neighbours, so an agent checks a handful of areas instead of every cell of
its disc. The buckets are a counting sort of the live areas (ascending id
within a block), rebuilt whenever the set of live areas changes; it costs
O(areas + blocks).

Blocks are also at least as large as gives about :data:`BLOCKS_PER_AREA`
blocks per live area: areas are usually sparse on a large grid, and an
index of reach-sized blocks would be as large as the grid itself (a random
memory access per agent and block row, and megabytes to clear per tick),
while a small one stays in cache. Every caller checks the exact distance
and breaks ties by a total order, so the block size changes no result.

Sweeps of the grid row by row (membership) group the areas by the row of
their centre instead (:class:`AreaRows`): the areas reaching a row are then
the runs of the ``2 * reach + 1`` rows around it, every one of them within
reach in rows.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from vmt.markets.areas.state import AreaState


class AreaIndex(NamedTuple):
    block: int
    blocks_x: int
    blocks_y: int
    block_start: np.ndarray  # int64 (blocks + 1,)
    order: np.ndarray  # int64 live area ids grouped by block


#: Blocks per live area the index aims at (fewer when the reach asks for larger blocks).
BLOCKS_PER_AREA = 4


def index_areas(areas: AreaState, reach: int) -> AreaIndex:
    """Bucket the live areas by block of side ``max(reach, 1)`` or larger (see the module docstring)."""
    live = areas.live()
    sparse = int(math.sqrt(areas.width * areas.height / (BLOCKS_PER_AREA * max(live.shape[0], 1))))
    block = max(int(reach), 1, sparse)
    bx, by = -(-areas.width // block), -(-areas.height // block)
    block_start = np.zeros(bx * by + 1, np.int64)
    order = np.empty(live.shape[0], np.int64)
    _bucket(live, areas.center_x, areas.center_y, block, bx, block_start, order)
    return AreaIndex(block, bx, by, block_start, order)


@njit(cache=True)
def _bucket(live, cx, cy, block, blocks_x, block_start, order):
    for t in range(live.shape[0]):
        a = live[t]
        block_start[(cy[a] // block) * blocks_x + cx[a] // block + 1] += 1
    for b in range(1, block_start.shape[0]):
        block_start[b] += block_start[b - 1]
    fill = block_start[:-1].copy()
    for t in range(live.shape[0]):
        a = live[t]
        b = (cy[a] // block) * blocks_x + cx[a] // block
        order[fill[b]] = a
        fill[b] += 1


@njit(cache=True)
def neighbour_rows(x, y, block, blocks_x, blocks_y):
    """Block rows [r0, r1] and columns [c0, c1] around the cell (x, y): the
    areas of block row ``r`` there are ``order[start[r*bx+c0] : start[r*bx+c1+1]]``."""
    r, c = y // block, x // block
    return max(r - 1, 0), min(r + 1, blocks_y - 1), max(c - 1, 0), min(c + 1, blocks_x - 1)


class AreaRows(NamedTuple):
    """Live areas grouped by the row of their centre (ascending id within a
    row): ``ids[row_start[r] : row_start[r + 1]]`` are centred on row ``r``,
    ``x`` their centres' columns alongside, so a sweep of the grid row by
    row reads the areas reaching a row in one contiguous run."""

    row_start: np.ndarray  # int64 (height + 1,)
    ids: np.ndarray  # int64
    x: np.ndarray  # int64


def index_rows(areas: AreaState) -> AreaRows:
    """Group the live areas by their centre's row (a counting sort, O(areas + rows))."""
    live = areas.live()
    row_start = np.zeros(areas.height + 1, np.int64)
    ids, x = np.empty(live.shape[0], np.int64), np.empty(live.shape[0], np.int64)
    _bucket_rows(live, areas.center_x, areas.center_y, row_start, ids, x)
    return AreaRows(row_start, ids, x)


@njit(cache=True)
def _bucket_rows(live, cx, cy, row_start, ids, x):
    for t in range(live.shape[0]):
        row_start[cy[live[t]] + 1] += 1
    for r in range(1, row_start.shape[0]):
        row_start[r] += row_start[r - 1]
    fill = row_start[:-1].copy()
    for t in range(live.shape[0]):
        a = live[t]
        ids[fill[cy[a]]], x[fill[cy[a]]] = a, cx[a]
        fill[cy[a]] += 1

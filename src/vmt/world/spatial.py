"""Spatial hash: agents bucketed by grid cell with a counting sort.

``cell_start[c] : cell_start[c + 1]`` indexes ``order`` for the agents on cell
``c = y * width + x``, in increasing agent id (the sort is stable), so every
neighbourhood scan visits agents in a deterministic order.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba import njit, prange


class SpatialHash(NamedTuple):
    width: int
    height: int
    cell_start: np.ndarray  # int32 (width * height + 1,); int64 from 2**31 agents
    order: np.ndarray  # int32 (n,) agent ids grouped by cell; int64 from 2**31 agents
    agent_cell: np.ndarray | None = None  # (n,) each agent's cell, the sort's work array


def build_spatial_hash(x: np.ndarray, y: np.ndarray, width: int, height: int,
                       reuse: SpatialHash | None = None) -> SpatialHash:
    """Bucket agents by cell; O(n + cells).

    ``reuse``: last tick's hash of the same grid and population, whose arrays
    are overwritten instead of allocating (and page-faulting) new ones.
    """
    n_cells = width * height
    if (reuse is not None and reuse.cell_start.shape[0] == n_cells + 1 and reuse.order.shape[0] == x.shape[0]
            and reuse.agent_cell is not None):
        cell_start, order, agent_cell = reuse.cell_start, reuse.order, reuse.agent_cell
    else:
        index = np.int32 if x.shape[0] < 2**31 else np.int64  # half the memory of a 10-cells-per-agent grid
        cell_start = np.empty(n_cells + 1, dtype=index)
        order = np.empty(x.shape[0], dtype=index)
        agent_cell = np.empty(x.shape[0], dtype=np.int32 if n_cells < 2**31 else np.int64)
    _cells_of(x, y, width, agent_cell)
    _counting_sort(agent_cell, _cell_bounds(n_cells, numba.get_num_threads()), cell_start, order)
    return SpatialHash(width, height, cell_start, order, agent_cell)


def _cell_bounds(n_cells: int, parts: int) -> np.ndarray:
    """``parts`` + 1 boundaries splitting the cells into equal ranges, one per thread."""
    return np.linspace(0, n_cells, parts + 1).astype(np.int64)


@njit(cache=True, parallel=True)
def _cells_of(x, y, width, agent_cell):
    for i in prange(x.shape[0]):
        agent_cell[i] = y[i] * width + x[i]


@njit(cache=True, parallel=True)
def _counting_sort(agent_cell, bounds, cell_start, order):
    """Stable counting sort by cell, in place.

    The cells are split into ranges (``bounds``), one per thread; each range
    counts its own agents, turns the counts into running totals (each cell's
    end), and, once every range knows where its first cell starts, places its
    agents from the highest id down, moving each cell's pointer back to its
    start. Every thread reads all agents' cells but writes only its own
    range, so the result is the serial sort's whatever the threads.
    """
    n, parts = agent_cell.shape[0], bounds.shape[0] - 1
    totals = np.zeros(parts, dtype=np.int64)
    for t in prange(parts):
        totals[t] = _count_range(agent_cell, bounds[t], bounds[t + 1], cell_start)
    starts = np.zeros(parts, dtype=np.int64)
    for t in range(1, parts):
        starts[t] = starts[t - 1] + totals[t - 1]
    for t in prange(parts):
        _place_range(agent_cell, bounds[t], bounds[t + 1], starts[t], cell_start, order)
    cell_start[cell_start.shape[0] - 1] = n


@njit(cache=True)
def _count_range(agent_cell, lo, hi, cell_start):
    """Running totals of the agents on cells ``lo .. hi - 1`` (each cell's
    end, counted from the range's first agent); returns the range's total."""
    cell_start[lo:hi] = 0
    for i in range(agent_cell.shape[0]):
        c = agent_cell[i]
        if lo <= c < hi:
            cell_start[c] += 1
    total = 0
    for c in range(lo, hi):
        total += cell_start[c]
        cell_start[c] = total
    return total


@njit(cache=True)
def _place_range(agent_cell, lo, hi, start, cell_start, order):
    """Shift the range's ends by ``start`` and place its agents, highest id first."""
    for c in range(lo, hi):
        cell_start[c] += start
    for i in range(agent_cell.shape[0] - 1, -1, -1):
        c = agent_cell[i]
        if lo <= c < hi:
            cell_start[c] -= 1
            order[cell_start[c]] = i


#: Cells per block of the resource row index.
RESOURCE_BLOCK = 32


def resource_row_index(x: np.ndarray, y: np.ndarray, width: int, height: int) -> np.ndarray:
    """``first[row, b]``: the lowest id of the resources on ``row`` at
    ``x >= b * RESOURCE_BLOCK`` (``first[row, -1]``: the end of the row).

    Resource ids must follow cell order (row by row, left to right); a scan
    of the cells ``x0 .. x1`` of a row then visits only the resources from
    ``first[row, x0 // RESOURCE_BLOCK]`` on, in the same left-to-right order
    as a cell-by-cell scan, and skips the empty cells between them.
    """
    cells = y.astype(np.int64) * width + x
    if np.any(np.diff(cells) <= 0):
        raise ValueError("resource ids must follow cell order, one resource per cell")
    n_blocks = -(-width // RESOURCE_BLOCK)
    bounds = np.minimum(np.arange(n_blocks + 1) * RESOURCE_BLOCK, width)
    targets = np.arange(height, dtype=np.int64)[:, None] * width + bounds[None, :]
    return np.searchsorted(cells, targets).astype(np.int32)


@njit(cache=True)
def diamond_row_span(cx, cy, dy, radius, width, height):
    """x-range [x0, x1] of the Manhattan ball of ``radius`` on row ``cy + dy``.

    Returns (-1, -2) when the row is outside the grid, so callers can loop
    ``for x in range(x0, x1 + 1)`` without a special case.
    """
    row = cy + dy
    if row < 0 or row >= height:
        return -1, -2
    reach = radius - abs(dy)
    return max(0, cx - reach), min(width - 1, cx + reach)

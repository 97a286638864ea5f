"""Spatial hash: agents bucketed by grid cell with a counting sort.

``cell_start[c] : cell_start[c + 1]`` indexes ``order`` for the agents on cell
``c = y * width + x``, in increasing agent id (the sort is stable), so every
neighbourhood scan visits agents in a deterministic order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit


class SpatialHash(NamedTuple):
    width: int
    height: int
    cell_start: np.ndarray  # int32 (width * height + 1,); int64 from 2**31 agents
    order: np.ndarray  # int32 (n,) agent ids grouped by cell; int64 from 2**31 agents


def build_spatial_hash(x: np.ndarray, y: np.ndarray, width: int, height: int,
                       reuse: SpatialHash | None = None) -> SpatialHash:
    """Bucket agents by cell; O(n + cells).

    ``reuse``: last tick's hash of the same grid and population, whose arrays
    are overwritten instead of allocating (and page-faulting) new ones.
    """
    n_cells = width * height
    if reuse is not None and reuse.cell_start.shape[0] == n_cells + 1 and reuse.order.shape[0] == x.shape[0]:
        cell_start, order = reuse.cell_start, reuse.order
    else:
        index = np.int32 if x.shape[0] < 2**31 else np.int64  # half the memory of a 10-cells-per-agent grid
        cell_start = np.empty(n_cells + 1, dtype=index)
        order = np.empty(x.shape[0], dtype=index)
    _counting_sort(x, y, width, cell_start, order)
    return SpatialHash(width, height, cell_start, order)


@njit(cache=True)
def _counting_sort(x, y, width, cell_start, order):
    """Stable counting sort in place: count per cell, running totals (each
    cell's end), then place agents from the highest id down, moving each
    cell's pointer back to its start."""
    n = x.shape[0]
    n_cells = cell_start.shape[0] - 1
    cell_start[:] = 0
    for i in range(n):
        cell_start[y[i] * width + x[i]] += 1
    total = 0
    for c in range(n_cells):
        total += cell_start[c]
        cell_start[c] = total
    cell_start[n_cells] = n
    for i in range(n - 1, -1, -1):
        c = y[i] * width + x[i]
        cell_start[c] -= 1
        order[cell_start[c]] = i


#: Cells per block of the resource row index.
RESOURCE_BLOCK = 8


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

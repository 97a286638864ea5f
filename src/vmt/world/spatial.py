"""Spatial hash: agents bucketed by grid cell with a counting sort.

``cell_start[c] : cell_start[c + 1]`` indexes ``order`` for the agents on cell
``c = y * width + x``, in increasing agent id (the sort is stable), so every
neighbourhood scan visits agents in a deterministic order. The sort goes
by rows first (one pass over the agents) and then, row by row in parallel,
by column: the grid's cells are swept once, a row at a time while it is in
cache, instead of three times over the whole grid.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange


class SpatialHash(NamedTuple):
    width: int
    height: int
    cell_start: np.ndarray  # int32 (width * height + 1,); int64 from 2**31 agents
    order: np.ndarray  # int32 (n,) agent ids grouped by cell; int64 from 2**31 agents


def build_spatial_hash(x: np.ndarray, y: np.ndarray, width: int, height: int,
                       reuse: SpatialHash | None = None) -> SpatialHash:
    """Bucket agents by cell; O(n + cells), the cells' part in parallel.

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
    row_start = np.empty(height + 1, dtype=np.int64)
    _bucket_by_row(y, row_start, order)
    _sort_rows_by_column(x, width, row_start, cell_start, order)
    cell_start[n_cells] = x.shape[0]
    return SpatialHash(width, height, cell_start, order)


@njit(cache=True)
def _bucket_by_row(y, row_start, order):
    """Stable counting sort of agent ids by row into ``order``;
    ``row_start[r] : row_start[r + 1]`` is row ``r``'s slice. O(agents + rows)."""
    row_start[:] = 0
    for i in range(y.shape[0]):
        row_start[y[i] + 1] += 1
    for r in range(row_start.shape[0] - 1):
        row_start[r + 1] += row_start[r]
    cursor = row_start[:-1].copy()
    for i in range(y.shape[0]):
        order[cursor[y[i]]] = i
        cursor[y[i]] += 1


@njit(cache=True, parallel=True)
def _sort_rows_by_column(x, width, row_start, cell_start, order):
    """Within each row's slice of ``order``, a stable counting sort by column,
    writing that row's cells of ``cell_start``. Rows touch disjoint slices of
    both arrays, so they run in parallel, and each row's cells are swept
    while they sit in cache (a whole-grid sweep of a 100-million-cell grid
    would stream 400 MB several times a tick)."""
    for r in prange(row_start.shape[0] - 1):
        lo, hi, base = row_start[r], row_start[r + 1], r * width
        ids = order[lo:hi].copy()
        cell_start[base:base + width] = 0
        for i in ids:
            cell_start[base + x[i]] += 1
        end = lo
        for c in range(base, base + width):
            end += cell_start[c]
            cell_start[c] = end
        for k in range(ids.shape[0] - 1, -1, -1):
            c = base + x[ids[k]]
            cell_start[c] -= 1
            order[cell_start[c]] = ids[k]


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

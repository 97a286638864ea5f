"""Spatial hash: agents bucketed by grid cell with a counting sort.

``cell_start[c] : cell_start[c + 1]`` indexes ``order`` for the agents on cell
``c = y * width + x``, in increasing agent id (the sort is stable), so every
neighbourhood scan visits agents in a deterministic order. The sort goes
by rows first (each thread counting and placing its own block of agents)
and then, row by row in parallel, by column: the grid's cells are swept
once, a row at a time while it is in cache, instead of three times over
the whole grid.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import get_num_threads, njit, prange


class SpatialHash(NamedTuple):
    width: int
    height: int
    cell_start: np.ndarray  # int32 (width * height + 1,); int64 from 2**31 agents
    order: np.ndarray  # int32 (n,) agent ids grouped by cell; int64 from 2**31 agents
    by_row: np.ndarray | None = None  # work array: the ids grouped by row only (kept for reuse)


def build_spatial_hash(x: np.ndarray, y: np.ndarray, width: int, height: int,
                       reuse: SpatialHash | None = None) -> SpatialHash:
    """Bucket agents by cell; O(n + cells), the cells' part in parallel.

    ``reuse``: last tick's hash of the same grid and population, whose arrays
    are overwritten instead of allocating (and page-faulting) new ones.
    """
    n_cells = width * height
    if reuse is not None and reuse.cell_start.shape[0] == n_cells + 1 and reuse.order.shape[0] == x.shape[0] \
            and reuse.by_row is not None:
        cell_start, order, by_row = reuse.cell_start, reuse.order, reuse.by_row
    else:
        index = np.int32 if x.shape[0] < 2**31 else np.int64  # half the memory of a 10-cells-per-agent grid
        cell_start = np.empty(n_cells + 1, dtype=index)
        order, by_row = np.empty(x.shape[0], dtype=index), np.empty(x.shape[0], dtype=index)
    _counting_sort(x, y, width, np.empty(height + 1, dtype=np.int64), by_row, cell_start, order,
                   get_num_threads())
    cell_start[n_cells] = x.shape[0]
    return SpatialHash(width, height, cell_start, order, by_row)


@njit(cache=True)
def _counting_sort(x, y, width, row_start, by_row, cell_start, order, blocks):
    """Both passes in one compiled call (one cached kernel to load, not two);
    ``blocks``: the row bucketing's blocks of agents, one per thread."""
    _bucket_by_row(y, row_start, by_row, blocks)
    _sort_rows_by_column(x, width, row_start, by_row, cell_start, order)


@njit(cache=True, parallel=True)
def _bucket_by_row(y, row_start, by_row, blocks):
    """Stable counting sort of agent ids by row into ``by_row``;
    ``row_start[r] : row_start[r + 1]`` is row ``r``'s slice. O(agents +
    rows × blocks). The agents are split into ``blocks`` fixed blocks (one
    per thread); each block counts its agents per row, a running total over
    (row, block) gives each block its first place in every row, and each
    block places its own agents from there. Blocks are in id order and so
    are the agents in a block, so the result is the one stable sort,
    whatever the threads (one thread: one block, the plain serial counting
    sort)."""
    n, rows = y.shape[0], row_start.shape[0] - 1
    place = np.zeros((blocks, rows), dtype=np.int64)
    for b in prange(blocks):
        for i in range(b * n // blocks, (b + 1) * n // blocks):
            place[b, y[i]] += 1
    total = 0
    for r in range(rows):
        row_start[r] = total
        for b in range(blocks):
            count = place[b, r]
            place[b, r] = total
            total += count
    row_start[rows] = total
    for b in prange(blocks):
        for i in range(b * n // blocks, (b + 1) * n // blocks):
            by_row[place[b, y[i]]] = i
            place[b, y[i]] += 1


@njit(cache=True, parallel=True)
def _sort_rows_by_column(x, width, row_start, by_row, cell_start, order):
    """Each row's slice of ``by_row``, stably counting-sorted by column into
    the same slice of ``order``, writing that row's cells of ``cell_start``.
    Rows touch disjoint slices of all three arrays, so they run in parallel,
    and each row's cells are swept while they sit in cache (a whole-grid
    sweep of a 100-million-cell grid would stream 400 MB several times a
    tick)."""
    for r in prange(row_start.shape[0] - 1):
        lo, hi, base = row_start[r], row_start[r + 1], r * width
        cell_start[base:base + width] = 0
        for k in range(lo, hi):
            cell_start[base + x[by_row[k]]] += 1
        end = lo
        for c in range(base, base + width):
            end += cell_start[c]
            cell_start[c] = end
        for k in range(hi - 1, lo - 1, -1):
            i = by_row[k]
            c = base + x[i]
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


@njit(cache=True, inline='always')
def resource_at(x, y, res_x, row_block_first):
    """The id of the resource on cell (``x``, ``y``), -1 if none: the row
    index's block gives the first candidate, and the few resources of the
    block left of ``x`` are stepped over."""
    r, end = row_block_first[y, x // RESOURCE_BLOCK], row_block_first[y, row_block_first.shape[1] - 1]
    while r < end and res_x[r] < x:
        r += 1
    return r if r < end and res_x[r] == x else -1


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

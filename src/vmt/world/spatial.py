"""Spatial hash: agents bucketed by grid cell with a counting sort.

``cell_start[c] : cell_start[c + 1]`` indexes ``order`` for the agents on cell
``c = y * width + x``, in increasing agent id (the sort is stable), so every
neighbourhood scan visits agents in a deterministic order.
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
    _counting_sort(x, y, width, cell_start, order, get_num_threads())
    return SpatialHash(width, height, cell_start, order)


@njit(cache=True, parallel=True)
def _counting_sort(x, y, width, cell_start, order, threads):
    """Stable counting sort in place, in bands of rows, one band per thread.

    Each band counts its own agents per cell, turns the counts into running
    totals (each cell's end), and after the bands' offsets are known places
    its agents from the highest id down, moving each cell's pointer back to
    its start. Every band writes only its own cells and its own part of
    ``order``, so the result is the one-band sort's whatever the number of
    bands (``threads``).
    """
    n = x.shape[0]
    n_cells = cell_start.shape[0] - 1
    height = n_cells // width if width > 0 else 0
    bands = max(1, min(threads, height))
    rows_per_band = -(-height // bands) if height > 0 else 0
    band_total = np.zeros(bands + 1, dtype=np.int64)
    for b in prange(bands):
        first, last = _band_cells(b, rows_per_band, width, height)
        cell_start[first:last] = 0
        for i in range(n):
            c = y[i] * width + x[i]
            if first <= c < last:
                cell_start[c] += 1
        total = 0
        for c in range(first, last):
            total += cell_start[c]
            cell_start[c] = total
        band_total[b + 1] = total
    for b in range(bands):
        band_total[b + 1] += band_total[b]
    for b in prange(bands):
        first, last = _band_cells(b, rows_per_band, width, height)
        offset = band_total[b]
        for c in range(first, last):
            cell_start[c] += offset
        for i in range(n - 1, -1, -1):
            c = y[i] * width + x[i]
            if first <= c < last:
                cell_start[c] -= 1
                order[cell_start[c]] = i
    cell_start[n_cells] = n


@njit(cache=True)
def _band_cells(band, rows_per_band, width, height):
    """Cells ``[first, last)`` of a band of ``rows_per_band`` rows."""
    return min(height, band * rows_per_band) * width, min(height, (band + 1) * rows_per_band) * width


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

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
    cell_start: np.ndarray  # int64 (width * height + 1,)
    order: np.ndarray  # int64 (n,) agent ids grouped by cell


def build_spatial_hash(x: np.ndarray, y: np.ndarray, width: int, height: int) -> SpatialHash:
    """Bucket agents by cell; O(n + cells)."""
    cell_start = np.zeros(width * height + 1, dtype=np.int64)
    order = np.empty(x.shape[0], dtype=np.int64)
    _counting_sort(x, y, width, cell_start, order)
    return SpatialHash(width, height, cell_start, order)


@njit(cache=True)
def _counting_sort(x, y, width, cell_start, order):
    n = x.shape[0]
    for i in range(n):
        cell_start[y[i] * width + x[i] + 1] += 1
    for c in range(1, cell_start.shape[0]):
        cell_start[c] += cell_start[c - 1]
    fill = cell_start[:-1].copy()
    for i in range(n):
        c = y[i] * width + x[i]
        order[fill[c]] = i
        fill[c] += 1


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

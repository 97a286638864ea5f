"""The spatial indexes the search reads: the agents' counting sort (reused
buffers, int32) and the resources' row index, each against a direct scan."""

from __future__ import annotations

import numpy as np
import pytest

from vmt.world.spatial import RESOURCE_BLOCK, _bucket_by_row, build_spatial_hash, resource_row_index


def test_counting_sort_is_a_stable_sort_by_cell_and_reuses_its_arrays():
    rng = np.random.default_rng(4)
    width, height = 13, 7
    x, y = rng.integers(0, width, 200), rng.integers(0, height, 200)
    first = build_spatial_hash(x, y, width, height)
    cells = y * width + x
    assert list(first.order) == list(np.argsort(cells, kind="stable"))
    assert list(first.cell_start) == list(np.searchsorted(cells[first.order], np.arange(width * height + 1)))
    x2 = rng.integers(0, width, 200)
    again = build_spatial_hash(x2, y, width, height, reuse=first)
    assert again.order is first.order and list(again.order) == list(np.argsort(y * width + x2, kind="stable"))


def test_row_index_lists_exactly_the_resources_of_a_row_span():
    rng = np.random.default_rng(5)
    width, height = 3 * RESOURCE_BLOCK + 5, 6
    cells = np.sort(rng.choice(width * height, size=120, replace=False))
    x, y = cells % width, cells // width
    first = resource_row_index(x, y, width, height)
    for _ in range(200):
        row = int(rng.integers(0, height))
        x0 = int(rng.integers(0, width))
        x1 = int(rng.integers(x0, width))
        found = [r for r in range(first[row, x0 // RESOURCE_BLOCK], first[row, -1]) if x0 <= x[r] <= x1]
        assert found == [r for r in range(x.size) if y[r] == row and x0 <= x[r] <= x1]
    with pytest.raises(ValueError, match="cell order"):
        resource_row_index(x[::-1], y[::-1], width, height)



@pytest.mark.parametrize("width, height, n", [(1, 9, 30), (40, 3, 0), (7, 50, 400)])
def test_counting_sort_by_rows_then_columns_matches_a_stable_sort_on_any_shape(width, height, n):
    """Empty rows, a one-column grid, no agents, crowded cells: the same order
    and cell offsets as a stable sort of the cells."""
    rng = np.random.default_rng(width * height + n)
    x, y = rng.integers(0, width, n), rng.integers(0, min(height, 4), n) * (height // 4)  # every other row empty
    spatial = build_spatial_hash(x, y, width, height)
    cells = y * width + x
    assert np.array_equal(spatial.order, np.argsort(cells, kind="stable"))
    assert np.array_equal(spatial.cell_start, np.searchsorted(cells[spatial.order], np.arange(width * height + 1)))


@pytest.mark.parametrize("blocks", [1, 3, 7])
def test_row_bucketing_in_blocks_is_the_one_stable_sort_by_row(blocks):
    """However many blocks (threads) count and place the agents, the rows
    come out as a stable sort by row, so the hash does not depend on them."""
    rng = np.random.default_rng(blocks)
    y = rng.integers(0, 9, 101) * (rng.random(101) < 0.8)  # row 0 crowded, some rows empty
    row_start, by_row = np.empty(13, dtype=np.int64), np.empty(101, dtype=np.int32)
    _bucket_by_row(y, row_start, by_row, blocks)
    assert np.array_equal(by_row, np.argsort(y, kind="stable"))
    assert np.array_equal(row_start, np.searchsorted(np.sort(y), np.arange(13)))

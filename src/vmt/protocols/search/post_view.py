"""Which market posts can be seen from where: a block index of the posts' visibility.

An agent sees post ``j`` when its Manhattan distance to the post is at most
``visibility[j]``. Scoring every post for every agent costs agents x posts
distance tests although, with posts spread over a large grid, almost every
agent sees none or one of them. The grid is therefore cut into square
*blocks* of ``block`` x ``block`` cells, and each block lists, in
increasing post index, the posts whose visibility diamond reaches at least
one of its cells. An agent tests only its block's posts; the exact
distance test stays, so the posts it scores, and their order, are exactly
those of the full scan.

The block side is the smallest power of two from :data:`MIN_BLOCK` whose
index stays within :data:`ENTRY_BUDGET_PER_CELL` entries per grid cell
(large radii coarsen the blocks; with one block for the whole grid every
agent scans every post, as without an index). Posts do not move: the
index is built once per run.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

MIN_BLOCK = 8
#: Upper bound of index entries (block, post) per grid cell before the blocks are coarsened.
ENTRY_BUDGET_PER_CELL = 0.25


class PostView(NamedTuple):
    """Posts that may be visible from each block of cells (CSR over blocks)."""

    block: int  # side of a block, in cells
    blocks_x: int  # blocks per row of the grid
    start: np.ndarray  # int64 (blocks + 1,): posts of block b are posts[start[b]:start[b + 1]]
    posts: np.ndarray  # int64: post indices, increasing within a block


@njit(cache=True)
def _block_span(centre, radius, block, blocks):
    """First and last block (along one axis) that a radius around ``centre`` can reach."""
    return max(0, (centre - radius) // block), min(blocks - 1, (centre + radius) // block)


@njit(cache=True)
def _reaches(px, py, radius, bx, by, block):
    """Whether the Manhattan ball of ``radius`` around (px, py) meets the block (bx, by)."""
    x0, y0 = bx * block, by * block
    dx = max(0, x0 - px, px - (x0 + block - 1))
    dy = max(0, y0 - py, py - (y0 + block - 1))
    return dx + dy <= radius


@njit(cache=True)
def _fill_view(px, py, visibility, block, blocks_x, blocks_y, start, posts):
    """Count (``posts`` empty) or write (``start`` already cumulative) each block's posts."""
    counting = posts.shape[0] == 0
    cursor = start[:-1].copy()
    for j in range(px.shape[0]):
        bx0, bx1 = _block_span(px[j], visibility[j], block, blocks_x)
        by0, by1 = _block_span(py[j], visibility[j], block, blocks_y)
        for by in range(by0, by1 + 1):
            for bx in range(bx0, bx1 + 1):
                if _reaches(px[j], py[j], visibility[j], bx, by, block):
                    b = by * blocks_x + bx
                    if counting:
                        start[b + 1] += 1
                    else:
                        posts[cursor[b]] = j
                        cursor[b] += 1


def _block_side(visibility: np.ndarray, width: int, height: int) -> int:
    """Smallest power-of-two block side (from MIN_BLOCK) keeping the index within its budget."""
    block, budget = MIN_BLOCK, ENTRY_BUDGET_PER_CELL * width * height + 4 * visibility.shape[0]
    while block < max(width, height):
        entries = np.sum((2 * visibility / block + 2.0) ** 2)
        if entries <= budget:
            break
        block *= 2
    return block


def build_post_view(x: np.ndarray, y: np.ndarray, visibility: np.ndarray, width: int, height: int) -> PostView:
    """The block index of the posts at (``x``, ``y``) seen within ``visibility`` cells."""
    block = _block_side(np.asarray(visibility, dtype=np.float64), width, height)
    blocks_x, blocks_y = -(-width // block), -(-height // block)
    start = np.zeros(blocks_x * blocks_y + 1, dtype=np.int64)
    args = (np.asarray(x, dtype=np.int64), np.asarray(y, dtype=np.int64), np.asarray(visibility, dtype=np.int64),
            block, blocks_x, blocks_y)
    _fill_view(*args, start, np.empty(0, dtype=np.int64))
    np.cumsum(start, out=start)
    posts = np.empty(int(start[-1]), dtype=np.int64)
    _fill_view(*args, start, posts)
    return PostView(block, blocks_x, start, posts)

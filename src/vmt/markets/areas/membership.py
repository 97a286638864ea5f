"""Which area each agent belongs to: at most one, by a fixed priority.

An area's *coverage* is the number of agents within its radius (Manhattan),
members or not. An agent within the radius of several live areas belongs to
the one with the largest coverage, then the closest centre, then the lowest
id; an agent in no area's radius belongs to none (``NO_AREA``).

Both read the agents bucketed by cell (:class:`~vmt.world.spatial.SpatialHash`).
Coverage adds up, row by row of each area's disc, the agents on the row's
span, read off the running total of agents per cell: one subtraction per
row, one area per parallel iteration. Membership goes row by row of the
grid in parallel: the live areas reaching a row (grouped by row,
:class:`~vmt.markets.areas.index.AreaRows`) mark on each of its cells the
best of them there, and the row's agents read their cell's mark; each
agent is written once.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange

from vmt.markets.areas.index import index_rows
from vmt.markets.areas.state import AreaState
from vmt.world.chunks import picked
from vmt.world.spatial import SpatialHash, build_spatial_hash, diamond_row_span


def count_coverage(areas: AreaState, ids: np.ndarray, cell_start: np.ndarray, radius: int) -> None:
    """Set ``areas.coverage[ids]`` from ``cell_start`` (agents on the cells before
    each cell, the grid's ``width * height + 1`` running total, as in
    :class:`~vmt.world.spatial.SpatialHash`)."""
    _coverage(ids, areas.center_x, areas.center_y, radius, cell_start, areas.width, areas.height, areas.coverage)


def assign_members(areas: AreaState, x: np.ndarray, y: np.ndarray, radius: int) -> np.ndarray:
    """Membership of every agent (area id or ``NO_AREA``) given current coverage;
    also sets ``areas.members`` (members per area)."""
    spatial = build_spatial_hash(x, y, areas.width, areas.height)
    member, _ = members_and_unclaimed(areas, x, radius, spatial)
    count_members(areas, member)
    return member


def members_and_unclaimed(areas: AreaState, x: np.ndarray, radius: int,
                          spatial: SpatialHash) -> tuple[np.ndarray, np.ndarray]:
    """Membership of every agent among the live areas, and the cells no live
    area reaches that hold agents, ascending. ``spatial``: the agents' hash."""
    member = np.empty(x.shape[0], np.int64)
    unclaimed = np.empty(x.shape[0], np.int64)
    live = index_rows(areas)
    _assign(x, spatial.cell_start, spatial.order, areas.width, areas.height, radius, live.row_start, live.ids,
            live.x, areas.center_x, areas.center_y, areas.coverage, member, unclaimed)
    return member, picked(unclaimed, unclaimed >= 0)


def join_new_areas(areas: AreaState, formed: np.ndarray, radius: int, spatial: SpatialHash,
                   member: np.ndarray) -> None:
    """Move to the areas just ``formed`` (their coverage counted) the agents
    within their radius that rank them above their current area. Areas
    formed in one tick are more than twice the radius apart (see
    ``detection``), so an agent is within reach of one of them at most and
    each area's agents are its own to write."""
    _join(formed, areas.center_x, areas.center_y, radius, spatial.cell_start, spatial.order, areas.width,
          areas.height, areas.coverage, member)


def count_members(areas: AreaState, member: np.ndarray) -> None:
    """Set ``areas.members`` (agents per area) from ``member``: each thread
    counts its own block of agents, and the blocks' counts are added (whole
    numbers: the same whatever the blocks)."""
    counts = np.zeros((get_num_threads(), areas.count), np.int64)
    _count_by_block(member, counts)
    areas.members[:] = 0
    areas.members[: areas.count] = counts.sum(axis=0)


@njit(cache=True, parallel=True)
def _count_by_block(member, counts):
    n, blocks = member.shape[0], counts.shape[0]
    for b in prange(blocks):
        for i in range(b * n // blocks, (b + 1) * n // blocks):
            if member[i] >= 0:
                counts[b, member[i]] += 1


@njit(cache=True, parallel=True)
def _coverage(ids, cx, cy, radius, cell_start, width, height, coverage):
    for t in prange(ids.shape[0]):
        a = ids[t]
        coverage[a] = agents_within(cx[a], cy[a], radius, cell_start, width, height)


# inline: called once per area inside a parallel loop; an out-of-line
# call counts references on ``cell_start``, an atomic write the threads share
@njit(cache=True, inline="always")
def agents_within(cx, cy, radius, cell_start, width, height):
    """Agents within ``radius`` of cell (cx, cy), from the running total of
    agents per cell ``cell_start``: one subtraction per row of the disc."""
    total = 0
    for dy in range(-radius, radius + 1):
        x0, x1 = diamond_row_span(cx, cy, dy, radius, width, height)
        if x0 <= x1:
            row = (cy + dy) * width
            total += cell_start[row + x1 + 1] - cell_start[row + x0]
    return total


@njit(cache=True, parallel=True)
def _assign(x, cell_start, order, width, height, radius, row_start, ids, area_x, cx, cy, coverage, member,
            unclaimed):
    """Each row marks, per cell, 1 + the best area reaching it in a row-sized
    buffer of its own (cache-sized, where a grid would be memory-sized),
    and its agents read their cell's mark (see the module docstring).
    ``unclaimed[k]``: the cell of the ``k``-th agent in cell order if it is
    the first on a cell no area reaches, else -1 (ascending where set)."""
    for r in prange(height):
        marks = np.zeros(width, np.int64)
        for centre_row in range(max(r - radius, 0), min(r + radius, height - 1) + 1):
            dy = abs(r - centre_row)
            for s in range(row_start[centre_row], row_start[centre_row + 1]):
                a, ax = ids[s], area_x[s]
                for col in range(max(ax - radius + dy, 0), min(ax + radius - dy, width - 1) + 1):
                    current = marks[col] - 1
                    if current < 0 or _outranks(a, abs(ax - col) + dy, current,
                                                abs(cx[current] - col) + abs(cy[current] - r), coverage):
                        marks[col] = a + 1
        previous = -1
        for k in range(cell_start[r * width], cell_start[(r + 1) * width]):
            i = order[k]
            col = x[i]
            member[i] = marks[col] - 1  # no mark: -1, NO_AREA
            unclaimed[k] = r * width + col if marks[col] == 0 and col != previous else -1
            previous = col


@njit(cache=True, parallel=True)
def _join(formed, cx, cy, radius, cell_start, order, width, height, coverage, member):
    for t in prange(formed.shape[0]):
        a = formed[t]
        for dy in range(-radius, radius + 1):
            x0, x1 = diamond_row_span(cx[a], cy[a], dy, radius, width, height)
            r = cy[a] + dy
            for col in range(x0, x1 + 1):
                for k in range(cell_start[r * width + col], cell_start[r * width + col + 1]):
                    i = order[k]
                    current = member[i]
                    if current < 0 or _outranks(a, abs(dy) + abs(col - cx[a]), current,
                                                abs(cx[current] - col) + abs(cy[current] - r), coverage):
                        member[i] = a


@njit(cache=True)
def _outranks(a, dist, current, current_dist, coverage):
    """True if area ``a`` at ``dist`` beats the current choice."""
    if current < 0:
        return True
    if coverage[a] != coverage[current]:
        return coverage[a] > coverage[current]
    if dist != current_dist:
        return dist < current_dist
    return a < current

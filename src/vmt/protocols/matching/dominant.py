"""Greedy matching over mutual candidates without a global sort, in parallel.

The greedy pass of ``three_pass`` matching takes the mutually listed pairs
best combined score first (ties: the pair counted first, i.e. lower
``(lo, rank of hi in lo's list)``) and pairs both ends when both are free.
With a strict total order on edges that result is unique, and it is also
what *locally dominant* rounds reach (Preis 1999; Manne & Bisseling 2007):
every free agent points at its best edge to a free agent, and an edge that
both ends point at is matched; repeat. The globally best remaining edge is
always matched in a round, so the rounds end, and no edge is matched that
the sorted pass would not match. Each round is a parallel loop writing only
its own agent's slots, so the pairs do not depend on the threads; the sort
(a serial ``mergesort`` of every edge) is gone.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.matching.common import pair_up
from vmt.world.chunks import flagged


@njit(cache=True)
def _rank_of(cand_ids, i, j):
    """Position of ``j`` in ``i``'s list, or -1."""
    for r in range(cand_ids.shape[1]):
        if cand_ids[i, r] == j:
            return r
        if cand_ids[i, r] < 0:
            return -1
    return -1


@njit(cache=True, parallel=True)
def listing_agents(partner, cand_ids):
    """The agents that are free and have a non-empty candidate list, ascending."""
    listing = np.empty(partner.shape[0], dtype=np.bool_)
    for i in prange(partner.shape[0]):
        listing[i] = partner[i] < 0 and cand_ids[i, 0] >= 0
    return flagged(listing)


#: Fixed chunks of the edge listing: each has its own scratch row of scores
#: and ranks (a row per agent would be 72 bytes an agent kept all tick).
EDGE_CHUNKS = 64


@njit(cache=True, parallel=True)
def mutual_edges(active, cand_ids, cand_scores, edge_pos, edge_count):
    """For each active agent ``i = active[a]``: the agents ``j`` on its list
    that list ``i`` too, by their place in it (``j = cand_ids[i, edge_pos[a,
    e]]`` for ``e < edge_count[a]``; one byte an edge), in the edge
    order of the greedy pass (:func:`_better`: the pair's combined score,
    then its rank key, the position of the higher id in the lower id's
    list). A round then takes the first of them still free. The scores and
    keys are needed only while a row is sorted, so they live in one scratch
    row per chunk of agents."""
    m, width = active.shape[0], cand_ids.shape[1]
    for c in prange(EDGE_CHUNKS):
        score_row = np.empty(width)
        rank_row = np.empty(width, dtype=np.int64)
        for a in range(c * m // EDGE_CHUNKS, (c + 1) * m // EDGE_CHUNKS):
            edge_count[a] = _sorted_mutual_edges(a, active[a], cand_ids, cand_scores, edge_pos,
                                                 score_row, rank_row)


# inline: called once per agent inside a parallel loop; an out-of-line call
# counts references on its array arguments, an atomic write the threads share
@njit(cache=True, inline="always")
def _sorted_mutual_edges(a, i, cand_ids, cand_scores, edge_pos, score_row, rank_row):
    """Row ``a`` of ``edge_pos``: ``i``'s mutual edges in edge order; returns how many."""
    count = 0
    for r in range(cand_ids.shape[1]):
        j = cand_ids[i, r]
        if j < 0:
            break
        back = _rank_of(cand_ids, j, i)
        if back < 0:
            continue
        # the lower id's score first, as the sorted pass adds them
        if i < j:
            score, rank = cand_scores[i, r] + cand_scores[j, back], r
        else:
            score, rank = cand_scores[j, back] + cand_scores[i, r], back
        _insert_edge(a, i, r, count, score, rank, cand_ids, edge_pos, score_row, rank_row)
        count += 1
    return count


@njit(cache=True)
def _insert_edge(a, i, r, count, score, rank, cand_ids, edge_pos, score_row, rank_row):
    """Insert edge ``(i, cand_ids[i, r])`` into row ``a``'s first ``count``
    edges, kept in edge order (insertion sort: a row holds at most one
    list's length; ``score_row``/``rank_row``: the row's scores and rank keys)."""
    pos = count
    lo = min(i, cand_ids[i, r])
    while pos > 0 and _better(score, lo, rank, score_row[pos - 1], min(i, cand_ids[i, edge_pos[a, pos - 1]]),
                              rank_row[pos - 1]):
        edge_pos[a, pos], score_row[pos], rank_row[pos] = edge_pos[a, pos - 1], score_row[pos - 1], rank_row[pos - 1]
        pos -= 1
    edge_pos[a, pos], score_row[pos], rank_row[pos] = r, score, rank


@njit(cache=True)
def _better(score, lo, rank, best_score, best_lo, best_rank):
    """Edge order of the greedy pass: higher score, then lower ``(lo, rank)``."""
    if score != best_score:
        return score > best_score
    if lo != best_lo:
        return lo < best_lo
    return rank < best_rank


@njit(cache=True)
def _point(a, active, partner, cand_ids, edge_pos, edge_count, cursor, best):
    """Agent ``active[a]`` points at the free agent of its best mutual edge
    (-1: none). Partners are only ever taken during the rounds, so the
    best free edge is the first free one from where the last round stopped
    (``cursor[a]``)."""
    i = active[a]
    if partner[i] >= 0:
        best[i] = -1
        return
    c = cursor[a]
    while c < edge_count[a] and partner[cand_ids[i, edge_pos[a, c]]] >= 0:
        c += 1
    cursor[a] = c
    best[i] = cand_ids[i, edge_pos[a, c]] if c < edge_count[a] else -1


@njit(cache=True)
def _pair_if_dominant(a, active, partner, best):
    """Pair ``i`` with ``j`` when each points at the other (done by the lower
    id); returns whether ``i`` still chooses next round (it points at
    someone who does not point back)."""
    i = active[a]
    j = best[i]
    if j < 0:
        return False
    if best[j] != i:
        return True
    if j > i:
        pair_up(partner, i, j)
    return False


@njit(cache=True, parallel=True)
def _round(rows, active, partner, cand_ids, edge_pos, edge_count, cursor, best, keep):
    """One round: every still-choosing agent points, then dominant edges pair."""
    for q in prange(rows.shape[0]):
        _point(rows[q], active, partner, cand_ids, edge_pos, edge_count, cursor, best)
    for q in prange(rows.shape[0]):
        keep[q] = _pair_if_dominant(rows[q], active, partner, best)
    return _still_choosing(rows, keep)


@njit(cache=True)
def _last_rounds(rows, active, partner, cand_ids, edge_pos, edge_count, cursor, best, keep):
    """The same rounds in one thread, for the few agents left (waking
    threads for a handful of agents costs more than it saves)."""
    while rows.size:
        for q in range(rows.shape[0]):
            _point(rows[q], active, partner, cand_ids, edge_pos, edge_count, cursor, best)
        for q in range(rows.shape[0]):
            keep[q] = _pair_if_dominant(rows[q], active, partner, best)
        rows = _still_choosing(rows, keep)


@njit(cache=True)
def _still_choosing(rows, keep):
    count = 0
    for q in range(rows.shape[0]):
        if keep[q]:
            rows[count] = rows[q]
            count += 1
    return rows[:count]


#: Below this many choosing agents the rounds run in one thread.
SERIAL_ROUNDS_BELOW = 4096


class MatchingWork:
    """Work arrays of the rounds, kept across ticks and grown when needed
    (a million agents' edges are tens of MB a tick, and fresh memory is
    zeroed by the system page by page)."""

    def __init__(self):
        self.best = np.empty(0, dtype=np.int32)
        self.edge_pos = np.empty((0, 0), dtype=np.int8)
        self.edge_count = np.empty(0, dtype=np.int32)
        self.cursor = np.empty(0, dtype=np.int32)
        self.keep = np.empty(0, dtype=np.bool_)
        self.rows = np.empty(0, dtype=np.int32)

    def fit(self, n_agents: int, rows: int, width: int, id_dtype) -> None:
        """Make room for ``rows`` choosing agents with lists of ``width``."""
        if self.best.shape[0] != n_agents or self.best.dtype != id_dtype:
            self.best = np.empty(n_agents, dtype=id_dtype)
        if self.edge_pos.shape[0] < rows or self.edge_pos.shape[1] != width:
            rows = max(rows, 2 * self.edge_pos.shape[0])  # grow geometrically
            self.edge_pos = np.empty((rows, width), dtype=np.int8 if width < 128 else np.int64)
            self.edge_count = np.empty(rows, dtype=np.int32)
            self.cursor = np.empty(rows, dtype=np.int32)
            self.keep = np.empty(rows, dtype=np.bool_)
            self.rows = np.empty(rows, dtype=np.int32 if rows < 2**31 else np.int64)


def greedy_mutual_pairs(partner, cand_ids, cand_scores, active, work: MatchingWork | None = None):
    """Pair free agents greedily over mutually listed pairs (see the module
    docstring). ``active``: the agents that may have mutual edges (free, with
    a list), ascending; ``work``: work arrays (reusable across ticks)."""
    work = MatchingWork() if work is None else work
    m = active.size
    work.fit(partner.shape[0], m, cand_ids.shape[1], cand_ids.dtype)
    edge_pos, edge_count, cursor, keep = work.edge_pos[:m], work.edge_count[:m], work.cursor[:m], work.keep[:m]
    rows = _edges_and_first_rows(active, cand_ids, cand_scores, edge_pos, edge_count, work.rows[:m], cursor)
    while rows.size and rows.size >= SERIAL_ROUNDS_BELOW:
        rows = _round(rows, active, partner, cand_ids, edge_pos, edge_count, cursor, work.best, keep)
    _last_rounds(rows, active, partner, cand_ids, edge_pos, edge_count, cursor, work.best, keep)


@njit(cache=True)
def _edges_and_first_rows(active, cand_ids, cand_scores, edge_pos, edge_count, rows, cursor):
    """:func:`mutual_edges`, then the first round's rows, in one compiled call."""
    mutual_edges(active, cand_ids, cand_scores, edge_pos, edge_count)
    return _first_rows(rows, cursor)


@njit(cache=True, parallel=True)
def _first_rows(rows, cursor):
    """Every agent chooses in the first round, from its best edge."""
    for q in prange(rows.shape[0]):
        rows[q] = q
        cursor[q] = 0
    return rows

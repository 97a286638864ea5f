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
def listing_agents(partner, cand_ids, flags):
    """``flags[i]``: agent ``i`` is free and has a non-empty candidate list."""
    for i in prange(partner.shape[0]):
        flags[i] = partner[i] < 0 and cand_ids[i, 0] >= 0


@njit(cache=True, parallel=True)
def mutual_edges(active, cand_ids, cand_scores, edge_score, edge_rank):
    """For each list entry ``(i, r)`` of an active agent ``i = active[a]``
    naming ``j``: the combined score of the pair when ``j`` lists ``i`` too
    (else -1), and the pair's rank key — the position of the higher id in the
    lower id's list."""
    for a in prange(active.shape[0]):
        i = active[a]
        for r in range(cand_ids.shape[1]):
            j = cand_ids[i, r]
            edge_score[a, r] = -1.0
            if j < 0:
                continue
            back = _rank_of(cand_ids, j, i)
            if back < 0:
                continue
            # the lower id's score first, as the sorted pass adds them
            if i < j:
                edge_score[a, r] = cand_scores[i, r] + cand_scores[j, back]
                edge_rank[a, r] = r
            else:
                edge_score[a, r] = cand_scores[j, back] + cand_scores[i, r]
                edge_rank[a, r] = back


@njit(cache=True)
def _better(score, lo, rank, best_score, best_lo, best_rank):
    """Edge order of the greedy pass: higher score, then lower ``(lo, rank)``."""
    if score != best_score:
        return score > best_score
    if lo != best_lo:
        return lo < best_lo
    return rank < best_rank


@njit(cache=True)
def _point(a, active, partner, cand_ids, edge_score, edge_rank, best):
    """Agent ``active[a]`` points at the free agent of its best mutual edge (-1: none)."""
    i = active[a]
    choice, best_score, best_lo, best_rank = -1, -1.0, 0, 0
    if partner[i] < 0:
        for r in range(cand_ids.shape[1]):
            j = cand_ids[i, r]
            if j < 0:
                break
            if edge_score[a, r] < 0.0 or partner[j] >= 0:
                continue
            lo = min(i, j)
            if choice < 0 or _better(edge_score[a, r], lo, edge_rank[a, r], best_score, best_lo, best_rank):
                choice, best_score, best_lo, best_rank = j, edge_score[a, r], lo, edge_rank[a, r]
    best[i] = choice


@njit(cache=True)
def _pair_if_dominant(a, active, partner, best):
    """Pair ``i`` with ``j`` when each points at the other (done by the lower id)."""
    i = active[a]
    j = best[i]
    if j > i and best[j] == i:
        pair_up(partner, i, j)


@njit(cache=True, parallel=True)
def _round(rows, active, partner, cand_ids, edge_score, edge_rank, best):
    """One round: every still-choosing agent points, then dominant edges pair."""
    for q in prange(rows.shape[0]):
        _point(rows[q], active, partner, cand_ids, edge_score, edge_rank, best)
    for q in prange(rows.shape[0]):
        _pair_if_dominant(rows[q], active, partner, best)
    return _still_choosing(rows, active, best)


@njit(cache=True)
def _last_rounds(rows, active, partner, cand_ids, edge_score, edge_rank, best):
    """The same rounds in one thread, for the few agents left (waking
    threads for a handful of agents costs more than it saves)."""
    while rows.size:
        for q in range(rows.shape[0]):
            _point(rows[q], active, partner, cand_ids, edge_score, edge_rank, best)
        for q in range(rows.shape[0]):
            _pair_if_dominant(rows[q], active, partner, best)
        rows = _still_choosing(rows, active, best)


@njit(cache=True)
def _still_choosing(rows, active, best):
    keep = 0
    for q in range(rows.shape[0]):
        if best[active[rows[q]]] >= 0:
            rows[keep] = rows[q]
            keep += 1
    return rows[:keep]


#: Below this many choosing agents the rounds run in one thread.
SERIAL_ROUNDS_BELOW = 4096


def greedy_mutual_pairs(partner, cand_ids, cand_scores, active, best):
    """Pair free agents greedily over mutually listed pairs (see the module
    docstring). ``active``: the agents that may have mutual edges (free, with
    a list), ascending; ``best`` (n,): a work array (reusable across ticks)."""
    edge_score = np.empty((active.size, cand_ids.shape[1]))
    edge_rank = np.empty((active.size, cand_ids.shape[1]), dtype=np.int8)
    mutual_edges(active, cand_ids, cand_scores, edge_score, edge_rank)
    rows = np.arange(active.size)
    while rows.size and rows.size >= SERIAL_ROUNDS_BELOW:
        rows = _round(rows, active, partner, cand_ids, edge_score, edge_rank, best)
    _last_rounds(rows, active, partner, cand_ids, edge_score, edge_rank, best)

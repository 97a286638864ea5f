"""Pieces shared by matching protocols: pairing and candidate edges."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def pair_up(partner, i, j):
    partner[i] = j
    partner[j] = i


@njit(cache=True)
def score_of(cand_ids, cand_scores, i, j):
    """``i``'s score for ``j``, or −1 when ``j`` is not on ``i``'s list."""
    for r in range(cand_ids.shape[1]):
        if cand_ids[i, r] == j:
            return cand_scores[i, r]
    return -1.0


@njit(cache=True)
def candidate_edges(cand_ids, cand_scores, mutual_only):
    """Edges (i, j, combined score) with i < j, best first.

    The combined score is the sum of both sides' scores (a side that did not
    list the other contributes 0). With ``mutual_only`` an edge needs both
    lists. The sort is stable over edges built in (i, rank) order, so ties
    resolve by the lower id.
    """
    n, k = cand_ids.shape
    lo = np.empty(n * k, dtype=np.int64)
    hi = np.empty(n * k, dtype=np.int64)
    score = np.empty(n * k)
    m = 0
    for i in range(n):
        for r in range(k):
            j = cand_ids[i, r]
            if j < 0:
                break
            back = score_of(cand_ids, cand_scores, j, i)
            if back < 0 and mutual_only:
                continue
            if back >= 0 and j < i:
                continue  # counted from j's side
            lo[m], hi[m] = min(i, j), max(i, j)
            score[m] = cand_scores[i, r] + max(back, 0.0)
            m += 1
    order = np.argsort(-score[:m], kind="mergesort")
    return lo[:m][order], hi[:m][order]


@njit(cache=True)
def greedy_pairs(partner, lo, hi):
    """Pair each edge's ends in order when both are still free."""
    for e in range(lo.shape[0]):
        i, j = lo[e], hi[e]
        if partner[i] < 0 and partner[j] < 0:
            pair_up(partner, i, j)


@njit(cache=True)
def first_free_candidate(partner, cand_ids, i):
    for r in range(cand_ids.shape[1]):
        j = cand_ids[i, r]
        if j < 0:
            return -1
        if partner[j] < 0 and j != i:
            return j
    return -1

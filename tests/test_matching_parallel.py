"""The parallel three-pass matching gives the pairs of the serial passes.

The reference below is the specification written out serially: mutual first
choices in id order, then every mutually listed pair sorted best combined
score first (a stable sort over pairs counted in (lower id, rank) order),
then the rest in id order. Lists are drawn with many tied scores, already
paired agents and both thread counts.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from vmt.engine.threads import using_threads
from vmt.protocols.matching import dominant
from vmt.protocols.matching.common import candidate_edges, first_free_candidate, greedy_pairs, pair_up
from vmt.protocols.matching.three_pass import three_pass


def serial_three_pass(partner, cand_ids, cand_scores):
    n = partner.shape[0]
    for i in range(n):
        j = cand_ids[i, 0]
        if j > i and partner[i] < 0 and partner[j] < 0 and cand_ids[j, 0] == i:
            pair_up(partner, i, j)
    lo, hi = candidate_edges(cand_ids, cand_scores, True)
    greedy_pairs(partner, lo, hi)
    for i in range(n):
        if partner[i] < 0:
            j = first_free_candidate(partner, cand_ids, i)
            if j >= 0:
                pair_up(partner, i, j)


def random_lists(rng, n, k, paired_share, levels):
    """Candidate lists as search makes them: distinct ids, best first, ties by lower id."""
    partner = np.full(n, -1, dtype=np.int64)
    taken = rng.permutation(n)[: int(n * paired_share) // 2 * 2].reshape(-1, 2)
    partner[taken[:, 0]], partner[taken[:, 1]] = taken[:, 1], taken[:, 0]
    ids = np.full((n, k), -1, dtype=np.int64)
    scores = np.zeros((n, k))
    for i in np.flatnonzero(partner < 0):
        near = (i + rng.integers(-6, 7, size=rng.integers(0, k + 3))) % n
        near = np.unique(near[(near != i) & (partner[near] < 0)])
        s = rng.integers(1, levels + 1, size=near.size) / levels  # few levels: many ties
        order = np.lexsort((near, -s))[:k]
        ids[i, : order.size], scores[i, : order.size] = near[order], s[order]
    return partner, ids, scores


@pytest.mark.parametrize("seed", range(6))
def test_parallel_three_pass_pairs_as_the_serial_passes(seed, monkeypatch):
    if seed % 2:  # parallel rounds down to the last agent (else the few agents left go serial)
        monkeypatch.setattr(dominant, "SERIAL_ROUNDS_BELOW", 0)
    rng = np.random.default_rng(seed)
    partner, ids, scores = random_lists(rng, n=400, k=8, paired_share=0.3, levels=3 + seed)
    expected = partner.copy()
    serial_three_pass(expected, ids, scores)
    assert (expected >= 0).sum() > (partner >= 0).sum()  # the case pairs someone
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        got = partner.copy()
        with using_threads(threads):
            three_pass(got, ids, scores)
        assert np.array_equal(got, expected)
        paired = np.flatnonzero(got >= 0)
        assert np.array_equal(got[got[paired]], paired)  # pairs are symmetric


def test_work_arrays_kept_across_ticks_leave_no_trace():
    """One set of work arrays serves economies of different sizes in turn
    (as across ticks): each gets the pairs of the serial passes."""
    work = dominant.MatchingWork()
    rng = np.random.default_rng(42)
    for n in (300, 900, 200, 900):
        partner, ids, scores = random_lists(rng, n=n, k=8, paired_share=0.2, levels=4)
        expected = partner.copy()
        serial_three_pass(expected, ids, scores)
        three_pass(partner, ids, scores, work)
        assert np.array_equal(partner, expected)

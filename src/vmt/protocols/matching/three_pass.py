"""``three_pass`` matching.

1. mutual first choices: ``i`` and ``j`` each rank the other first;
2. greedy by surplus over mutually acceptable pairs (both listed the other),
   best combined score first;
3. remaining agents, in id order, take their best still-free candidate.

Only agents that are free and listed someone take part. Passes 1 and 2 run
in parallel (pass 1's pairs are disjoint; pass 2 reaches the sorted greedy
result by locally dominant rounds, :mod:`vmt.protocols.matching.dominant`);
pass 3 is serial, in id order, over those of them still free with a free
candidate (picked in parallel). The pairs are those of the
serial three passes, whatever the threads (tested).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.matching.common import first_free_candidate, pair_up
from vmt.protocols.matching.dominant import MatchingWork, greedy_mutual_pairs, listing_agents
from vmt.protocols.registry import register
from vmt.world.chunks import picked


@register("matching", "three_pass")
class ThreePassMatching:
    """Mutual first choices, then greedy by surplus, then the rest."""

    #: Pairs from partner lists alone: search may rank resources afterwards.
    reads_resources = False

    def __init__(self, params):
        self.params = params
        self._work = MatchingWork()

    def match(self, ctx, candidates) -> None:
        three_pass(ctx.world.agents.partner, candidates.partner_ids, candidates.partner_scores, self._work)


def three_pass(partner, cand_ids, cand_scores, work: MatchingWork | None = None):
    """The three passes over ``cand_ids``/``cand_scores``, pairing in ``partner``
    (``work``: the rounds' work arrays, reusable across ticks)."""
    active = _pair_first_choices(partner, cand_ids)
    greedy_mutual_pairs(partner, cand_ids, cand_scores, active, work)
    _pair_the_rest(active, partner, cand_ids)


@njit(cache=True)
def _pair_first_choices(partner, cand_ids):
    """Pass 1; returns the agents taking part (free, with a list), ascending.
    (Each pass's steps run in one compiled call: fewer cached kernels to load.)"""
    active = listing_agents(partner, cand_ids)
    _mutual_first_choices(active, partner, cand_ids)
    return active


@njit(cache=True)
def _pair_the_rest(active, partner, cand_ids):
    """Pass 3 over those still free with a free candidate."""
    _take_first_free(_may_still_pair(active, partner, cand_ids), partner, cand_ids)


@njit(cache=True, parallel=True)
def _mutual_first_choices(active, partner, cand_ids):
    # Each agent has one first choice, so these pairs are disjoint: each is
    # written once, by its lower id, and read by no other iteration.
    for a in prange(active.shape[0]):
        i = active[a]
        j = cand_ids[i, 0]
        if j > i and partner[j] < 0 and cand_ids[j, 0] == i:
            pair_up(partner, i, j)


@njit(cache=True, parallel=True)
def _may_still_pair(active, partner, cand_ids):
    """The active agents still free with a free candidate, in order: the only
    ones the last pass can pair (pairs are only made, never undone, so an
    agent without a free candidate now has none later). Picked in parallel,
    so the serial pass visits only them."""
    may = np.empty(active.shape[0], dtype=np.bool_)
    for a in prange(active.shape[0]):
        i = active[a]
        may[a] = partner[i] < 0 and first_free_candidate(partner, cand_ids, i) >= 0
    return picked(active, may)


@njit(cache=True)
def _take_first_free(active, partner, cand_ids):
    for a in range(active.shape[0]):
        i = active[a]
        if partner[i] < 0:
            j = first_free_candidate(partner, cand_ids, i)
            if j >= 0:
                pair_up(partner, i, j)

"""``random`` matching: agents in a random order each take a random free
candidate from their list. The benchmark against which surplus-seeking
matching is measured; draws come from the run's seed."""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.protocols.context import hashed_uniform
from vmt.protocols.matching.common import pair_up
from vmt.protocols.registry import register


@register("matching", "random")
class RandomMatching:
    """Random order, random free candidate."""

    #: Pairs from partner lists alone: search may rank resources afterwards.
    reads_resources = False

    def __init__(self, params):
        self.params = params

    def match(self, ctx, candidates) -> None:
        ag = ctx.world.agents
        order = np.random.default_rng(int(ctx.tick_seed) ^ 0x5EED).permutation(ag.n)
        _random_match(ag.partner, candidates.partner_ids, order, ctx.tick_seed)


@njit(cache=True)
def _random_match(partner, cand_ids, order, seed):
    k = cand_ids.shape[1]
    for i in order:
        if partner[i] >= 0:
            continue
        free = 0
        for r in range(k):
            j = cand_ids[i, r]
            if j >= 0 and partner[j] < 0:
                free += 1
        if free == 0:
            continue
        pick = int(hashed_uniform(seed, i, 7) * free)
        for r in range(k):
            j = cand_ids[i, r]
            if j >= 0 and partner[j] < 0:
                if pick == 0:
                    pair_up(partner, i, j)
                    break
                pick -= 1

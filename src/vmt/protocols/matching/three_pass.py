"""``three_pass`` matching.

1. mutual first choices: ``i`` and ``j`` each rank the other first;
2. greedy by surplus over mutually acceptable pairs (both listed the other),
   best combined score first;
3. remaining agents, in id order, take their best still-free candidate.
"""

from __future__ import annotations

from numba import njit

from vmt.protocols.matching.common import candidate_edges, first_free_candidate, greedy_pairs, pair_up
from vmt.protocols.registry import register


@register("matching", "three_pass")
class ThreePassMatching:
    """Mutual first choices, then greedy by surplus, then the rest."""

    def __init__(self, params):
        self.params = params

    def match(self, ctx, candidates) -> None:
        _three_pass(ctx.world.agents.partner, candidates.partner_ids, candidates.partner_scores)


@njit(cache=True)
def _three_pass(partner, cand_ids, cand_scores):
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

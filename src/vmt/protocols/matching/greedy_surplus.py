"""``greedy_surplus`` matching: every listed pair, best combined score first."""

from __future__ import annotations

from vmt.protocols.matching.common import candidate_edges, greedy_pairs
from vmt.protocols.registry import register


@register("matching", "greedy_surplus")
class GreedySurplusMatching:
    """Pair greedily by combined distance-discounted expected surplus."""

    #: Pairs from partner lists alone: search may rank resources afterwards.
    reads_resources = False

    def __init__(self, params):
        self.params = params

    def match(self, ctx, candidates) -> None:
        lo, hi = candidate_edges(candidates.partner_ids, candidates.partner_scores, False)
        greedy_pairs(ctx.world.agents.partner, lo, hi)

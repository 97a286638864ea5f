"""``random_walk`` search: a zero-intelligence benchmark.

Agents do not rank by surplus: any visible agent with whom a trade is
expected to gain is an acceptable partner, ranked in a random order drawn
from the run's seed; an unmatched agent wanders to a random cell within its
move budget and forages only where it happens to stand.
"""

from __future__ import annotations

import numpy as np

from vmt.protocols.context import Candidates, TickContext
from vmt.protocols.registry import ProtocolParams, register
from vmt.protocols.search.distance_discounted import DistanceDiscountedSearch


class RandomWalkParams(ProtocolParams):
    step: int = 1  # cells per wander step (movement still capped by the move budget)


@register("search", "random_walk", RandomWalkParams)
class RandomWalkSearch(DistanceDiscountedSearch):
    """Random partner order; wander when unmatched."""

    randomise = True
    rank_resources = False  # no directed foraging

    def rank(self, ctx: TickContext) -> Candidates:
        out = super().rank(ctx)
        ag = ctx.world.agents
        rng = np.random.default_rng(int(ctx.tick_seed))
        dx = rng.integers(-self.params.step, self.params.step + 1, size=ag.n)
        dy = rng.integers(-self.params.step, self.params.step + 1, size=ag.n)
        out.wander_x = np.clip(ag.x + dx, 0, ctx.world.width - 1)
        out.wander_y = np.clip(ag.y + dy, 0, ctx.world.height - 1)
        return out

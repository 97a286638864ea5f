"""The part of every bargaining protocol that is not the negotiation itself.

Subclasses implement :meth:`BilateralBargainer.propose`, filling a
:class:`Proposals` from their own cached kernel; this base finds the pairs in
range and, in one pass (:func:`.common.conclude`), applies what was agreed,
marks the traders' quotes stale, and splits pairs that failed to agree (they
are kept apart for the cooldown).

An institution that forms price anchors sets :attr:`anchor_price` (an
(n, 3) array it keeps up to date, NaN where an agent has no anchor); with
the protocol parameter ``anchor: signal`` (the default) the kernels try the
anchored price first, with ``anchor: none`` they ignore it.
"""

from __future__ import annotations

import numpy as np

from vmt.protocols.bargaining.common import NO_ANCHORS, Proposals, conclude, max_block, proposals_in_range
from vmt.protocols.context import TickContext


class BilateralBargainer:
    def __init__(self, params):
        self.params = params
        self.anchor_price: np.ndarray | None = None

    def anchors(self) -> np.ndarray:
        """The (n, 3) anchors the kernels use, or zero rows when anchoring is off."""
        if self.params.anchor == "none" or self.anchor_price is None:
            return NO_ANCHORS
        return self.anchor_price

    @staticmethod
    def state_args(ctx: TickContext) -> tuple:
        """The world arrays every protocol kernel reads, in its argument order:
        family, utility params, λ, inventory, units, ask, bid, active pairs,
        largest block per pair."""
        ag, units = ctx.world.agents, ctx.world.units
        return (ag.family, ag.utility_params, ag.lambda_money, ag.inventory, units,
                ag.ask, ag.bid, ctx.pair_active, max_block(ctx, units))

    def propose(self, ctx: TickContext, proposals: Proposals) -> None:  # pragma: no cover
        raise NotImplementedError

    def trade(self, ctx: TickContext) -> Proposals:
        proposals = proposals_in_range(ctx)
        i, j = proposals.i, proposals.j
        if i.size:
            self.propose(ctx, proposals)
            ag, p = ctx.world.agents, proposals
            conclude(i, j, p.pair_type, p.buyer, p.seller, p.q1, p.q2, ag.inventory, ag.quotes_stale,
                     ag.partner, ag.cooldown_partner, ag.cooldown_until, ctx.tick + 1 + ctx.trade_cooldown_ticks)
        return proposals

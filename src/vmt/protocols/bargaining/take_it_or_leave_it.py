"""``take_it_or_leave_it`` bargaining.

One side (the proposer: the lower id, or drawn at random from the run's
seed) offers a price that leaves the responder only ``responder_share`` of
the quote gap: near the responder's own reservation price. The proposer
picks the block that maximises its own gain among those the responder still
strictly prefers to accept. With a price anchor the proposer first offers
the anchor clipped into [ask, bid] (the responder can trade at the going
price elsewhere), picking its best block there; if no block works at the
anchored price, it offers as above.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import njit, prange

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.common import (
    BargainingParams,
    anchored_price,
    ordered_pair_types,
    pair_anchor,
)
from vmt.protocols.context import hashed_uniform
from vmt.protocols.gains import block_gains, pair_goods
from vmt.protocols.registry import register


class TakeItOrLeaveItParams(BargainingParams):
    proposer: Literal["lower_id", "random"] = "lower_id"
    responder_share: float = 0.1  # share of the quote gap left to the responder, in [0, 1)


@register("bargaining", "take_it_or_leave_it", TakeItOrLeaveItParams)
class TakeItOrLeaveIt(BilateralBargainer):
    """The proposer extracts almost all of the surplus."""

    def propose(self, ctx, p) -> None:
        if not 0.0 <= self.params.responder_share < 1.0:
            raise ValueError("protocols.bargaining.params.responder_share must be in [0, 1)")
        _propose_all(
            p.i, p.j, *self.state_args(ctx),
            self.params.responder_share,
            self.params.proposer == "random", ctx.tick_seed, self.anchors(),
            *p.outputs(),
        )


@njit(cache=True, parallel=True)
def _propose_all(pi, pj, family, params, lam, inventory, units, ask, bid, pair_active,
                 max_q, share, random_proposer, seed, anchor, out_k, out_b, out_s, out_q1, out_q2):
    for p in prange(pi.shape[0]):
        i, j = pi[p], pj[p]
        proposer = i
        if random_proposer and hashed_uniform(seed, i, j) >= 0.5:
            proposer = j
        k, b, s, q1, q2 = _offer(i, j, proposer, family, params, lam, inventory, units, ask, bid,
                                 pair_active, max_q, share, anchor)
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p] = k, b, s, q1, q2


@njit(cache=True)
def _offer(i, j, proposer, family, params, lam, inventory, units, ask, bid, pair_active, max_q, share,
           anchor):
    n, ks, buyers, sellers = ordered_pair_types(i, j, ask, bid, pair_active)
    for c in range(n):
        k, b, s = ks[c], buyers[c], sellers[c]
        target = pair_anchor(b, s, k, anchor)
        if np.isfinite(target):
            q1, q2 = _best_block_for_proposer(k, b, s, proposer, anchored_price(target, ask[s, k], bid[b, k]),
                                              family, params, lam, inventory, units, max_q)
            if q1 > 0:
                return k, b, s, q1, q2
        gap = bid[b, k] - ask[s, k]
        price = ask[s, k] + share * gap if proposer == b else bid[b, k] - share * gap
        q1, q2 = _best_block_for_proposer(k, b, s, proposer, price, family, params, lam, inventory, units, max_q)
        if q1 > 0:
            return k, b, s, q1, q2
    return -1, -1, -1, 0, 0


@njit(cache=True)
def _best_block_for_proposer(k, b, s, proposer, price, family, params, lam, inventory, units, max_q):
    """The block at ``price`` best for the proposer among those both strictly gain from."""
    g1, g2 = pair_goods(k)
    best, best_q1, best_q2 = 0.0, 0, 0
    for q1 in range(1, min(max_q[k], inventory[s, g1]) + 1):
        q2 = max(1, int(round(price * q1 * units[g1] / units[g2])))
        gain_b, gain_s = block_gains(b, s, g1, g2, q1, q2, family, params, lam, inventory, units)
        own = gain_b if proposer == b else gain_s
        if gain_b > 0.0 and gain_s > 0.0 and own > best:
            best, best_q1, best_q2 = own, q1, q2
    return best_q1, best_q2

"""``take_it_or_leave_it`` bargaining.

One side (the proposer: the lower id, or drawn at random from the run's
seed) offers a real price that leaves the responder only ``responder_share``
of the gap between the two marginal valuations: near the responder's own
valuation. The block is the largest the proposer still wants at that price
(it does not overshoot its own demand) among those the responder strictly
gains from, at most the block size. With a price anchor the proposer first
offers the anchor (moved inside the valuations: the responder can trade at
the going price elsewhere); if nothing can be traded there, it offers as
above.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numba import njit, prange

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.blocks import anchored_target, block_cap, largest_block, settle, valuation_gaps
from vmt.protocols.bargaining.common import BargainingParams, pair_anchor
from vmt.protocols.bargaining.traders import GAINS, WANTS_MORE, trader
from vmt.protocols.context import hashed_uniform
from vmt.protocols.registry import register
from vmt.world.tuples import triple


class TakeItOrLeaveItParams(BargainingParams):
    proposer: Literal["lower_id", "random"] = "lower_id"
    responder_share: float = 0.1  # share of the valuation gap left to the responder, in [0, 1)


@register("bargaining", "take_it_or_leave_it", TakeItOrLeaveItParams)
class TakeItOrLeaveIt(BilateralBargainer):
    """The proposer extracts almost all of the surplus."""

    def propose(self, ctx, p) -> None:
        if not 0.0 <= self.params.responder_share < 1.0:
            raise ValueError("protocols.bargaining.params.responder_share must be in [0, 1)")
        _propose_all(
            p.i, p.j, *self.state_args(ctx), self.params.contract_curve_tolerance,
            self.params.responder_share, self.params.proposer == "random", ctx.tick_seed, self.anchors(),
            *p.outputs(), p.price,
        )


@njit(cache=True, parallel=True)
def _propose_all(pi, pj, family, params, lam, inventory, units, ask, bid, pair_active,
                 max_q, tolerance, share, random_proposer, seed, anchor,
                 out_k, out_b, out_s, out_q1, out_q2, out_price):
    active, blocks, unit = triple(pair_active), triple(max_q), triple(units)
    for p in prange(pi.shape[0]):
        i, j = pi[p], pj[p]
        proposer = i
        if random_proposer and hashed_uniform(seed, i, j) >= 0.5:
            proposer = j
        ti = trader(i, family, params, lam, inventory, units)
        tj = trader(j, family, params, lam, inventory, units)
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p], out_price[p] = _offer(
            i, j, ti, tj, proposer, active, blocks, unit, tolerance, share, anchor)


# inline: called once per pair inside a parallel loop; an out-of-line call
# counts references on its array arguments, an atomic write the threads share
@njit(cache=True, inline="always")
def _offer(i, j, ti, tj, proposer, active, max_q, units, tolerance, share, anchor):
    n, order, buyers, sellers, low, high = valuation_gaps(ti, tj, i, j, active, max_q, units, tolerance)
    for c in range(n):
        k = order[c]
        b, s = buyers[k], sellers[k]
        tb, ts = (ti, tj) if b == i else (tj, ti)
        target = pair_anchor(b, s, k, anchor)
        gap = high[k] - low[k]
        for anchored in (True, False):
            if anchored and not np.isfinite(target):
                continue
            if anchored:
                price = anchored_target(target, low[k], high[k])
            else:
                price = low[k] + share * gap if proposer == b else high[k] - share * gap
            q1 = _proposer_block(k, tb, ts, proposer == b, price, max_q, units)
            q1, q2 = settle(k, tb, ts, price, q1, units)
            if q1 > 0:
                return k, b, s, q1, q2, price
    return -1, -1, -1, 0, 0, np.nan


@njit(cache=True)
def _proposer_block(k, tb, ts, buyer_proposes, price, max_q, units):
    """The proposer's demand at ``price``, cut to what the responder strictly gains from."""
    cap = block_cap(k, tb, ts, price, max_q, units)
    proposer, responder = (tb, ts) if buyer_proposes else (ts, tb)
    own_side = 1 if buyer_proposes else -1
    q1 = largest_block(WANTS_MORE, proposer, own_side, k, price, cap, units)
    return largest_block(GAINS, responder, -own_side, k, price, q1, units)

"""``split_difference`` bargaining.

The pair aims at the midpoint of the seller's and the buyer's marginal
valuation (or the institution's anchor moved inside them) in the exchange
pair with the largest relative valuation gap, and trades the largest block,
up to the block size, from which both still strictly gain at that price.
Unlike ``compensating_block`` the block may carry one side past the point
where it stops wanting more at that price (it overshoots the contract
curve), as long as neither side loses.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.blocks import anchored_target, block_cap, largest_block, midpoint, settle, valuation_gaps
from vmt.protocols.bargaining.common import BargainingParams, pair_anchor
from vmt.protocols.bargaining.traders import GAINS, trader
from vmt.protocols.registry import register
from vmt.world.tuples import triple


@register("bargaining", "split_difference", BargainingParams)
class SplitDifference(BilateralBargainer):
    """Midpoint price, largest mutually beneficial block."""

    def propose(self, ctx, p) -> None:
        _propose_all(p.i, p.j, *self.state_args(ctx), self.params.contract_curve_tolerance,
                     self.anchors(), *p.outputs(), p.price)


@njit(cache=True, parallel=True)
def _propose_all(pi, pj, family, params, lam, inventory, units, ask, bid, pair_active,
                 max_q, tolerance, anchor, out_k, out_b, out_s, out_q1, out_q2, out_price):
    active, blocks, unit = triple(pair_active), triple(max_q), triple(units)
    for p in prange(pi.shape[0]):
        i, j = pi[p], pj[p]
        ti = trader(i, family, params, lam, inventory, units)
        tj = trader(j, family, params, lam, inventory, units)
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p], out_price[p] = _midpoint_trade(
            i, j, ti, tj, active, blocks, unit, tolerance, anchor)


# inline: called once per pair inside a parallel loop; an out-of-line call
# counts references on its array arguments, an atomic write the threads share
@njit(cache=True, inline="always")
def _midpoint_trade(i, j, ti, tj, active, max_q, units, tolerance, anchor):
    n, order, buyers, sellers, low, high = valuation_gaps(ti, tj, i, j, active, max_q, units, tolerance)
    for c in range(n):
        k = order[c]
        b, s = buyers[k], sellers[k]
        tb, ts = (ti, tj) if b == i else (tj, ti)
        target = pair_anchor(b, s, k, anchor)
        for anchored in (True, False):
            if anchored and not np.isfinite(target):
                continue
            price = anchored_target(target, low[k], high[k]) if anchored else midpoint(low[k], high[k])
            cap = block_cap(k, tb, ts, price, max_q, units)
            q1 = largest_block(GAINS, tb, 1, k, price, cap, units)
            q1 = largest_block(GAINS, ts, -1, k, price, q1, units)
            q1, q2 = settle(k, tb, ts, price, q1, units)
            if q1 > 0:
                return k, b, s, q1, q2, price
    return -1, -1, -1, 0, 0, np.nan

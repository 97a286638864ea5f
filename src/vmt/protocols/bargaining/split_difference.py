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
from vmt.protocols.bargaining.blocks import (
    GAINS,
    anchored_target,
    block_cap,
    largest_block,
    midpoint,
    settle,
    valuation_gaps,
)
from vmt.protocols.bargaining.common import BargainingParams, pair_anchor
from vmt.protocols.registry import register


@register("bargaining", "split_difference", BargainingParams)
class SplitDifference(BilateralBargainer):
    """Midpoint price, largest mutually beneficial block."""

    def propose(self, ctx, p) -> None:
        _propose_all(p.i, p.j, *self.state_args(ctx), self.params.contract_curve_tolerance,
                     self.anchors(), *p.outputs(), p.price)


@njit(cache=True, parallel=True)
def _propose_all(pi, pj, family, params, lam, inventory, units, ask, bid, pair_active,
                 max_q, tolerance, anchor, out_k, out_b, out_s, out_q1, out_q2, out_price):
    for p in prange(pi.shape[0]):
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p], out_price[p] = _midpoint_trade(
            pi[p], pj[p], family, params, lam, inventory, units, pair_active, max_q, tolerance, anchor)


@njit(cache=True)
def _midpoint_trade(i, j, family, params, lam, inventory, units, pair_active, max_q, tolerance, anchor):
    n, ks, buyers, sellers, low, high = valuation_gaps(i, j, family, params, lam, inventory, units,
                                                       pair_active, max_q, tolerance)
    for c in range(n):
        k, b, s = ks[c], buyers[c], sellers[c]
        target = pair_anchor(b, s, k, anchor)
        for anchored in (True, False):
            if anchored and not np.isfinite(target):
                continue
            price = anchored_target(target, low[c], high[c]) if anchored else midpoint(low[c], high[c])
            cap = block_cap(k, b, s, price, max_q, inventory, units)
            q1 = largest_block(GAINS, b, 1, k, price, cap, family, params, lam, inventory, units)
            q1 = largest_block(GAINS, s, -1, k, price, q1, family, params, lam, inventory, units)
            q1, q2 = settle(k, b, s, price, q1, family, params, lam, inventory, units)
            if q1 > 0:
                return k, b, s, q1, q2, price
    return -1, -1, -1, 0, 0, np.nan

"""``compensating_block`` bargaining (the default).

In the exchange pair with the largest relative gap between the two traders'
marginal valuations (then the next), the pair aims at the midpoint of the
seller's and the buyer's valuation, or at the price anchor handed by the
institution when there is one (moved inside the valuations; the midpoint if
nothing can be traded there). The block is the short side at that price:
the smaller of what the buyer still wants to buy and the seller still wants
to sell there, at most the block size (``params.max_trade_quantity`` real
units). Neither side overshoots, so meeting after meeting the two
valuations close in on each other until they are within the contract-curve
tolerance (see :mod:`.blocks`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.blocks import anchored_target, midpoint, settle, short_side, valuation_gaps
from vmt.protocols.bargaining.common import BargainingParams, pair_anchor
from vmt.protocols.bargaining.traders import trader
from vmt.protocols.registry import register
from vmt.world.tuples import triple


@register("bargaining", "compensating_block", BargainingParams)
class CompensatingBlock(BilateralBargainer):
    """Midpoint (or anchored) price, the short side's block."""

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
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p], out_price[p] = _midpoint_block(
            i, j, ti, tj, active, blocks, unit, tolerance, anchor)


# inline: called once per pair inside a parallel loop; an out-of-line call
# counts references on its array arguments, an atomic write the threads share
@njit(cache=True, inline="always")
def _midpoint_block(i, j, ti, tj, active, max_q, units, tolerance, anchor):
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
            q1 = short_side(k, tb, ts, price, max_q, units)
            q1, q2 = settle(k, tb, ts, price, q1, units)
            if q1 > 0:
                return k, b, s, q1, q2, price
    return -1, -1, -1, 0, 0, np.nan

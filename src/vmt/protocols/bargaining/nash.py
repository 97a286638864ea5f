"""``nash`` bargaining: the trade maximising the Nash product.

For each exchange pair with a valuation gap beyond the contract-curve
tolerance, ``price_candidates`` real prices spread evenly strictly inside
[seller's valuation, buyer's valuation] are tried, each with its short-side
block (neither side overshoots; see :mod:`.blocks`), and the trade with the
largest product of the two utility gains ``du_buyer du_seller`` is made (the
disagreement point is no trade; ties keep the lower price). With a price
anchor, the anchored price alone is tried first.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from pydantic import Field

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.blocks import anchored_target, settle, short_side, valuation_gaps
from vmt.protocols.bargaining.common import BargainingParams, pair_anchor
from vmt.protocols.gains import block_gains, pair_goods
from vmt.protocols.registry import register


class NashParams(BargainingParams):
    price_candidates: int = Field(15, ge=1, le=1000)  # real prices tried between the two valuations


@register("bargaining", "nash", NashParams)
class NashBargaining(BilateralBargainer):
    """Maximise the product of the two utility gains."""

    def propose(self, ctx, p) -> None:
        _propose_all(p.i, p.j, *self.state_args(ctx), self.params.contract_curve_tolerance,
                     self.params.price_candidates, self.anchors(), *p.outputs(), p.price)


@njit(cache=True, parallel=True)
def _propose_all(pi, pj, family, params, lam, inventory, units, ask, bid, pair_active,
                 max_q, tolerance, candidates, anchor, out_k, out_b, out_s, out_q1, out_q2, out_price):
    for p in prange(pi.shape[0]):
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p], out_price[p] = _nash_trade(
            pi[p], pj[p], family, params, lam, inventory, units, pair_active, max_q, tolerance,
            candidates, anchor)


@njit(cache=True)
def _nash_trade(i, j, family, params, lam, inventory, units, pair_active, max_q, tolerance, candidates,
                anchor):
    n, ks, buyers, sellers, low, high = valuation_gaps(i, j, family, params, lam, inventory, units,
                                                       pair_active, max_q, tolerance)
    for anchored in (True, False):
        best, result = 0.0, (-1, -1, -1, 0, 0, np.nan)
        for c in range(n):
            k, b, s = ks[c], buyers[c], sellers[c]
            target = pair_anchor(b, s, k, anchor)
            if anchored and not np.isfinite(target):
                continue
            g1, g2 = pair_goods(k)
            for t in range(1 if anchored else candidates):
                price = (anchored_target(target, low[c], high[c]) if anchored
                         else low[c] + (t + 1) * (high[c] - low[c]) / (candidates + 1))
                q1 = short_side(k, b, s, price, max_q, family, params, lam, inventory, units)
                q1, q2 = settle(k, b, s, price, q1, family, params, lam, inventory, units)
                if q1 == 0:
                    continue
                gain_b, gain_s = block_gains(b, s, g1, g2, q1, q2, family, params, lam, inventory, units)
                if gain_b * gain_s > best:
                    best, result = gain_b * gain_s, (k, b, s, q1, q2, price)
        if result[0] >= 0:
            return result
    return (-1, -1, -1, 0, 0, np.nan)

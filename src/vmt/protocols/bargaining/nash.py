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
from vmt.protocols.bargaining.traders import block_gains, trader
from vmt.protocols.registry import register
from vmt.world.tuples import triple


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
    active, blocks, unit = triple(pair_active), triple(max_q), triple(units)
    for p in prange(pi.shape[0]):
        i, j = pi[p], pj[p]
        ti = trader(i, family, params, lam, inventory, units)
        tj = trader(j, family, params, lam, inventory, units)
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p], out_price[p] = _nash_trade(
            i, j, ti, tj, active, blocks, unit, tolerance, candidates, anchor)


# inline: called once per pair inside a parallel loop; an out-of-line call
# counts references on its array arguments, an atomic write the threads share
@njit(cache=True, inline="always")
def _nash_trade(i, j, ti, tj, active, max_q, units, tolerance, candidates, anchor):
    n, order, buyers, sellers, low, high = valuation_gaps(ti, tj, i, j, active, max_q, units, tolerance)
    for anchored in (True, False):
        best, result = 0.0, (-1, -1, -1, 0, 0, np.nan)
        for c in range(n):
            k = order[c]
            b, s = buyers[k], sellers[k]
            tb, ts = (ti, tj) if b == i else (tj, ti)
            target = pair_anchor(b, s, k, anchor)
            if anchored and not np.isfinite(target):
                continue
            for t in range(1 if anchored else candidates):
                price = (anchored_target(target, low[k], high[k]) if anchored
                         else low[k] + (t + 1) * (high[k] - low[k]) / (candidates + 1))
                q1 = short_side(k, tb, ts, price, max_q, units)
                q1, q2 = settle(k, tb, ts, price, q1, units)
                if q1 == 0:
                    continue
                gain_b, gain_s = block_gains(tb, ts, k, q1, q2, units)
                if gain_b * gain_s > best:
                    best, result = gain_b * gain_s, (k, b, s, q1, q2, price)
        if result[0] >= 0:
            return result
    return (-1, -1, -1, 0, 0, np.nan)

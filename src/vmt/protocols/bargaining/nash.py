"""``nash`` bargaining: the discrete trade maximising the Nash product.

Over every exchange pair with a positive quote gap, every block up to the
maximum and a ladder of integer payments between ask and bid, pick the trade
maximising ``Δu_buyer · Δu_seller`` with both gains strictly positive (the
disagreement point is no trade). Ties keep the first found: the larger
relative quote gap, the smaller block, the payment nearer the midpoint.
With a price anchor, the search is first restricted to the payment nearest
the anchor for each block; the full search runs only if no block there
benefits both.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.common import (
    BargainingParams,
    anchored_payment,
    ladder,
    ordered_pair_types,
    pair_anchor,
    payment_range,
)
from vmt.protocols.gains import block_gains, pair_goods
from vmt.protocols.registry import register


class NashParams(BargainingParams):
    price_candidates: int = 15


@register("bargaining", "nash", NashParams)
class NashBargaining(BilateralBargainer):
    """Maximise the product of the two utility gains over discrete trades."""

    def propose(self, ctx, p) -> None:
        _propose_all(
            p.i, p.j, *self.state_args(ctx),
            self.params.price_candidates,
            self.anchors(), *p.outputs(),
        )


@njit(cache=True, parallel=True)
def _propose_all(pi, pj, family, params, lam, inventory, units, ask, bid, pair_active,
                 max_q, candidates, anchor, out_k, out_b, out_s, out_q1, out_q2):
    for p in prange(pi.shape[0]):
        k, b, s, q1, q2 = _nash_trade(pi[p], pj[p], family, params, lam, inventory, units, ask, bid,
                                      pair_active, max_q, candidates, anchor)
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p] = k, b, s, q1, q2


@njit(cache=True)
def _nash_trade(i, j, family, params, lam, inventory, units, ask, bid, pair_active, max_q, candidates,
                anchor):
    n, ks, buyers, sellers = ordered_pair_types(i, j, ask, bid, pair_active)
    for anchored in (True, False):  # the anchored payments first, then every ladder payment
        best = 0.0
        result = (-1, -1, -1, 0, 0)
        for c in range(n):
            k, b, s = ks[c], buyers[c], sellers[c]
            target = pair_anchor(b, s, k, anchor)
            if anchored and not np.isfinite(target):
                continue
            g1, g2 = pair_goods(k)
            for q1 in range(1, min(max_q[k], inventory[s, g1]) + 1):
                lo, hi = payment_range(k, b, s, q1, ask, bid, units)
                for t in range(1 if anchored else 2 * candidates + 1):
                    q2 = anchored_payment(target, k, q1, lo, hi, units) if anchored else ladder(t, lo, hi, candidates)
                    if q2 < 0:
                        continue
                    gain_b, gain_s = block_gains(b, s, g1, g2, q1, q2, family, params, lam, inventory, units)
                    if gain_b > 0.0 and gain_s > 0.0 and gain_b * gain_s > best:
                        best = gain_b * gain_s
                        result = (k, b, s, q1, q2)
        if result[0] >= 0:
            return result
    return (-1, -1, -1, 0, 0)

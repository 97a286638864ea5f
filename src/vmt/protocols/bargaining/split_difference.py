"""``split_difference`` bargaining.

The pair trades at the midpoint of the seller's ask and the buyer's bid in
the exchange pair with the largest relative quote gap (then the next), and
the quantity is the largest block up to the maximum at which both still
strictly gain at that price (rounded to whole minor units of payment).
With a price anchor, the price is first the anchor clipped into
[ask, bid]; if no block works there, the midpoint.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.common import (
    BargainingParams,
    anchored_price,
    ordered_pair_types,
    pair_anchor,
)
from vmt.protocols.gains import block_gains, pair_goods
from vmt.protocols.registry import register


@register("bargaining", "split_difference", BargainingParams)
class SplitDifference(BilateralBargainer):
    """Midpoint price, largest mutually beneficial quantity."""

    def propose(self, ctx, p) -> None:
        _propose_all(
            p.i, p.j, *self.state_args(ctx),
            self.anchors(),
            *p.outputs(),
        )


@njit(cache=True, parallel=True)
def _propose_all(pi, pj, family, params, lam, inventory, units, ask, bid, pair_active,
                 max_q, anchor, out_k, out_b, out_s, out_q1, out_q2):
    for p in prange(pi.shape[0]):
        k, b, s, q1, q2 = _midpoint_trade(pi[p], pj[p], family, params, lam, inventory, units, ask, bid,
                                          pair_active, max_q, anchor)
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p] = k, b, s, q1, q2


@njit(cache=True)
def _midpoint_trade(i, j, family, params, lam, inventory, units, ask, bid, pair_active, max_q, anchor):
    n, ks, buyers, sellers = ordered_pair_types(i, j, ask, bid, pair_active)
    for c in range(n):
        k, b, s = ks[c], buyers[c], sellers[c]
        target = pair_anchor(b, s, k, anchor)
        if np.isfinite(target):
            q1, q2 = _largest_block(k, b, s, anchored_price(target, ask[s, k], bid[b, k]),
                                    family, params, lam, inventory, units, max_q)
            if q1 > 0:
                return k, b, s, q1, q2
        q1, q2 = _largest_block(k, b, s, 0.5 * (ask[s, k] + bid[b, k]), family, params, lam, inventory,
                                units, max_q)
        if q1 > 0:
            return k, b, s, q1, q2
    return -1, -1, -1, 0, 0


@njit(cache=True)
def _largest_block(k, b, s, price, family, params, lam, inventory, units, max_q):
    """Largest block at ``price`` (rounded payment) that both strictly gain from."""
    g1, g2 = pair_goods(k)
    best_q1, best_q2 = 0, 0
    for q1 in range(1, min(max_q[k], inventory[s, g1]) + 1):
        q2 = max(1, int(round(price * q1 * units[g1] / units[g2])))
        gain_b, gain_s = block_gains(b, s, g1, g2, q1, q2, family, params, lam, inventory, units)
        if not (gain_b > 0.0 and gain_s > 0.0):
            break
        best_q1, best_q2 = q1, q2
    return best_q1, best_q2

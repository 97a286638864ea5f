"""``compensating_block`` bargaining.

For each exchange pair with a positive quote gap (largest relative gap
first), scan blocks of the first good ``q = 1, 2, …, max`` and, for each,
integer payments between the seller's ask and the buyer's bid fanning out
from the midpoint; execute the first block that strictly raises both
utilities. Larger blocks let integer goods trade when no one-unit price
fits between the quotes (the "compensating" block). With a price anchor, the
blocks are first scanned at the payment closest to the anchor (see
``common``), then as above.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.common import (
    BargainingParams,
    anchored_payment,
    ladder_around,
    ordered_pair_types,
    pair_anchor,
    payment_range,
)
from vmt.protocols.gains import block_gains, pair_goods
from vmt.protocols.registry import register


@register("bargaining", "compensating_block", BargainingParams)
class CompensatingBlock(BilateralBargainer):
    """First mutually beneficial block, smallest quantity, price nearest the midpoint."""

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
        k, b, s, q1, q2 = _first_block(pi[p], pj[p], family, params, lam, inventory, units, ask, bid,
                                       pair_active, max_q, candidates, anchor)
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p] = k, b, s, q1, q2


@njit(cache=True)
def _first_block(i, j, family, params, lam, inventory, units, ask, bid, pair_active, max_q, candidates,
                 anchor):
    n, ks, buyers, sellers = ordered_pair_types(i, j, ask, bid, pair_active)
    for c in range(n):
        k, b, s = ks[c], buyers[c], sellers[c]
        target = pair_anchor(b, s, k, anchor)
        tries = 1 if np.isfinite(target) else 0
        for anchored in range(tries, -1, -1):  # the anchored scan (if any), then the ladder
            q1, q2 = _scan_blocks(k, b, s, family, params, lam, inventory, units, ask, bid, max_q,
                                  candidates, target, anchored == 1)
            if q1 > 0:
                return k, b, s, q1, q2
    return -1, -1, -1, 0, 0


@njit(cache=True)
def _scan_blocks(k, b, s, family, params, lam, inventory, units, ask, bid, max_q, candidates,
                 target, anchored):
    """Smallest block with a payment both strictly gain from: at the payment
    nearest ``target`` when ``anchored``, else down the midpoint ladder."""
    g1, g2 = pair_goods(k)
    for q1 in range(1, max_q[k] + 1):
        if inventory[s, g1] < q1:
            break
        lo, hi = payment_range(k, b, s, q1, ask, bid, units)
        centre = anchored_payment(target, k, q1, lo, hi, units) if anchored else (lo + hi) // 2
        for t in range(4 * candidates + 1 if anchored else 2 * candidates + 1):
            q2 = ladder_around(t, centre, lo, hi, candidates)
            if q2 < 0:
                continue
            gain_b, gain_s = block_gains(b, s, g1, g2, q1, q2, family, params, lam, inventory, units)
            if gain_b > 0.0 and gain_s > 0.0:
                return q1, q2
    return 0, 0

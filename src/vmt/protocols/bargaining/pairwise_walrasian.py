"""``pairwise_walrasian`` bargaining: the pair moves to its contract curve at once.

The literature's reference point for decentralised exchange (Axtell 2005,
"The complexity of exchange", Economic Journal 115, F193-F210): two agents
who meet trade at the competitive price of the two-agent economy they form,
where what the buyer wants to buy equals what the seller wants to sell, and
both end on the pair's contract curve with their marginal valuations equal
to that price. The price lies between their valuations, so both gain.

The price is found by bisection on its logarithm inside [seller's valuation,
buyer's valuation]: above the pair's clearing price the seller offers more
than the buyer takes (see :func:`.blocks.largest_block`). The block size
does not limit the trade; the traders' holdings do. Anchors are ignored:
this protocol is the benchmark that price signals are measured against.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.blocks import WANTS_MORE, block_cap, largest_block, settle, valuation_gaps
from vmt.protocols.bargaining.common import BargainingParams
from vmt.protocols.registry import register

_UNLIMITED = np.int64(2) ** 60  # no block limit: holdings bound the trade
_PRICE_BISECTIONS = 60


@register("bargaining", "pairwise_walrasian", BargainingParams)
class PairwiseWalrasian(BilateralBargainer):
    """Both traders move to the pair's contract curve at its clearing price."""

    def propose(self, ctx, p) -> None:
        args = self.state_args(ctx)
        unlimited = np.full(3, _UNLIMITED, dtype=np.int64)
        _propose_all(p.i, p.j, *args[:-1], unlimited, self.params.contract_curve_tolerance, *p.outputs(), p.price)


@njit(cache=True, parallel=True)
def _propose_all(pi, pj, family, params, lam, inventory, units, ask, bid, pair_active,
                 max_q, tolerance, out_k, out_b, out_s, out_q1, out_q2, out_price):
    for p in prange(pi.shape[0]):
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p], out_price[p] = _clearing_trade(
            pi[p], pj[p], family, params, lam, inventory, units, pair_active, max_q, tolerance)


@njit(cache=True)
def _wants(k, b, s, price, max_q, family, params, lam, inventory, units):
    cap = block_cap(k, b, s, price, max_q, inventory, units)
    bought = largest_block(WANTS_MORE, b, 1, k, price, cap, family, params, lam, inventory, units)
    sold = largest_block(WANTS_MORE, s, -1, k, price, cap, family, params, lam, inventory, units)
    return bought, sold


@njit(cache=True)
def _clearing_trade(i, j, family, params, lam, inventory, units, pair_active, max_q, tolerance):
    n, ks, buyers, sellers, low, high = valuation_gaps(i, j, family, params, lam, inventory, units,
                                                       pair_active, max_q, tolerance)
    for c in range(n):
        k, b, s = ks[c], buyers[c], sellers[c]
        lo, hi = np.log(max(low[c], 1e-300)), np.log(high[c])
        for _ in range(_PRICE_BISECTIONS):
            mid = 0.5 * (lo + hi)
            bought, sold = _wants(k, b, s, np.exp(mid), max_q, family, params, lam, inventory, units)
            if bought > sold:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-9:
                break
        price = np.exp(0.5 * (lo + hi))
        bought, sold = _wants(k, b, s, price, max_q, family, params, lam, inventory, units)
        q1, q2 = settle(k, b, s, price, min(bought, sold), family, params, lam, inventory, units)
        if q1 > 0:
            return k, b, s, q1, q2, price
    return -1, -1, -1, 0, 0, np.nan

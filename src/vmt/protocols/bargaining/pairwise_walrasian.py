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
from vmt.protocols.bargaining.blocks import block_cap, largest_block, settle, valuation_gaps
from vmt.protocols.bargaining.common import BargainingParams
from vmt.protocols.bargaining.traders import WANTS_MORE, trader
from vmt.protocols.registry import register
from vmt.world.tuples import triple

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
    active, blocks, unit = triple(pair_active), triple(max_q), triple(units)
    for p in prange(pi.shape[0]):
        i, j = pi[p], pj[p]
        ti = trader(i, family, params, lam, inventory, units)
        tj = trader(j, family, params, lam, inventory, units)
        out_k[p], out_b[p], out_s[p], out_q1[p], out_q2[p], out_price[p] = _clearing_trade(
            i, j, ti, tj, active, blocks, unit, tolerance)


@njit(cache=True)
def _wants(k, tb, ts, price, max_q, units):
    cap = block_cap(k, tb, ts, price, max_q, units)
    bought = largest_block(WANTS_MORE, tb, 1, k, price, cap, units)
    sold = largest_block(WANTS_MORE, ts, -1, k, price, cap, units)
    return bought, sold


@njit(cache=True)
def _clearing_trade(i, j, ti, tj, active, max_q, units, tolerance):
    n, order, buyers, sellers, low, high = valuation_gaps(ti, tj, i, j, active, max_q, units, tolerance)
    for c in range(n):
        k = order[c]
        b, s = buyers[k], sellers[k]
        tb, ts = (ti, tj) if b == i else (tj, ti)
        lo, hi = np.log(max(low[k], 1e-300)), np.log(high[k])
        for _ in range(_PRICE_BISECTIONS):
            mid = 0.5 * (lo + hi)
            bought, sold = _wants(k, tb, ts, np.exp(mid), max_q, units)
            if bought > sold:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-9:
                break
        price = np.exp(0.5 * (lo + hi))
        bought, sold = _wants(k, tb, ts, price, max_q, units)
        q1, q2 = settle(k, tb, ts, price, min(bought, sold), units)
        if q1 > 0:
            return k, b, s, q1, q2, price
    return -1, -1, -1, 0, 0, np.nan

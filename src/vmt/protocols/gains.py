"""Expected and realised gains from trade, shared by search and bargaining.

*Expected* gain (search): what agent ``i`` would gain from a one-unit trade
with ``j`` at the midpoint of their quotes, maximised over the exchange pairs
the regime allows and over both directions. Quotes are reservation prices, so
a positive quote gap means both sides expect to gain.

*Realised* gain (bargaining): the exact utility change of a concrete discrete
trade, :func:`block_gains`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.world.valuation import holdings_utility, real_holdings, trade_gain, trade_gain_from


@njit(cache=True, inline='always')
def pair_goods(k):
    """(first good, second good) of exchange pair ``k``."""
    if k == 0:
        return 0, 1
    if k == 1:
        return 0, 2
    return 1, 2


@njit(cache=True)
def expected_trade_gain(i, j, family, params, lam, inventory, units, ask, bid, pair_active):
    """Best one-unit midpoint-price gain for ``i`` trading with ``j`` (0 if none)."""
    held = real_holdings(inventory, units, i)
    before_u = holdings_utility(family[i], params[i], lam[i], held[0], held[1], held[2])
    return expected_trade_gain_from(i, j, held, before_u, family, params, lam, units, ask, bid, pair_active)


@njit(cache=True)
def expected_trade_gain_from(i, j, held, before_u, family, params, lam, units, ask, bid, pair_active):
    """:func:`expected_trade_gain` given ``i``'s real holdings and their utility.

    A scan over many neighbours of ``i`` evaluates ``u(held)`` once, not once
    per neighbour and direction.
    """
    best = 0.0
    for k in range(3):
        if pair_active[k]:
            best = midpoint_gain(best, family[i], params[i], lam[i], held, before_u, units, k,
                                 bid[i, k], ask[i, k], bid[j, k], ask[j, k])
    return best


@njit(cache=True)
def midpoint_gain(best, code, p, lam, held, before_u, units, k, bid_i, ask_i, bid_j, ask_j):
    """``max(best, gains)`` over both directions of pair ``k`` for ``i``
    (utility ``code``/``p``/``lam``, holding ``held`` of utility ``before_u``)
    trading one unit of the pair's first good at the midpoint of the quotes,
    where they cross: ``i`` buys when ``bid_i > ask_j``, sells when
    ``bid_j > ask_i``."""
    g1, g2 = pair_goods(k)
    unit = units[g1]
    if bid_i > ask_j:  # i buys g1 from j
        price = 0.5 * (bid_i + ask_j)
        best = max(best, trade_gain_from(code, p, lam, held, before_u, g1, unit, g2, price * unit))
    if bid_j > ask_i:  # i sells g1 to j
        price = 0.5 * (bid_j + ask_i)
        best = max(best, trade_gain_from(code, p, lam, held, before_u, g2, price * unit, g1, unit))
    return best


@njit(cache=True)
def block_gains(buyer, seller, g1, g2, q1, q2, family, params, lam, inventory, units):
    """Utility gains (buyer, seller) when ``buyer`` gets ``q1`` minor units of
    ``g1`` from ``seller`` and pays ``q2`` minor units of ``g2``.

    ``-inf`` for a side that cannot deliver.
    """
    held_b = real_holdings(inventory, units, buyer)
    held_s = real_holdings(inventory, units, seller)
    real1, real2 = q1 * units[g1], q2 * units[g2]
    gain_b = trade_gain(family[buyer], params[buyer], lam[buyer], held_b, g1, real1, g2, real2)
    gain_s = trade_gain(family[seller], params[seller], lam[seller], held_s, g2, real2, g1, real1)
    return gain_b, gain_s


@njit(cache=True)
def quote_gap(i, j, k, ask, bid):
    """Relative quote gap of pair ``k`` and who buys: (gap, buyer, seller).

    gap = (bid − ask) / midpoint of the better direction; ≤ 0 means no trade
    is expected in that pair.
    """
    gap_ij = _relative_gap(bid[i, k], ask[j, k])
    gap_ji = _relative_gap(bid[j, k], ask[i, k])
    if gap_ij >= gap_ji:
        return gap_ij, i, j
    return gap_ji, j, i


@njit(cache=True)
def _relative_gap(bid_price, ask_price):
    if not (bid_price > ask_price) or not np.isfinite(ask_price):
        return -1.0
    return (bid_price - ask_price) / (0.5 * (bid_price + ask_price))

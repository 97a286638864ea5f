"""Real prices, economic block sizes, and the contract-curve stop for bilateral trade.

Three things are kept apart (see ``docs/economics.md``):

* the *price* a protocol aims at is a real number chosen by its rule from the
  two traders' marginal valuations (:func:`valuation`: the MRS in A<->B,
  ``MU_g / lambda`` against money);
* the *trade size* is an economic choice in real units: at most the block
  size (``params.max_trade_quantity`` real units of the pair's first good),
  shrinking toward the minor unit when a larger block would overshoot;
* the *accounting unit* only rounds the payment: ``q2 = round(price q1
  u1 / u2)`` minor units, and a trade whose rounding moves its price by more
  than ``PRICE_RESOLUTION`` (0.1%) is not made.

Trade in a pair goes on, meeting after meeting, while the buyer's valuation
exceeds the seller's by more than the contract-curve tolerance; once the two
are within it the pair has reached the contract curve and parts.

"Wants more at price p": after trading ``q1`` at ``p`` the buyer still values
the first good at least at ``p`` (the seller at most at ``p``). For convex
preferences this holds for every ``q1`` up to the agent's demand at ``p``, so
the largest such block is found by bisection on ``q1``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.economics.kernels import marginal_utilities, mrs
from vmt.protocols.gains import block_gains, pair_goods

#: Largest relative change of a trade's price that rounding the payment may cause.
PRICE_RESOLUTION = 1e-3

WANTS_MORE = 0  # the agent still values the good on its side of the price
GAINS = 1  # the agent's utility strictly rises


@njit(cache=True)
def valuation(code, params, lam, a, b, k):
    """Marginal valuation of pair ``k``'s first good in its second: MRS for A<->B,
    ``MU_A / lambda`` for A<->M, ``MU_B / lambda`` for B<->M (real units)."""
    if k == 0:
        return mrs(code, params, a, b)
    mu_a, mu_b = marginal_utilities(code, params, a, b)
    return (mu_a if k == 1 else mu_b) / lam


@njit(cache=True)
def agent_valuation(i, k, family, params, lam, inventory, units):
    """:func:`valuation` of agent ``i`` at its current holdings."""
    return valuation(family[i], params[i], lam[i], inventory[i, 0] * units[0], inventory[i, 1] * units[1], k)


@njit(cache=True)
def payment(price, k, q1, units):
    """Minor units of the second good paid for ``q1`` minor units of the first at ``price``."""
    g1, g2 = pair_goods(k)
    return int(np.floor(price * q1 * units[g1] / units[g2] + 0.5))


@njit(cache=True)
def _valuation_after(agent, side, k, q1, q2, family, params, lam, inventory, units):
    g1, g2 = pair_goods(k)
    a, b, m = inventory[agent, 0] * units[0], inventory[agent, 1] * units[1], inventory[agent, 2] * units[2]
    d1, d2 = side * q1 * units[g1], -side * q2 * units[g2]
    a += (d1 if g1 == 0 else 0.0) + (d2 if g2 == 0 else 0.0)
    b += (d1 if g1 == 1 else 0.0) + (d2 if g2 == 1 else 0.0)
    m += d2 if g2 == 2 else 0.0
    if a < 0.0 or b < 0.0 or m < 0.0:
        return np.nan
    return valuation(family[agent], params[agent], lam[agent], a, b, k)


@njit(cache=True)
def acceptable(mode, agent, side, k, price, q1, family, params, lam, inventory, units):
    """Whether ``agent`` (``side`` +1 buys, -1 sells) accepts ``q1`` at ``price``:
    ``WANTS_MORE`` (its valuation stays on its side of the price) or ``GAINS``
    (its utility strictly rises)."""
    q2 = payment(price, k, q1, units)
    if mode == GAINS:
        g1, g2 = pair_goods(k)
        other = agent  # block_gains needs two agents; only ``agent``'s side is read
        if side > 0:
            return block_gains(agent, other, g1, g2, q1, q2, family, params, lam, inventory, units)[0] > 0.0
        return block_gains(other, agent, g1, g2, q1, q2, family, params, lam, inventory, units)[1] > 0.0
    after = _valuation_after(agent, side, k, q1, q2, family, params, lam, inventory, units)
    return after >= price if side > 0 else after <= price


@njit(cache=True)
def largest_block(mode, agent, side, k, price, cap, family, params, lam, inventory, units):
    """Largest ``q1`` in [0, cap] (minor units) that ``agent`` accepts at ``price``
    (:func:`acceptable`), by bisection; 0 if not even one minor unit."""
    if cap < 1 or not acceptable(mode, agent, side, k, price, 1, family, params, lam, inventory, units):
        return 0
    if acceptable(mode, agent, side, k, price, cap, family, params, lam, inventory, units):
        return cap
    lo, hi = 1, cap  # lo accepted, hi refused
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if acceptable(mode, agent, side, k, price, mid, family, params, lam, inventory, units):
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def block_cap(k, buyer, seller, price, max_q, inventory, units):
    """Largest block the pair can settle at ``price``: the block size, what the
    seller holds, and what the buyer can pay."""
    g1, g2 = pair_goods(k)
    affordable = inventory[buyer, g2] * units[g2] / (price * units[g1]) if price > 0.0 else 0.0
    return int(min(max_q[k], inventory[seller, g1], np.floor(affordable)))


@njit(cache=True)
def short_side(k, buyer, seller, price, max_q, family, params, lam, inventory, units):
    """The block neither side overshoots at ``price``: the smaller of what the
    buyer still wants to buy and the seller to sell there (capped)."""
    cap = block_cap(k, buyer, seller, price, max_q, inventory, units)
    wanted = largest_block(WANTS_MORE, buyer, 1, k, price, cap, family, params, lam, inventory, units)
    return largest_block(WANTS_MORE, seller, -1, k, price, wanted, family, params, lam, inventory, units)


@njit(cache=True)
def settle(k, buyer, seller, price, q1, family, params, lam, inventory, units):
    """``(q1, q2)`` when ``q1`` at ``price`` is a trade both strictly gain from and
    whose rounded payment is within ``PRICE_RESOLUTION`` of ``price``; else (0, 0)."""
    if q1 < 1:
        return 0, 0
    g1, g2 = pair_goods(k)
    q2 = payment(price, k, q1, units)
    if q2 < 1 or abs(q2 * units[g2] / (q1 * units[g1] * price) - 1.0) > PRICE_RESOLUTION:
        return 0, 0
    gain_b, gain_s = block_gains(buyer, seller, g1, g2, q1, q2, family, params, lam, inventory, units)
    if gain_b > 0.0 and gain_s > 0.0:
        return q1, q2
    return 0, 0


@njit(cache=True)
def _finite_valuation(i, k, max_q, family, params, lam, inventory, units):
    # An agent holding none of a good values its first unit infinitely; it is
    # valued at one block more instead, so that a midpoint price exists.
    v = agent_valuation(i, k, family, params, lam, inventory, units)
    if np.isfinite(v):
        return v
    g1 = pair_goods(k)[0]
    a = inventory[i, 0] * units[0] + (max_q[k] * units[0] if g1 == 0 else 0.0)
    b = inventory[i, 1] * units[1] + (max_q[k] * units[1] if g1 == 1 else 0.0)
    return valuation(family[i], params[i], lam[i], a, b, k)


@njit(cache=True)
def valuation_gaps(i, j, family, params, lam, inventory, units, pair_active, max_q, tolerance):
    """Exchange pairs in which one of ``i, j`` values the first good more than the
    other by over ``tolerance`` (relative), largest relative gap first.

    Returns ``(count, ks, buyers, sellers, low, high)``: the pair type, who
    buys (the higher valuation), who sells, and the seller's and buyer's
    valuations. A pair within the tolerance is on the contract curve.
    """
    ks, buyers, sellers = np.empty(3, np.int64), np.empty(3, np.int64), np.empty(3, np.int64)
    low, high, gaps = np.empty(3), np.empty(3), np.empty(3)
    count = 0
    for k in range(3):
        if not pair_active[k]:
            continue
        vi = _finite_valuation(i, k, max_q, family, params, lam, inventory, units)
        vj = _finite_valuation(j, k, max_q, family, params, lam, inventory, units)
        b, s, hi, lo = (i, j, vi, vj) if vi >= vj else (j, i, vj, vi)
        if not (np.isfinite(hi) and hi > 0.0 and hi > lo * (1.0 + tolerance)):
            continue
        gap = hi / lo if lo > 0.0 else np.inf
        pos = count
        while pos > 0 and gaps[pos - 1] < gap:
            ks[pos], buyers[pos], sellers[pos] = ks[pos - 1], buyers[pos - 1], sellers[pos - 1]
            low[pos], high[pos], gaps[pos] = low[pos - 1], high[pos - 1], gaps[pos - 1]
            pos -= 1
        ks[pos], buyers[pos], sellers[pos], low[pos], high[pos], gaps[pos] = k, b, s, lo, hi, gap
        count += 1
    return count, ks, buyers, sellers, low, high


@njit(cache=True)
def anchored_target(anchor_price, low, high):
    """The anchor moved into the middle 90% of ``[low, high]``, so both sides gain."""
    margin = 0.05 * (high - low)
    return min(max(anchor_price, low + margin), high - margin)


@njit(cache=True)
def midpoint(low, high):
    """The midpoint of two valuations in log price, ``sqrt(low high)``: the same
    trade whichever good is called the first (the arithmetic midpoint of a
    price of A in B is not the midpoint of the price of B in A)."""
    return np.sqrt(low * high) if low > 0.0 else 0.5 * high

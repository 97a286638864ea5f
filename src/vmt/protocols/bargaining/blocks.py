"""Real prices, economic block sizes, and the contract-curve stop for bilateral trade.

Three things are kept apart (see ``docs/economics.md``):

* the *price* a protocol aims at is a real number chosen by its rule from the
  two traders' marginal valuations (:func:`.traders.valuation`: the MRS in
  A<->B, ``MU_g / lambda`` against money);
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
the largest such block is where acceptance changes, found by
:func:`largest_block`. The kernels work on *traders* (:mod:`.traders`): each
agent's preferences and holdings read once per pair.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.economics.families import CES, COBB_DOUGLAS, LEONTIEF, LINEAR, QUADRATIC
from vmt.economics.kernels import demand
from vmt.protocols.bargaining.traders import (
    GAINS,
    acceptance_margin,
    accepts,
    block_gains,
    finite_valuation,
    payment,
    utility_now,
)
from vmt.protocols.gains import pair_goods

#: Largest relative change of a trade's price that rounding the payment may cause.
PRICE_RESOLUTION = 1e-3


@njit(cache=True)
def largest_block(mode, t, side, k, price, cap, units):
    """Largest ``q1`` in [0, cap] (minor units) that trader ``t`` (``side`` +1
    buys, -1 sells) accepts at ``price`` (``mode``: see
    :func:`.traders.acceptance_margin`); 0 if not even one minor unit.

    One unit and ``cap`` are tried first (the cap when it is accepted);
    between them :func:`_block_boundary` finds where acceptance changes,
    trying :func:`_block_guess` first: two more evaluations when the guess is
    right, instead of the ``log2(cap)`` of a bisection. Where acceptance
    changes once in ``[1, cap]`` (:func:`_changes_once`: the valuation after
    the trade moves monotonically with the block, the gain is strictly
    concave in it) the block is that change, the one bisection or a scan up
    to the first refusal finds; elsewhere it is bisection's.
    """
    if cap < 1:
        return 0
    before = utility_now(t) if mode == GAINS else 0.0
    at_one = acceptance_margin(mode, t, side, k, price, 1, units, before)
    if not accepts(mode, at_one):
        return 0
    at_cap = acceptance_margin(mode, t, side, k, price, cap, units, before)
    if accepts(mode, at_cap):
        return cap
    if not _changes_once(mode, t[0]):
        return _bisection(mode, t, side, k, price, cap, units, before)
    guess = _block_guess(mode, t, side, k, price, units)
    return _block_boundary(mode, t, side, k, price, at_one, cap, at_cap, guess, units, before)


@njit(cache=True)
def _changes_once(mode, code):
    """Whether acceptance provably changes at most once along the block for
    family ``code``: the valuation after the trade is monotone in the block
    for every family but the quadratic (beyond its bliss point the marginal
    utility turns negative); the gain is strictly concave along the trade
    only for Cobb-Douglas and CES (linear pieces, Leontief kinks and the
    Stone-Geary and translog continuations leave stretches where it is flat
    and the payment's rounding decides)."""
    if mode == GAINS:
        return code == COBB_DOUGLAS or code == CES
    return code != QUADRATIC


@njit(cache=True)
def _bisection(mode, t, side, k, price, cap, units, before):
    """Bisection between ``1`` (accepted) and ``cap`` (refused): where acceptance
    may change more than once, the change it lands on is kept as it was."""
    lo, hi = 1, cap
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if accepts(mode, acceptance_margin(mode, t, side, k, price, mid, units, before)):
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def _block_guess(mode, t, side, k, price, units):
    """Where acceptance would change if minor units were infinitely fine, in
    minor units of the first good; -1 when there is no cheap estimate.

    In barter the trader stops wanting more at its Marshallian demand at
    ``price`` (on the budget line through its holdings); its utility gain
    along that line is roughly symmetric about the demand, so it turns
    negative near twice the demanded change. Families whose demand has a
    closed form only; the guess only saves evaluations, it decides nothing.
    """
    code, real = t[0], t[3]
    if k != 0 or not (code == COBB_DOUGLAS or code == CES or code == LINEAR or code == LEONTIEF
                      or code == QUADRATIC):
        return -1.0
    demanded = demand(code, t[1], price, 1.0, price * real[0] + real[1])[0]
    change = side * (demanded - real[0]) / units[0]
    return 2.0 * change if mode == GAINS else change


@njit(cache=True)
def _block_boundary(mode, t, side, k, price, at_one, cap, at_cap, guess, units, before):
    """The accepted ``lo`` with ``lo + 1`` refused, from ``1`` (accepted, margin
    ``at_one``) and ``cap`` (refused, margin ``at_cap``).

    The first trial is ``guess`` (when there is one); then regula falsi on
    the integer block (Illinois variant: a bracket end kept twice has its
    margin halved), where the straight line through the two bracket margins
    crosses zero; a bisection when a margin is not finite. After a right
    guess the line crosses zero just past it, so its neighbour closes the
    bracket. Every trial keeps the invariant (``lo`` accepted, ``hi``
    refused), so the result is a change of acceptance, and the only one when
    there is one.
    """
    lo, hi, m_lo, m_hi = 1, cap, at_one, at_cap
    kept = 0  # +1: lo was kept by the last trial, -1: hi was
    while hi - lo > 1:
        if guess >= 0.0:
            q = int(min(guess, float(hi)))
            guess = -1.0
        elif np.isfinite(m_lo) and np.isfinite(m_hi) and m_lo > m_hi:
            q = lo + int((hi - lo) * (m_lo / (m_lo - m_hi)))
        else:
            q = (lo + hi) // 2
        q = min(max(q, lo + 1), hi - 1)
        m = acceptance_margin(mode, t, side, k, price, q, units, before)
        if accepts(mode, m):
            lo, m_lo = q, m
            m_hi = 0.5 * m_hi if kept == -1 else m_hi
            kept = -1
        else:
            hi, m_hi = q, m
            m_lo = 0.5 * m_lo if kept == 1 else m_lo
            kept = 1
    return lo


@njit(cache=True)
def block_cap(k, buyer, seller, price, max_q, units):
    """Largest block traders ``buyer`` and ``seller`` can settle at ``price``:
    the block size, what the seller holds, and what the buyer can pay."""
    g1, g2 = pair_goods(k)
    affordable = buyer[4][g2] * units[g2] / (price * units[g1]) if price > 0.0 else 0.0
    return int(min(max_q[k], seller[4][g1], np.floor(affordable)))


@njit(cache=True)
def short_side(k, buyer, seller, price, max_q, units):
    """The block neither side overshoots at ``price``: the smaller of what the
    buyer still wants to buy and the seller to sell there (capped)."""
    cap = block_cap(k, buyer, seller, price, max_q, units)
    wanted = largest_block(0, buyer, 1, k, price, cap, units)
    return largest_block(0, seller, -1, k, price, wanted, units)


@njit(cache=True)
def settle(k, buyer, seller, price, q1, units):
    """``(q1, q2)`` when ``q1`` at ``price`` is a trade both traders strictly gain
    from and whose rounded payment is within ``PRICE_RESOLUTION`` of ``price``;
    else (0, 0)."""
    if q1 < 1:
        return 0, 0
    g1, g2 = pair_goods(k)
    q2 = payment(price, k, q1, units)
    if q2 < 1 or abs(q2 * units[g2] / (q1 * units[g1] * price) - 1.0) > PRICE_RESOLUTION:
        return 0, 0
    gain_b, gain_s = block_gains(buyer, seller, k, q1, q2, units)
    if gain_b > 0.0 and gain_s > 0.0:
        return q1, q2
    return 0, 0


@njit(cache=True)
def _valuation_gap(ti, tj, i, j, k, active, max_q, units, tolerance):
    """``(gap, buyer, seller, low, high)`` of exchange pair ``k`` between agents
    ``i`` and ``j`` (traders ``ti``, ``tj``); ``gap`` is the buyer's valuation
    over the seller's (``inf`` when the seller's is not positive), ``-1``
    when the pair is inactive or within the tolerance."""
    if not active:
        return -1.0, i, j, 0.0, 0.0
    vi = finite_valuation(ti, k, max_q, units)
    vj = finite_valuation(tj, k, max_q, units)
    b, s, hi, lo = (i, j, vi, vj) if vi >= vj else (j, i, vj, vi)
    if not (np.isfinite(hi) and hi > 0.0 and hi > lo * (1.0 + tolerance)):
        return -1.0, b, s, lo, hi
    return (hi / lo if lo > 0.0 else np.inf), b, s, lo, hi


@njit(cache=True)
def _rank(gaps, k):
    """Position of pair ``k`` when pairs with a gap are ordered widest first,
    ties by pair type."""
    rank = 0
    for other in range(3):
        if gaps[other] >= 0.0 and (gaps[other] > gaps[k] or (gaps[other] == gaps[k] and other < k)):
            rank += 1
    return rank


@njit(cache=True)
def valuation_gaps(ti, tj, i, j, pair_active, max_q, units, tolerance):
    """Exchange pairs in which one of agents ``i, j`` (traders ``ti``, ``tj``)
    values the first good more than the other by over ``tolerance``
    (relative), largest relative gap first.

    Returns ``(count, order, buyers, sellers, low, high)``: ``order[:count]``
    are the pair types, widest gap first; ``buyers``, ``sellers``, ``low``
    and ``high`` are 3-tuples indexed by pair type: who buys (the higher
    valuation), who sells, and the seller's and buyer's valuations. A pair
    within the tolerance is on the contract curve. Nothing is allocated
    (this runs once per pair in range, every tick).
    """
    g0, b0, s0, lo0, hi0 = _valuation_gap(ti, tj, i, j, 0, pair_active[0], max_q, units, tolerance)
    g1, b1, s1, lo1, hi1 = _valuation_gap(ti, tj, i, j, 1, pair_active[1], max_q, units, tolerance)
    g2, b2, s2, lo2, hi2 = _valuation_gap(ti, tj, i, j, 2, pair_active[2], max_q, units, tolerance)
    gaps = (g0, g1, g2)
    first, second, third, count = -1, -1, -1, 0
    for k in range(3):
        if gaps[k] < 0.0:
            continue
        count += 1
        rank = _rank(gaps, k)
        if rank == 0:
            first = k
        elif rank == 1:
            second = k
        else:
            third = k
    return count, (first, second, third), (b0, b1, b2), (s0, s1, s2), (lo0, lo1, lo2), (hi0, hi1, hi2)


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

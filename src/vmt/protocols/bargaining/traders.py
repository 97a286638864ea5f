"""One trader's side of a bilateral negotiation, read from the world once.

A *trader* is the tuple ``(family code, utility parameters, λ, real
holdings (A, B, M), minor-unit holdings (A, B, M))`` of one agent. The
bargaining kernels load the two traders of a pair once and then evaluate
valuations, acceptance and gains from it: every evaluation that took the
world's arrays made numba count references to each of them (an out-of-line
call per array, twice per evaluation), which cost more than the economics.
The parameters are read into a tuple (:func:`parameter_row`), which the
utility kernels, run-time families included, accept like the packed row:
an array view per trader counted references on the shared parameter array
from every thread and cost about a third of the bargaining.

Units and block sizes travel as 3-tuples indexed by good (``units``) or by
exchange pair (``max_q``), made once per tick with
:func:`vmt.world.tuples.triple`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.economics.kernels import marginal_utilities, mrs, parameter_row
from vmt.protocols.gains import pair_goods
from vmt.world.tuples import row_triple
from vmt.world.valuation import holdings_utility, trade_gain, trade_gain_from

WANTS_MORE = 0  # the agent still values the good on its side of the price
GAINS = 1  # the agent's utility strictly rises


@njit(cache=True, inline="always")
def trader(agent, family, params, lam, inventory, units):
    """``agent``'s family code, parameters, λ, real and minor-unit holdings."""
    minor = row_triple(inventory, agent)
    real = (minor[0] * units[0], minor[1] * units[1], minor[2] * units[2])
    return family[agent], parameter_row(params, agent), lam[agent], real, minor


@njit(cache=True)
def valuation(code, params, lam, a, b, k):
    """Marginal valuation of pair ``k``'s first good in its second: MRS for A<->B,
    ``MU_A / lambda`` for A<->M, ``MU_B / lambda`` for B<->M (real units)."""
    if k == 0:
        return mrs(code, params, a, b)
    mu_a, mu_b = marginal_utilities(code, params, a, b)
    return (mu_a if k == 1 else mu_b) / lam


@njit(cache=True)
def finite_valuation(t, k, max_q, units):
    """:func:`valuation` of trader ``t`` at its holdings. A trader holding none
    of a good values its first unit infinitely; it is valued at one block more
    instead, so that a midpoint price exists."""
    code, params, lam, real = t[0], t[1], t[2], t[3]
    v = valuation(code, params, lam, real[0], real[1], k)
    if np.isfinite(v):
        return v
    g1 = pair_goods(k)[0]
    a = real[0] + (max_q[k] * units[0] if g1 == 0 else 0.0)
    b = real[1] + (max_q[k] * units[1] if g1 == 1 else 0.0)
    return valuation(code, params, lam, a, b, k)


@njit(cache=True, inline="always")
def payment(price, k, q1, units):
    """Minor units of the second good paid for ``q1`` minor units of the first at ``price``."""
    g1, g2 = pair_goods(k)
    return int(np.floor(price * q1 * units[g1] / units[g2] + 0.5))


@njit(cache=True, inline="always")
def _valuation_after(t, side, k, q1, q2, units):
    g1, g2 = pair_goods(k)
    a, b, m = t[3]
    d1, d2 = side * q1 * units[g1], -side * q2 * units[g2]
    a += (d1 if g1 == 0 else 0.0) + (d2 if g2 == 0 else 0.0)
    b += (d1 if g1 == 1 else 0.0) + (d2 if g2 == 1 else 0.0)
    m += d2 if g2 == 2 else 0.0
    if a < 0.0 or b < 0.0 or m < 0.0:
        return np.nan
    return valuation(t[0], t[1], t[2], a, b, k)


@njit(cache=True)
def utility_now(t):
    """Trader ``t``'s utility at its holdings, ``u(A, B) + λ M``."""
    real = t[3]
    return holdings_utility(t[0], t[1], t[2], real[0], real[1], real[2])


@njit(cache=True, inline="always")
def acceptance_margin(mode, t, side, k, price, q1, units, before):
    """How far trader ``t`` (``side`` +1 buys, -1 sells) is from refusing ``q1``
    at ``price``: with ``WANTS_MORE`` its valuation after the trade minus the
    price (the price minus it for a seller), accepted when ``>= 0``; with
    ``GAINS`` its utility gain over ``before`` (:func:`utility_now`), accepted
    when ``> 0`` (:func:`accepts`). NaN or ``-inf`` when it cannot deliver."""
    q2 = payment(price, k, q1, units)
    if mode == GAINS:
        g1, g2 = pair_goods(k)
        real1, real2 = q1 * units[g1], q2 * units[g2]
        if side > 0:
            return trade_gain_from(t[0], t[1], t[2], t[3], before, g1, real1, g2, real2)
        return trade_gain_from(t[0], t[1], t[2], t[3], before, g2, real2, g1, real1)
    after = _valuation_after(t, side, k, q1, q2, units)
    return after - price if side > 0 else price - after


@njit(cache=True, inline="always")
def accepts(mode, margin):
    """Whether an :func:`acceptance_margin` means the block is accepted."""
    return margin > 0.0 if mode == GAINS else margin >= 0.0


@njit(cache=True)
def block_gains(buyer, seller, k, q1, q2, units):
    """Utility gains (buyer, seller) of traders ``buyer`` and ``seller`` when the
    buyer gets ``q1`` minor units of pair ``k``'s first good and pays ``q2`` of
    its second; ``-inf`` for a side that cannot deliver. The same numbers as
    :func:`vmt.protocols.gains.block_gains` on the agents' rows."""
    g1, g2 = pair_goods(k)
    real1, real2 = q1 * units[g1], q2 * units[g2]
    gain_b = trade_gain(buyer[0], buyer[1], buyer[2], buyer[3], g1, real1, g2, real2)
    gain_s = trade_gain(seller[0], seller[1], seller[2], seller[3], g2, real2, g1, real1)
    return gain_b, gain_s

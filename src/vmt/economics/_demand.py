"""Scalar numba kernels: Marshallian demand and the marginal utility of wealth.

The goods-only problem ``max u(a, b)  s.t.  pa a + pb b <= wealth`` with
``pa, pb > 0`` and ``wealth >= 0``. Its KKT multiplier ``lambda = dV/dwealth``
is what a quasilinear agent's money weight should equal at the prices it
faces; closed forms per family are in ``docs/economics.md``.
"""

from __future__ import annotations

import math

from vmt.economics._hooks import DEMAND, MARGINAL_UTILITY_OF_WEALTH, family_hook, has_family_hook
from vmt.economics._utility import SUBSISTENCE_EPS, kernel, marginal_utilities
from vmt.economics.families import (
    CES,
    COBB_DOUGLAS,
    LEONTIEF,
    LINEAR,
    QUADRATIC,
    STONE_GEARY,
)

_BISECTIONS = 200


@kernel
def _ces_price_index(p, pa, pb):
    # P = (alpha**s pa**(1-s) + beta**s pb**(1-s))**(1/(1-s)), s = 1/(1-rho);
    # indirect utility is wealth / P.
    s = 1.0 / (1.0 - p[2])
    return (p[0] ** s * pa ** (1.0 - s) + p[1] ** s * pb ** (1.0 - s)) ** (1.0 / (1.0 - s))


@kernel
def _ces_demand(p, pa, pb, wealth):
    # Shares of spending: alpha**s pa**(1-s) / sum, with s = 1/(1-rho).
    s = 1.0 / (1.0 - p[2])
    wa = p[0] ** s * pa ** (1.0 - s)
    wb = p[1] ** s * pb ** (1.0 - s)
    share_a = wa / (wa + wb)
    return share_a * wealth / pa, (1.0 - share_a) * wealth / pb


@kernel
def _linear_demand(p, pa, pb, wealth):
    # Everything on the good with the higher marginal utility per unit of money;
    # on a tie, spending is split half and half.
    va, vb = p[0] / pa, p[1] / pb
    if va > vb:
        return wealth / pa, 0.0
    if vb > va:
        return 0.0, wealth / pb
    return 0.5 * wealth / pa, 0.5 * wealth / pb


@kernel
def _quadratic_demand(p, pa, pb, wealth):
    # The bliss point if affordable; else the tangency on the budget line,
    # a = bliss_a - lam pa / (2 sigma_a), moved to a corner if negative.
    bliss_a, bliss_b, sa, sb = p[0], p[1], p[2], p[3]
    shortfall = pa * bliss_a + pb * bliss_b - wealth
    if shortfall <= 0.0:
        return bliss_a, bliss_b
    lam = shortfall / (pa * pa / (2.0 * sa) + pb * pb / (2.0 * sb))
    a = bliss_a - lam * pa / (2.0 * sa)
    b = bliss_b - lam * pb / (2.0 * sb)
    if a < 0.0:
        return 0.0, wealth / pb
    if b < 0.0:
        return wealth / pa, 0.0
    return a, b


@kernel
def _stone_geary_closed_form(p, pa, pb, wealth):
    # gamma plus the Cobb-Douglas share of supernumerary income S.
    supernumerary = wealth - pa * p[2] - pb * p[3]
    share_a = p[0] / (p[0] + p[1])
    return (p[2] + share_a * supernumerary / pa,
            p[3] + (1.0 - share_a) * supernumerary / pb, supernumerary)


@kernel
def _budget_line_demand(code, p, pa, pb, wealth):
    """Bisection on the spending share of A for ``MU_A/pa = MU_B/pb``.

    Valid for quasi-concave u (the MRS falls along the budget line): the
    sign of ``MU_A pb - MU_B pa`` changes once; corners when it does not.
    """
    lo, hi = 0.0, 1.0
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        mu_a, mu_b = marginal_utilities(code, p, mid * wealth / pa, (1.0 - mid) * wealth / pb)
        if mu_a * pb > mu_b * pa:
            lo = mid
        else:
            hi = mid
    share = 0.5 * (lo + hi)
    return share * wealth / pa, (1.0 - share) * wealth / pb


@kernel
def demand(code, p, pa, pb, wealth):
    """Marshallian demand ``(a, b)`` at prices ``pa, pb > 0`` and ``wealth >= 0``.

    Closed forms for Cobb-Douglas, CES, linear (tie: half the spending on
    each), Leontief, quadratic and Stone-Geary (above subsistence); budget-line
    bisection for translog, for Stone-Geary below subsistence and for a
    family registered at run time without its own demand function.
    """
    if wealth <= 0.0:
        return 0.0, 0.0
    if code == COBB_DOUGLAS:
        share_a = p[0] / (p[0] + p[1])
        return share_a * wealth / pa, (1.0 - share_a) * wealth / pb
    if code == CES:
        return _ces_demand(p, pa, pb, wealth)
    if code == LINEAR:
        return _linear_demand(p, pa, pb, wealth)
    if code == LEONTIEF:
        scale = wealth / (p[0] * pa + p[1] * pb)
        return p[0] * scale, p[1] * scale
    if code == QUADRATIC:
        return _quadratic_demand(p, pa, pb, wealth)
    if code == STONE_GEARY:
        a, b, _ = _stone_geary_closed_form(p, pa, pb, wealth)
        if a - p[2] >= SUBSISTENCE_EPS and b - p[3] >= SUBSISTENCE_EPS:
            return a, b
    if has_family_hook(code, DEMAND):
        return family_hook(code, DEMAND, p, pa, pb, wealth)
    return _budget_line_demand(code, p, pa, pb, wealth)


@kernel
def _kkt_from_demand(code, p, pa, pb, wealth):
    # lambda = MU_g / p_g for any good bought in positive quantity (they agree
    # at an optimum); with nothing bought, the value of the first unit of money.
    a, b = demand(code, p, pa, pb, wealth)
    mu_a, mu_b = marginal_utilities(code, p, a, b)
    if a > 0.0 and b > 0.0:
        return max(mu_a / pa, mu_b / pb)
    if a > 0.0:
        return mu_a / pa
    if b > 0.0:
        return mu_b / pb
    return max(mu_a / pa, mu_b / pb)


@kernel
def marginal_utility_of_wealth(code, p, pa, pb, wealth):
    """KKT multiplier ``lambda = dV/dwealth`` of the goods-only problem.

    Cobb-Douglas ``(alpha+beta) V / wealth``; CES ``1/P`` (CES price index);
    linear ``max(alpha/pa, beta/pb)``; Leontief ``1/(alpha pa + beta pb)``;
    Stone-Geary ``(alpha+beta)/S`` with S the supernumerary income; quadratic
    0 when the bliss point is affordable; a run-time family's own function if
    it gives one; otherwise ``MU_g/p_g`` at the demand.
    """
    if code == COBB_DOUGLAS:
        total = p[0] + p[1]
        level = (p[0] / (total * pa)) ** p[0] * (p[1] / (total * pb)) ** p[1]
        return total * level * max(wealth, 0.0) ** (total - 1.0)
    if code == CES:
        return 1.0 / _ces_price_index(p, pa, pb)
    if code == LINEAR:
        return max(p[0] / pa, p[1] / pb)
    if code == LEONTIEF:
        return 1.0 / (p[0] * pa + p[1] * pb)
    if code == QUADRATIC and pa * p[0] + pb * p[1] <= wealth:
        return 0.0
    if code == STONE_GEARY:
        a, b, supernumerary = _stone_geary_closed_form(p, pa, pb, wealth)
        if a - p[2] >= SUBSISTENCE_EPS and b - p[3] >= SUBSISTENCE_EPS:
            return (p[0] + p[1]) / supernumerary
    if has_family_hook(code, MARGINAL_UTILITY_OF_WEALTH):
        return family_hook(code, MARGINAL_UTILITY_OF_WEALTH, p, pa, pb, wealth)[0]
    return _kkt_from_demand(code, p, pa, pb, wealth)


@kernel
def quasilinear_demand(code, p, pa, pb, wealth, lam):
    """Goods demand of ``max u(a, b) + lam m  s.t.  pa a + pb b + m = wealth, m >= 0``.

    The agent spends ``e`` on goods until the marginal utility of goods
    spending ``lambda*(e)`` (the KKT multiplier at wealth e) falls to ``lam``:
    ``e = wealth`` if ``lambda*(wealth) >= lam``, else the root of
    ``lambda*(e) = lam`` by bisection (0 if lambda* < lam throughout, as for
    constant-returns families whose lambda* does not depend on e). Assumes
    ``lambda*`` non-increasing in e (u concave along the expansion path; for
    Cobb-Douglas alpha + beta <= 1).
    """
    if marginal_utility_of_wealth(code, p, pa, pb, wealth) >= lam:
        return demand(code, p, pa, pb, wealth)
    lo, hi = 0.0, wealth
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        if hi - lo <= 1e-14 * wealth or mid <= lo or mid >= hi:
            break
        if marginal_utility_of_wealth(code, p, pa, pb, mid) >= lam:
            lo = mid
        else:
            hi = mid
    return demand(code, p, pa, pb, 0.5 * (lo + hi))

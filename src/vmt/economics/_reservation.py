"""Scalar numba kernels: reservation prices for one-unit trades.

Money (quasilinear ``u(a, b) + lam M``) and barter (A against B). Every price
is finally *secured*: nudged by ``PRICE_NUDGE`` (relative) to the agent's
safe side and then checked with :func:`utility` itself, so that selling one
unit at the returned ask, or buying at the returned bid, never lowers the
agent's utility as this module computes it. Barter prices live in
``[0, +inf]``: ask ``+inf`` means no non-negative price compensates the sale;
bid ``-inf`` means the agent would not take a unit of A even for free
(possible only for the quadratic family past its bliss point).
"""

from __future__ import annotations

import math

from vmt.economics._hooks import BARTER_RESERVATION, family_hook, has_family_hook
from vmt.economics._utility import (
    kernel,
    subsistence_log,
    subsistence_log_inverse,
    utility,
)
from vmt.economics.families import (
    CES,
    COBB_DOUGLAS,
    LEONTIEF,
    LINEAR,
    QUADRATIC,
    STONE_GEARY,
)

#: Relative margin added on the safe side of every reservation price.
PRICE_NUDGE = 1e-12
_MAX_DOUBLINGS = 2100  # 1.0 * 2**2100 overflows to inf: the search is bounded
_BISECTIONS = 200


# ------------------------------------------------------------------ money
@kernel
def _step(good, unit):
    # Real quantity change of (A, B) for one unit of ``good``.
    if good == 0:
        return unit, 0.0
    return 0.0, unit


@kernel
def reservation_prices_money(code, p, a, b, good, unit, lam):
    """Ask and bid in money per real unit of ``good`` (0 = A, 1 = B).

    ``ask = (u(x) - u(x - unit e_g)) / (lam unit)``, ``+inf`` if the agent
    holds less than one unit; ``bid = (u(x + unit e_g) - u(x)) / (lam unit)``.
    Money enters quasilinearly with marginal utility ``lam > 0``. Bids are
    not capped by money held (the engine does that).
    """
    da, db = _step(good, unit)
    u0 = utility(code, p, a, b)
    held = a if good == 0 else b
    ask = math.inf
    if held >= unit:
        u_sell = utility(code, p, a - da, b - db)
        ask = (u0 - u_sell) / (lam * unit)
        ask += PRICE_NUDGE * abs(ask)
        for _ in range(64):
            if u_sell + lam * ask * unit >= u0:
                break
            ask += max(abs(ask), 1e-300) * PRICE_NUDGE
    u_buy = utility(code, p, a + da, b + db)
    bid = (u_buy - u0) / (lam * unit)
    bid -= PRICE_NUDGE * abs(bid)
    for _ in range(64):
        if u_buy - lam * bid * unit >= u0:
            break
        bid -= max(abs(bid), 1e-300) * PRICE_NUDGE
    return ask, bid


# ------------------------------------------------- barter: closed forms
@kernel
def _cobb_douglas_barter(p, a, b, ua):
    # (a -+ ua)**alpha b'**beta = a**alpha b**beta  =>  b' = b (a/(a -+ ua))**(alpha/beta)
    r = p[0] / p[1]
    ask = 0.0 if b == 0.0 else b * math.expm1(-r * math.log1p(-ua / a)) / ua
    bid = -b * math.expm1(-r * math.log1p(ua / a)) / ua if a > 0.0 else b / ua
    return ask, bid


@kernel
def _ces_barter(p, a, b, ua):
    # Equal utility <=> equal alpha a**rho + beta b**rho; b' = b (1 + z)**(1/rho).
    alpha, beta, rho = p[0], p[1], p[2]
    if b == 0.0:
        if rho < 0.0:  # u = 0 on the axis: anything is acceptable
            return 0.0, 0.0
        gain = alpha / beta * (a ** rho - (a - ua) ** rho)
        return gain ** (1.0 / rho) / ua, 0.0
    scale = alpha / beta * (a / b) ** rho if a > 0.0 else 0.0
    z_sell = -scale * math.expm1(rho * math.log1p(-ua / a))
    ask = b * math.expm1(math.log1p(z_sell) / rho) / ua if z_sell > -1.0 else math.inf
    if a == 0.0:
        if rho < 0.0:  # u = 0 without A: paying all B for a unit is no loss
            return ask, b / ua
        z_buy = -alpha / beta * (ua / b) ** rho
    else:
        z_buy = -scale * math.expm1(rho * math.log1p(ua / a))
    bid = -b * math.expm1(math.log1p(z_buy) / rho) / ua if z_buy > -1.0 else b / ua
    return ask, min(bid, b / ua)


@kernel
def _leontief_barter(p, a, b, ua):
    # Selling A helps only if A stays abundant; buying frees the surplus B.
    u0 = min(a / p[0], b / p[1])
    ask = 0.0 if (a - ua) / p[0] >= u0 else math.inf
    return ask, max(b - p[1] * u0, 0.0) / ua


@kernel
def _stone_geary_barter(p, a, b, ua):
    # L(b' - gamma_b) = L(b - gamma_b) +- (alpha/beta) [utility change in A].
    r = p[0] / p[1]
    base = subsistence_log(b - p[3])
    lost = subsistence_log(a - p[2]) - subsistence_log(a - ua - p[2])
    won = subsistence_log(a + ua - p[2]) - subsistence_log(a - p[2])
    b_sell = p[3] + subsistence_log_inverse(base + r * lost)
    b_buy = p[3] + subsistence_log_inverse(base - r * won)
    return max(b_sell - b, 0.0) / ua, min(max(b - b_buy, 0.0), b) / ua


@kernel
def _quadratic_barter(p, a, b, ua):
    # Acceptable B after the trade: |b' - bliss_b| <= sqrt(D), D from u' = u0.
    bliss_a, bliss_b, sa, sb = p[0], p[1], p[2], p[3]
    gap_b = sb * (b - bliss_b) ** 2
    d_sell = (gap_b + sa * ((a - bliss_a) ** 2 - (a - ua - bliss_a) ** 2)) / sb
    d_buy = (gap_b + sa * ((a - bliss_a) ** 2 - (a + ua - bliss_a) ** 2)) / sb
    ask = math.inf
    if d_sell >= 0.0 and bliss_b + math.sqrt(d_sell) >= b:
        ask = max(bliss_b - math.sqrt(d_sell) - b, 0.0) / ua
    bid = -math.inf
    if d_buy >= 0.0 and b - (bliss_b - math.sqrt(d_buy)) >= 0.0:
        bid = min(b - (bliss_b - math.sqrt(d_buy)), b) / ua
    return ask, bid


# ------------------------------------------- barter: search and securing
@kernel
def _sell_gain(code, p, a, b, ua, price, u0):
    return utility(code, p, a - ua, b + price * ua) - u0


@kernel
def _buy_gain(code, p, a, b, ua, price, u0):
    return utility(code, p, a + ua, b - price * ua) - u0


@kernel
def _bisect_barter_ask(code, p, a, b, ua, u0):
    """Least price x >= 0 with u(a - ua, b + x ua) >= u0 (u increasing in b)."""
    if _sell_gain(code, p, a, b, ua, 0.0, u0) >= 0.0:
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(_MAX_DOUBLINGS):
        if _sell_gain(code, p, a, b, ua, hi, u0) >= 0.0 or hi == math.inf:
            break
        lo, hi = hi, 2.0 * hi
    if hi == math.inf or b + hi * ua == math.inf:
        return math.inf
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _sell_gain(code, p, a, b, ua, mid, u0) >= 0.0:
            hi = mid
        else:
            lo = mid
    return hi


@kernel
def _bisect_barter_bid(code, p, a, b, ua, u0):
    """Greatest price y in [0, b/ua] with u(a + ua, b - y ua) >= u0."""
    cap = b / ua
    if _buy_gain(code, p, a, b, ua, cap, u0) >= 0.0:
        return cap
    if _buy_gain(code, p, a, b, ua, 0.0, u0) < 0.0:
        return -math.inf
    lo, hi = 0.0, cap
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _buy_gain(code, p, a, b, ua, mid, u0) >= 0.0:
            lo = mid
        else:
            hi = mid
    return lo


@kernel
def _secure_ask(code, p, a, b, ua, ask, u0):
    """Nudge ``ask`` up until selling one unit at it is verified harmless."""
    if ask == math.inf:
        return ask
    ask = ask + PRICE_NUDGE * ask
    step = max(ask, 1e-300) * PRICE_NUDGE
    for _ in range(_MAX_DOUBLINGS):
        if _sell_gain(code, p, a, b, ua, ask, u0) >= 0.0:
            return ask
        ask += step
        step *= 2.0
    return math.inf


@kernel
def _secure_bid(code, p, a, b, ua, bid, u0):
    """Nudge ``bid`` down until buying one unit at it is verified harmless."""
    if bid == -math.inf:
        return bid
    cap = b / ua
    if bid >= cap and _buy_gain(code, p, a, b, ua, cap, u0) >= 0.0:
        return cap  # paying all B verified harmless: the cap itself, un-nudged
    bid = min(bid - PRICE_NUDGE * bid, cap)
    step = max(bid, 1e-300) * PRICE_NUDGE
    for _ in range(_BISECTIONS):
        if bid <= 0.0:
            break
        if _buy_gain(code, p, a, b, ua, bid, u0) >= 0.0:
            return bid
        bid -= step
        step *= 2.0
    return 0.0 if _buy_gain(code, p, a, b, ua, 0.0, u0) >= 0.0 else -math.inf


@kernel
def _barter_candidates(code, p, a, b, ua):
    if code == COBB_DOUGLAS:
        return _cobb_douglas_barter(p, a, b, ua)
    if code == CES:
        return _ces_barter(p, a, b, ua)
    if code == LINEAR:
        return p[0] / p[1], min(p[0] / p[1], b / ua)
    if code == LEONTIEF:
        return _leontief_barter(p, a, b, ua)
    if code == QUADRATIC:
        return _quadratic_barter(p, a, b, ua)
    if code == STONE_GEARY:
        return _stone_geary_barter(p, a, b, ua)
    if has_family_hook(code, BARTER_RESERVATION):
        return family_hook(code, BARTER_RESERVATION, p, a, b, ua)
    u0 = utility(code, p, a, b)
    return _bisect_barter_ask(code, p, a, b, ua, u0), _bisect_barter_bid(code, p, a, b, ua, u0)


@kernel
def reservation_prices_barter(code, p, a, b, unit_a, unit_b):
    """Ask and bid for one unit (real size ``unit_a``) of A, in real B per real A.

    ask: the price x with ``u(a - unit_a, b + x unit_a) = u(a, b)`` (``+inf``
    if ``a < unit_a`` or no price compensates). bid: the price y with
    ``u(a + unit_a, b - y unit_a) = u(a, b)``, capped at ``b / unit_a``.
    Closed forms for Cobb-Douglas, CES, linear, Leontief, quadratic and
    Stone-Geary; bisection for translog and for a family registered at run
    time without its own barter function (whose candidates are secured
    like every other). ``unit_b`` is accepted so that the
    engine's call site stays stable; prices are continuous and it does not
    change the result.
    """
    ask, bid = _barter_candidates(code, p, a, b, unit_a)
    if a < unit_a or not ask >= 0.0:  # nan from 0*inf on degenerate corners
        ask = math.inf
    u0 = utility(code, p, a, b)
    ask = _secure_ask(code, p, a, b, unit_a, ask, u0)
    if not bid >= -math.inf:
        bid = 0.0
    bid = _secure_bid(code, p, a, b, unit_a, bid, u0)
    return ask, bid

"""Cobb-Douglas written again by a researcher, for the utility-family extension tests.

``cobb_douglas_utility`` alone makes a family whose other functions VMT
derives (central differences, bisection); with the closed forms below it is
the built-in family under another name, formula for formula, and must trade
identically. The formulas are written out here, not imported: this is what a
researcher's package would hold.
"""

import math

from numba import njit
from pydantic import Field

from vmt.extend import FamilyParams


class CobbDouglasParams(FamilyParams):
    alpha: float = Field(gt=0.0)
    beta: float = Field(gt=0.0)


@njit(cache=True)
def cobb_douglas_utility(p, a, b):
    """a**alpha b**beta, written again."""
    return a ** p[0] * b ** p[1]


@njit(cache=True)
def _partial(alpha, beta, x, y):
    if y == 0.0:
        return 0.0
    return alpha * x ** (alpha - 1.0) * y ** beta


@njit(cache=True)
def cobb_douglas_marginals(p, a, b):
    return _partial(p[0], p[1], a, b), _partial(p[1], p[0], b, a)


@njit(cache=True)
def cobb_douglas_mrs(p, a, b):
    if a == 0.0 and b == 0.0:
        return p[0] / p[1]
    return p[0] / p[1] * (b / a) ** 1.0


@njit(cache=True)
def cobb_douglas_barter(p, a, b, ua):
    r = p[0] / p[1]
    ask = 0.0 if b == 0.0 else b * math.expm1(-r * math.log1p(-ua / a)) / ua
    bid = -b * math.expm1(-r * math.log1p(ua / a)) / ua if a > 0.0 else b / ua
    return ask, bid


@njit(cache=True)
def cobb_douglas_demand(p, pa, pb, wealth):
    if wealth <= 0.0:
        return 0.0, 0.0
    share_a = p[0] / (p[0] + p[1])
    return share_a * wealth / pa, (1.0 - share_a) * wealth / pb


@njit(cache=True)
def cobb_douglas_lambda(p, pa, pb, wealth):
    total = p[0] + p[1]
    level = (p[0] / (total * pa)) ** p[0] * (p[1] / (total * pb)) ** p[1]
    return total * level * max(wealth, 0.0) ** (total - 1.0)


CLOSED_FORMS = {"marginal_utilities": cobb_douglas_marginals, "mrs": cobb_douglas_mrs,
                "barter_reservation": cobb_douglas_barter, "demand": cobb_douglas_demand,
                "marginal_utility_of_wealth": cobb_douglas_lambda}

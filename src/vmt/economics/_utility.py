"""Scalar numba kernels: utility, marginal utilities and MRS of every family.

Public names are re-exported by :mod:`vmt.economics.kernels`. Each kernel
takes the family code, the packed parameter row ``p`` (float64[8], order as in
:data:`vmt.economics.families.FAMILIES`) and real quantities ``a``, ``b`` >= 0.

Conventions (see ``docs/economics.md``): marginal utilities are the true
partial derivatives, one-sided at the boundary (``+inf`` where the limit
diverges); at a Leontief kink they are the left derivatives; the MRS at the
origin of a homothetic family is its value on the diagonal ray ``a = b``.
"""

from __future__ import annotations

import math

from numba import njit

from vmt.economics._hooks import MARGINAL_UTILITIES, MRS, UTILITY, family_hook, has_family_hook
from vmt.economics.families import (
    CES,
    COBB_DOUGLAS,
    LEONTIEF,
    LINEAR,
    N_UTILITY_PARAMS,
    QUADRATIC,
    STONE_GEARY,
    TRANSLOG,
)

# error_model="numpy": x/0 gives inf/nan like numpy instead of raising.
kernel = njit(cache=True, error_model="numpy")

#: Stone-Geary: below ``gamma + SUBSISTENCE_EPS`` ln is continued linearly
#: (value and slope matched), so utility stays finite, concave, increasing.
SUBSISTENCE_EPS = 1e-6
_LOG_EPS = math.log(SUBSISTENCE_EPS)

assert N_UTILITY_PARAMS == 8, "parameter_row reads eight parameters"


@njit(cache=True, inline="always")
def parameter_row(params, agent):
    """Agent ``agent``'s packed utility parameters as a tuple of
    ``N_UTILITY_PARAMS`` floats: what the family kernels accept in place of
    the array row ``params[agent]``. Read once per agent in the hot loops: a
    tuple lives in registers, while every array view made inside a parallel
    loop counts a reference on the shared parameter array (an atomic write
    that the threads fight over)."""
    return (params[agent, 0], params[agent, 1], params[agent, 2], params[agent, 3],
            params[agent, 4], params[agent, 5], params[agent, 6], params[agent, 7])


@kernel
def subsistence_log(x):
    """``ln x`` for x >= eps, else its tangent line ``ln eps + (x - eps)/eps``."""
    if x >= SUBSISTENCE_EPS:
        return math.log(x)
    return _LOG_EPS + (x - SUBSISTENCE_EPS) / SUBSISTENCE_EPS


@kernel
def subsistence_log_slope(x):
    """Derivative of :func:`subsistence_log`: ``1/max(x, eps)``."""
    return 1.0 / max(x, SUBSISTENCE_EPS)


@kernel
def subsistence_log_inverse(v):
    """Inverse of :func:`subsistence_log`."""
    if v >= _LOG_EPS:
        return math.exp(v)
    return SUBSISTENCE_EPS + SUBSISTENCE_EPS * (v - _LOG_EPS)


@kernel
def _ces_utility(p, a, b):
    # Factor out max(a, b) so that a**rho cannot overflow for rho < 0.
    m = max(a, b)
    if m == 0.0:
        return 0.0
    rho = p[2]
    return m * (p[0] * (a / m) ** rho + p[1] * (b / m) ** rho) ** (1.0 / rho)


@kernel
def translog_point(p, a, b):
    """Quantities clamped into the box, their logs, and the log of utility."""
    la = math.log(min(max(a, p[6]), p[7]))
    lb = math.log(min(max(b, p[6]), p[7]))
    log_u = (p[0] + p[1] * la + p[2] * lb + 0.5 * p[3] * la * la
             + 0.5 * p[4] * lb * lb + p[5] * la * lb)
    return la, lb, log_u


@kernel
def utility(code, p, a, b):
    """Utility u(a, b) of family ``code`` with packed parameters ``p``.

    Cobb-Douglas ``a**alpha b**beta``; CES ``(alpha a**rho + beta b**rho)**(1/rho)``;
    linear ``alpha a + beta b``; Leontief ``min(a/alpha, b/beta)``; quadratic
    ``-sigma_a (a-bliss_a)**2 - sigma_b (b-bliss_b)**2``; Stone-Geary
    ``alpha L(a-gamma_a) + beta L(b-gamma_b)`` with ``L`` = :func:`subsistence_log`;
    translog ``exp(ln u)`` on quantities clamped to ``[domain_min, domain_max]``;
    a family registered at run time through its compiled utility function.
    """
    if code == COBB_DOUGLAS:
        return a ** p[0] * b ** p[1]
    if code == CES:
        return _ces_utility(p, a, b)
    if code == LINEAR:
        return p[0] * a + p[1] * b
    if code == LEONTIEF:
        return min(a / p[0], b / p[1])
    if code == QUADRATIC:
        return -p[2] * (a - p[0]) ** 2 - p[3] * (b - p[1]) ** 2
    if code == STONE_GEARY:
        return p[0] * subsistence_log(a - p[2]) + p[1] * subsistence_log(b - p[3])
    if code == TRANSLOG:
        return math.exp(translog_point(p, a, b)[2])
    return family_hook(code, UTILITY, p, a, b, 0.0)[0]


@kernel
def _cobb_douglas_mu(alpha, beta, x, y):
    # d/dx of x**alpha y**beta; 0 on the axis y = 0 where u is identically 0.
    if y == 0.0:
        return 0.0
    return alpha * x ** (alpha - 1.0) * y ** beta


@kernel
def _ces_mu(alpha, beta, rho, x, y):
    # alpha (u/x)**(1-rho) with u/x = (alpha + beta (y/x)**rho)**(1/rho);
    # the ratio y/x is inf on the axis x = 0 and taken as 0 at the origin.
    if x > 0.0:
        ratio = y / x
    elif y > 0.0:
        ratio = math.inf
    else:
        ratio = 0.0
    u_over_x = (alpha + beta * ratio ** rho) ** (1.0 / rho)
    return alpha * u_over_x ** (1.0 - rho)


@kernel
def _translog_mu(p, a, b):
    la, lb, log_u = translog_point(p, a, b)
    u = math.exp(log_u)
    mu_a = u * (p[1] + p[3] * la + p[5] * lb) / math.exp(la)
    mu_b = u * (p[2] + p[4] * lb + p[5] * la) / math.exp(lb)
    # Flat beyond domain_max; below domain_min the floor's right derivative.
    if a > p[7]:
        mu_a = 0.0
    if b > p[7]:
        mu_b = 0.0
    return mu_a, mu_b


@kernel
def _leontief_mu(p, a, b):
    # Left derivatives: at the kink both goods are worth their last unit.
    ra, rb = a / p[0], b / p[1]
    if ra < rb:
        return 1.0 / p[0], 0.0
    if ra > rb:
        return 0.0, 1.0 / p[1]
    return 1.0 / p[0], 1.0 / p[1]


@kernel
def marginal_utilities(code, p, a, b):
    """Marginal utilities ``(du/da, du/db)`` at real quantities (a, b)."""
    if code == COBB_DOUGLAS:
        return _cobb_douglas_mu(p[0], p[1], a, b), _cobb_douglas_mu(p[1], p[0], b, a)
    if code == CES:
        return _ces_mu(p[0], p[1], p[2], a, b), _ces_mu(p[1], p[0], p[2], b, a)
    if code == LINEAR:
        return p[0], p[1]
    if code == LEONTIEF:
        return _leontief_mu(p, a, b)
    if code == QUADRATIC:
        return -2.0 * p[2] * (a - p[0]), -2.0 * p[3] * (b - p[1])
    if code == STONE_GEARY:
        return (p[0] * subsistence_log_slope(a - p[2]),
                p[1] * subsistence_log_slope(b - p[3]))
    if code == TRANSLOG:
        return _translog_mu(p, a, b)
    return family_hook(code, MARGINAL_UTILITIES, p, a, b, 0.0)


@kernel
def _homothetic_mrs(alpha, beta, power, a, b):
    # (alpha/beta) (b/a)**power; inf on the a = 0 axis, the diagonal value at 0.
    if a == 0.0 and b == 0.0:
        return alpha / beta
    return alpha / beta * (b / a) ** power


@kernel
def _mu_ratio(mu_a, mu_b):
    if mu_b != 0.0:
        return mu_a / mu_b
    if mu_a > 0.0:
        return math.inf
    if mu_a < 0.0:
        return -math.inf
    return 0.0


@kernel
def mrs(code, p, a, b):
    """Marginal rate of substitution MU_A/MU_B (real B per real A).

    ``+inf`` when B has zero marginal utility and A positive, ``0`` when A has
    none (or neither has: a satiated or fully flat agent wants no trade).
    A family registered at run time may give its own MRS function; else the
    ratio of its marginal utilities.
    """
    if code == COBB_DOUGLAS:
        return _homothetic_mrs(p[0], p[1], 1.0, a, b)
    if code == CES:
        return _homothetic_mrs(p[0], p[1], 1.0 - p[2], a, b)
    if code == LINEAR:
        return p[0] / p[1]
    if has_family_hook(code, MRS):
        return family_hook(code, MRS, p, a, b, 0.0)[0]
    mu_a, mu_b = marginal_utilities(code, p, a, b)
    return _mu_ratio(mu_a, mu_b)

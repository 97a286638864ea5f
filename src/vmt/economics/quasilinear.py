"""Competitive equilibrium of a money economy with quasilinear agents.

Agent i values ``u_i(a, b) + lam_i m`` and owns ``(A_i, B_i, M_i)``; goods
are priced in money (``pa``, ``pb``). At prices it spends on goods until its
marginal utility of goods spending falls to ``lam_i`` or its money runs out
(:func:`vmt.economics.kernels.quasilinear_demand`). Money is then a third
good whose market clears by Walras' law once A and B clear, so equilibrium
solves the two equations ``z_A(pa, pb) = z_B(pa, pb) = 0``: here by
``scipy.optimize.root`` (Powell's hybrid method) on log-prices, started at the
endowment-weighted average of ``MU_g(A_i, B_i) / lam_i`` (the prices at which
nobody would trade if everybody were alike).

Requires a well-defined quasilinear demand: ``lambda*`` decreasing in goods
spending (strictly concave u: Cobb-Douglas with alpha + beta < 1, quadratic,
Stone-Geary, translog). Constant-returns families (CES, linear, Leontief,
Cobb-Douglas with alpha + beta = 1) spend all or nothing: their demand is a
correspondence, and the solver reports failure (:class:`EquilibriumNotFoundError`
naming how many such agents there are) unless it happens to clear anyway.
Floating-point trouble at extreme trial prices is contained: log-prices are
kept within ``exp(+-60)`` and no warning escapes.

One equilibrium is all there is when no agent runs out of money: the
equilibrium allocation then maximises ``sum_i u_i / lam_i`` over the feasible
allocations, a strictly concave problem with a unique solution.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import root

from vmt.economics import vectorized as V
from vmt.economics.equilibrium import EquilibriumNotFoundError
from vmt.economics.families import CES, COBB_DOUGLAS, LEONTIEF, LINEAR

_TOLERANCE = 1e-9  # relative excess demand accepted as cleared
_MAX_LOG_PRICE = 60.0  # trial prices stay within exp(+-60)


@dataclass(frozen=True)
class QuasilinearEquilibrium:
    """Money prices of A and B, the allocation, and the relative residuals."""

    price_a: float
    price_b: float
    a: np.ndarray
    b: np.ndarray
    money: np.ndarray
    excess_a: float
    excess_b: float


def _money_economy(codes, params, endow_a, endow_b, money, lam):
    codes, params, endow_a, endow_b = V.checked_holdings(codes, params, endow_a, endow_b)
    n = codes.size
    money, lam = V.checked_per_agent("money", money, n), V.checked_per_agent("lam", lam, n, "> 0")
    if n == 0 or endow_a.sum() <= 0.0 or endow_b.sum() <= 0.0:
        raise EquilibriumNotFoundError("a money economy needs at least one agent and "
                                       "positive total endowments of both A and B")
    return codes, params, endow_a, endow_b, money, lam


def _allocation(economy, pa, pb):
    codes, params, endow_a, endow_b, money, lam = economy
    wealth = pa * endow_a + pb * endow_b + money
    a, b = V.quasilinear_demand(codes, params, pa, pb, wealth, lam)
    return a, b, wealth - pa * a - pb * b


def _relative_excess(economy, log_prices):
    pa, pb = np.exp(np.clip(log_prices, -_MAX_LOG_PRICE, _MAX_LOG_PRICE))
    a, b, _ = _allocation(economy, pa, pb)
    return np.array([a.sum() / economy[2].sum() - 1.0, b.sum() / economy[3].sum() - 1.0])


def _start(economy) -> np.ndarray:
    codes, params, endow_a, endow_b, _, lam = economy
    mu_a, mu_b = V.marginal_utilities(codes, params, endow_a, endow_b)
    ok = np.isfinite(mu_a) & np.isfinite(mu_b) & (mu_a > 0) & (mu_b > 0)
    if not ok.any():
        return np.zeros(2)
    weights = (endow_a + endow_b)[ok] + 1e-12
    return np.log([np.average(mu_a[ok] / lam[ok], weights=weights),
                   np.average(mu_b[ok] / lam[ok], weights=weights)])


def _best_root(economy):
    """(log-prices, largest relative residual) of the better of two root finders."""
    best = (_start(economy), np.inf)
    for method in ("hybr", "lm"):
        try:
            result = root(lambda x: _relative_excess(economy, x), _start(economy), method=method, tol=1e-14)
            x = np.clip(result.x, -_MAX_LOG_PRICE, _MAX_LOG_PRICE)
            residual = float(np.abs(_relative_excess(economy, x)).max())
        except (ValueError, ArithmeticError):
            continue
        if np.isfinite(residual) and residual < best[1]:
            best = (x, residual)
        if best[1] < _TOLERANCE:
            break
    return best


def _likely_reason(economy) -> str:
    codes, params = economy[0], economy[1]
    constant = int(np.sum(np.isin(codes, (CES, LINEAR, LEONTIEF))
                          | ((codes == COBB_DOUGLAS) & (np.abs(params[:, 0] + params[:, 1] - 1.0) < 1e-12))))
    if constant:
        return (f"{constant} of the {codes.size} agents have constant-returns utility (CES, linear, Leontief "
                "or Cobb-Douglas with alpha + beta = 1): with money valued linearly they spend all or none "
                "of their wealth, a demand correspondence this solver cannot clear")
    return "some agents may run out of money (too little money in the economy)"


def quasilinear_equilibrium(codes, params, endow_a, endow_b, money, lam) -> QuasilinearEquilibrium:
    """Money prices that clear A and B when money enters utility as ``lam_i M``.

    Raises :class:`EquilibriumNotFoundError` (with the residual excess
    demands) when the root finder does not reach a relative excess demand
    below 1e-9 in both goods.
    """
    economy = _money_economy(codes, params, endow_a, endow_b, money, lam)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        log_prices, residual = _best_root(economy)
    if not residual < _TOLERANCE:
        raise EquilibriumNotFoundError(
            f"no quasilinear equilibrium found: best prices (A, B) = "
            f"({np.exp(log_prices[0]):.6g}, {np.exp(log_prices[1]):.6g}) leave relative excess demand "
            f"{residual:.3g}; {_likely_reason(economy)}")
    pa, pb = np.exp(log_prices)
    a, b, m = _allocation(economy, pa, pb)
    return QuasilinearEquilibrium(float(pa), float(pb), a, b, m,
                                  float(a.sum() - economy[2].sum()),
                                  float(b.sum() - economy[3].sum()))


def quasilinear_equilibrium_prices(codes, params, endow_a, endow_b, money, lam) -> tuple[float, float]:
    """``(pa, pb)``: money prices of A and B in the quasilinear equilibrium."""
    eq = quasilinear_equilibrium(codes, params, endow_a, endow_b, money, lam)
    return eq.price_a, eq.price_b

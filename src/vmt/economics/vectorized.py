"""Array versions of the family kernels, over many agents at once.

Each public function checks its inputs (shapes, codes, finiteness, signs),
broadcasts scalars to one value per agent, allocates the outputs and calls a
private ``@njit(cache=True)`` loop over the scalar kernels of
:mod:`vmt.economics.kernels`. Arguments: ``codes`` int64[n] family codes,
``params`` float64[n, 8] packed rows (see
:func:`vmt.economics.families.pack_utility_params`), quantities real.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.economics import kernels as K
from vmt.economics.families import FAMILIES, N_UTILITY_PARAMS


class EconomicsInputError(ValueError):
    """An array passed to the economics layer has a bad shape or value."""


# ----------------------------------------------------------------- checks
def _fail(name: str, values: np.ndarray, bad: np.ndarray, allowed: str) -> None:
    i = int(np.flatnonzero(bad)[0])
    raise EconomicsInputError(f"{name}[{i}] = {values.flat[i].item()!r} is not allowed; {allowed}")


def _agents(codes, params) -> tuple[np.ndarray, np.ndarray]:
    codes = np.ascontiguousarray(codes, dtype=np.int64)
    params = np.ascontiguousarray(params, dtype=np.float64)
    if codes.ndim != 1 or params.shape != (codes.size, N_UTILITY_PARAMS):
        raise EconomicsInputError(f"need codes of shape (n,) and params of shape (n, "
                                  f"{N_UTILITY_PARAMS}); got {codes.shape} and {params.shape}")
    valid = sorted(f.code for f in FAMILIES.values())  # run-time families included
    bad = ~np.isin(codes, valid)
    if bad.any():
        _fail("codes", codes, bad, f"valid family codes are {valid}")
    bad_rows = np.flatnonzero(~np.isfinite(params).all(axis=1))
    if bad_rows.size:
        raise EconomicsInputError(f"params[{bad_rows[0]}] = {params[bad_rows[0]].tolist()} "
                                  "is not allowed; parameters must be finite")
    return codes, params


def checked_per_agent(name: str, values, n: int, rule: str = ">= 0") -> np.ndarray:
    """``values`` as float64[n] (scalars broadcast), checked against ``rule``."""
    try:
        arr = np.ascontiguousarray(np.broadcast_to(np.asarray(values, np.float64), (n,)))
    except ValueError:
        raise EconomicsInputError(f"{name} must be a scalar or have shape ({n},), "
                                  f"got shape {np.shape(values)}") from None
    bad = ~np.isfinite(arr) | ((arr <= 0.0) if rule == "> 0" else (arr < 0.0))
    if bad.any():
        _fail(name, arr, bad, f"{name} must be finite and {rule}")
    return arr


def checked_holdings(codes, params, a, b):
    """Checked ``(codes, params, a, b)``: int64[n], float64[n, 8], float64[n] x2."""
    codes, params = _agents(codes, params)
    n = codes.size
    return codes, params, checked_per_agent("a", a, n), checked_per_agent("b", b, n)


# ---------------------------------------------------------------- kernels
@njit(cache=True)
def _utility_loop(codes, params, a, b, out):
    for i in range(codes.size):
        out[i] = K.utility(codes[i], params[i], a[i], b[i])


@njit(cache=True)
def _marginal_loop(codes, params, a, b, mu_a, mu_b, rates):
    for i in range(codes.size):
        mu_a[i], mu_b[i] = K.marginal_utilities(codes[i], params[i], a[i], b[i])
        rates[i] = K.mrs(codes[i], params[i], a[i], b[i])


@njit(cache=True)
def _money_loop(codes, params, a, b, good, unit, lam, ask, bid):
    for i in range(codes.size):
        ask[i], bid[i] = K.reservation_prices_money(
            codes[i], params[i], a[i], b[i], good, unit[i], lam[i])


@njit(cache=True)
def _barter_loop(codes, params, a, b, unit_a, unit_b, ask, bid):
    for i in range(codes.size):
        ask[i], bid[i] = K.reservation_prices_barter(
            codes[i], params[i], a[i], b[i], unit_a[i], unit_b[i])


@njit(cache=True)
def _demand_loop(codes, params, pa, pb, wealth, a, b, lam):
    for i in range(codes.size):
        a[i], b[i] = K.demand(codes[i], params[i], pa[i], pb[i], wealth[i])
        lam[i] = K.marginal_utility_of_wealth(codes[i], params[i], pa[i], pb[i], wealth[i])


@njit(cache=True)
def _quasilinear_loop(codes, params, pa, pb, wealth, lam, a, b):
    for i in range(codes.size):
        a[i], b[i] = K.quasilinear_demand(codes[i], params[i], pa[i], pb[i], wealth[i], lam[i])


# ----------------------------------------------------------------- public
def utility(codes, params, a, b) -> np.ndarray:
    """Utility of each agent at real holdings ``(a[i], b[i])``."""
    codes, params, a, b = checked_holdings(codes, params, a, b)
    out = np.empty(codes.size)
    _utility_loop(codes, params, a, b, out)
    return out


def marginal_utilities(codes, params, a, b) -> tuple[np.ndarray, np.ndarray]:
    """Marginal utilities ``(MU_A, MU_B)`` per agent."""
    mu_a, mu_b, _ = _marginals(codes, params, a, b)
    return mu_a, mu_b


def mrs(codes, params, a, b) -> np.ndarray:
    """Marginal rate of substitution MU_A/MU_B per agent (real B per real A)."""
    return _marginals(codes, params, a, b)[2]


def _marginals(codes, params, a, b):
    codes, params, a, b = checked_holdings(codes, params, a, b)
    mu_a, mu_b, rates = (np.empty(codes.size) for _ in range(3))
    _marginal_loop(codes, params, a, b, mu_a, mu_b, rates)
    return mu_a, mu_b, rates


def reservation_prices_money(codes, params, a, b, good: int, unit, lam):
    """Money ask and bid per real unit of ``good`` (0 = A, 1 = B) per agent.

    ``unit`` (real size of one minor unit) and ``lam`` (marginal utility of
    money) must be > 0, scalars or one per agent.
    """
    codes, params, a, b = checked_holdings(codes, params, a, b)
    if good not in (0, 1):
        raise EconomicsInputError(f"good = {good!r} is not allowed; use 0 (A) or 1 (B)")
    unit, lam = checked_per_agent("unit", unit, codes.size, "> 0"), checked_per_agent("lam", lam, codes.size, "> 0")
    ask, bid = np.empty(codes.size), np.empty(codes.size)
    _money_loop(codes, params, a, b, int(good), unit, lam, ask, bid)
    return ask, bid


def reservation_prices_barter(codes, params, a, b, unit_a, unit_b):
    """Barter ask and bid for one unit of A, in real B per real A, per agent."""
    codes, params, a, b = checked_holdings(codes, params, a, b)
    unit_a = checked_per_agent("unit_a", unit_a, codes.size, "> 0")
    unit_b = checked_per_agent("unit_b", unit_b, codes.size, "> 0")
    ask, bid = np.empty(codes.size), np.empty(codes.size)
    _barter_loop(codes, params, a, b, unit_a, unit_b, ask, bid)
    return ask, bid


def demand(codes, params, pa, pb, wealth) -> tuple[np.ndarray, np.ndarray]:
    """Marshallian demand ``(a, b)`` per agent at prices ``pa, pb > 0``."""
    return _demand_and_lambda(codes, params, pa, pb, wealth)[:2]


def marginal_utility_of_wealth(codes, params, pa, pb, wealth) -> np.ndarray:
    """KKT multiplier (dV/dwealth) of each agent's goods-only problem."""
    return _demand_and_lambda(codes, params, pa, pb, wealth)[2]


def _demand_and_lambda(codes, params, pa, pb, wealth):
    codes, params = _agents(codes, params)
    n = codes.size
    pa, pb = checked_per_agent("pa", pa, n, "> 0"), checked_per_agent("pb", pb, n, "> 0")
    wealth = checked_per_agent("wealth", wealth, n)
    a, b, lam = (np.empty(n) for _ in range(3))
    _demand_loop(codes, params, pa, pb, wealth, a, b, lam)
    return a, b, lam


def quasilinear_demand(codes, params, pa, pb, wealth, lam) -> tuple[np.ndarray, np.ndarray]:
    """Goods demand per agent of ``u(a, b) + lam M`` with money kept >= 0.

    ``pa, pb`` are money prices, ``wealth`` the value of all holdings in money
    and ``lam > 0`` each agent's marginal utility of money.
    """
    codes, params = _agents(codes, params)
    n = codes.size
    pa, pb = checked_per_agent("pa", pa, n, "> 0"), checked_per_agent("pb", pb, n, "> 0")
    wealth, lam = checked_per_agent("wealth", wealth, n), checked_per_agent("lam", lam, n, "> 0")
    a, b = np.empty(n), np.empty(n)
    _quasilinear_loop(codes, params, pa, pb, wealth, lam, a, b)
    return a, b

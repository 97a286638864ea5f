"""The welfare yardstick: the share of the Walrasian gains from trade realised.

Import path: ``from vmt.economics.welfare import welfare_share, money_metric``.

Every institution moves goods between the same agents, so one measure can
rank them all. Let ``w_i`` be agent i's holdings *before trade* (its
endowment plus what it foraged itself; for a finished run, final holdings
minus net trades) and ``x_i`` its holdings now. Let ``p*`` be the Walrasian
equilibrium prices of the pure-exchange economy with endowments ``w`` (good
B is the numeraire in barter, money M in money economies). The money-metric
utility of a bundle is the least wealth that buys its utility at ``p*``::

    m_i(x) = e_i(p*, U_i(x)) = min { W : V_i(p*, W) >= U_i(x) }

(``V_i`` indirect utility; found by bisection on W along the agent's own
Marshallian demand, with ``W = p*·x`` as the bracket's top since ``x`` itself
is affordable there). The share is::

    share = sum_i [m_i(x_i) - m_i(w_i)] / sum_i [p*·w_i - m_i(w_i)]

The denominator is the Walrasian gains: at the equilibrium allocation every
agent reaches ``V_i(p*, p*·w_i)``, whose money metric is ``p*·w_i``. Because
``m_i(x) <= p*·x`` and trade conserves goods (``sum x = sum w``), the share
is at most 1, equal to 1 exactly at a Walrasian allocation, 0 with no trade,
and non-negative when every trade leaves both sides at least as well off.
Money economies value bundles with ``U_i = u_i(a, b) + lambda_i M`` and the
quasilinear demand that keeps money non-negative. See ``docs/economics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from vmt.economics import vectorized as V
from vmt.economics.kernels import demand, quasilinear_demand, utility

_RELATIVE_TOLERANCE = 1e-13  # bisection stops at this fraction of the bracket top
_BISECTIONS = 200
_NO_GAINS = 1e-9  # Walrasian gains below this fraction of total wealth count as none


@dataclass(frozen=True)
class WelfareShare:
    """Share of the Walrasian gains from trade an allocation realised.

    Attributes
    ----------
    share : float
        ``realised_gains / walrasian_gains``; NaN when there are no gains
        from trade to realise or no equilibrium was found (see ``note``).
    realised_gains, walrasian_gains : float
        In units of the numeraire.
    price_a, price_b : float
        Equilibrium prices of A and B in the numeraire (``price_b`` is 1 in barter).
    numeraire : str
        ``"B"`` (barter) or ``"M"`` (money economies).
    note : str
        Empty, or why the share is undefined.
    """

    share: float
    realised_gains: float
    walrasian_gains: float
    price_a: float
    price_b: float
    numeraire: str
    note: str = ""


@njit(cache=True)
def _indirect_utility(code, p, pa, pb, wealth, lam, money):
    if not money:
        a, b = demand(code, p, pa, pb, wealth)
        return utility(code, p, a, b)
    a, b = quasilinear_demand(code, p, pa, pb, wealth, lam)
    return utility(code, p, a, b) + lam * max(wealth - pa * a - pb * b, 0.0)


@njit(cache=True)
def _money_metric_loop(codes, params, a, b, m, lam, pa, pb, money, out):
    for i in range(codes.size):
        target = utility(codes[i], params[i], a[i], b[i]) + (lam[i] * m[i] if money else 0.0)
        hi = pa * a[i] + pb * b[i] + (m[i] if money else 0.0)
        slack = 1e-12 * (1.0 + abs(target))
        lo = 0.0
        if _indirect_utility(codes[i], params[i], pa, pb, lo, lam[i], money) >= target - slack:
            out[i] = lo
            continue
        for _ in range(_BISECTIONS):
            if hi - lo <= _RELATIVE_TOLERANCE * hi:
                break
            mid = 0.5 * (lo + hi)
            if _indirect_utility(codes[i], params[i], pa, pb, mid, lam[i], money) >= target - slack:
                hi = mid
            else:
                lo = mid
        out[i] = hi


def money_metric(codes, params, a, b, price_a: float, price_b: float = 1.0, *, money=None, lam=None):
    """Money-metric utility ``e_i(p, U_i(x_i))`` of each agent's bundle at prices ``(price_a, price_b)``.

    Without ``lam``: utility ``u(a, b)`` and Marshallian demand, wealth in the
    numeraire of the prices. With ``lam`` (one per agent or a scalar):
    ``u(a, b) + lam M`` with ``money`` held (default 0), money priced 1 and
    kept non-negative. Returns float64[n] in the numeraire.
    """
    codes, params, a, b = V.checked_holdings(codes, params, a, b)
    n = codes.size
    is_money = lam is not None
    m = V.checked_per_agent("money", 0.0 if money is None else money, n)
    lam = V.checked_per_agent("lam", 1.0 if lam is None else lam, n, "> 0")
    if not (np.isfinite(price_a) and np.isfinite(price_b) and price_a > 0 and price_b > 0):
        raise V.EconomicsInputError(f"prices must be finite and > 0, got ({price_a}, {price_b})")
    out = np.empty(n)
    _money_metric_loop(codes, params, a, b, m, lam, float(price_a), float(price_b), is_money, out)
    return out


def _equilibrium_prices(codes, params, before, lam) -> tuple[float, float]:
    if lam is None:
        from vmt.economics.equilibrium import walrasian_price

        return walrasian_price(codes, params, before[:, 0], before[:, 1]), 1.0
    from vmt.economics.quasilinear import quasilinear_equilibrium_prices

    return quasilinear_equilibrium_prices(codes, params, before[:, 0], before[:, 1], before[:, 2], lam)


def _metric(codes, params, holdings, prices, lam):
    money = holdings[:, 2] if lam is not None else None
    return money_metric(codes, params, holdings[:, 0], holdings[:, 1], *prices, money=money, lam=lam)


def welfare_share(codes, params, before, after, *, lam=None) -> WelfareShare:
    """Share of the Walrasian gains from trade realised in moving from ``before`` to ``after``.

    Parameters
    ----------
    codes, params : utility family codes int64[n] and packed parameters float64[n, 8].
    before, after : real holdings, shape (n, 2) for (A, B) or (n, 3) for (A, B, M).
        ``before`` is what each agent would hold without trade (its
        endowment plus its own foraging), ``after`` what it holds now.
    lam : None for a barter economy (money ignored, B is the numeraire), or
        each agent's marginal utility of money (scalar or float64[n]) for a
        money economy (M is the numeraire; both arrays need the M column).

    Returns
    -------
    WelfareShare
        The share is NaN, with a ``note``, when the equilibrium of ``before``
        cannot be found or there are no gains from trade to realise.
    """
    before, after = np.asarray(before, np.float64), np.asarray(after, np.float64)
    need = 2 if lam is None else 3
    if before.ndim != 2 or before.shape != after.shape or before.shape[1] < need:
        raise V.EconomicsInputError(f"before and after must both have shape (n, {need}) or wider; "
                                    f"got {before.shape} and {after.shape}")
    numeraire = "B" if lam is None else "M"
    from vmt.economics.equilibrium import EquilibriumNotFoundError

    try:
        prices = _equilibrium_prices(codes, params, before, lam)
    except EquilibriumNotFoundError as exc:
        return WelfareShare(np.nan, np.nan, np.nan, np.nan, np.nan, numeraire, f"no equilibrium: {exc}")
    start = _metric(codes, params, before, prices, lam)
    wealth = before[:, 0] * prices[0] + before[:, 1] * prices[1] + (before[:, 2] if lam is not None else 0.0)
    realised = float(_metric(codes, params, after, prices, lam).sum() - start.sum())
    potential = float(wealth.sum() - start.sum())
    if not potential > _NO_GAINS * max(float(wealth.sum()), 1e-300):
        return WelfareShare(np.nan, realised, potential, *prices, numeraire,
                            "no gains from trade: the holdings before trade are already a Walrasian allocation")
    return WelfareShare(realised / potential, realised, potential, *prices, numeraire)


__all__ = ["WelfareShare", "money_metric", "welfare_share"]

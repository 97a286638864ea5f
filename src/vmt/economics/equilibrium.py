"""Walrasian equilibrium of a pure-exchange economy of goods A and B.

B is the numeraire; ``price`` is the price of A in B. Agent i owns ``(A_i, B_i)``
and demands the Marshallian bundle at wealth ``price A_i + B_i``. The market
for A clears where aggregate excess demand ``z(p) = sum_i a_i(p) - sum_i A_i``
vanishes; by Walras' law B then clears too (except for satiated quadratic
agents, who leave budget unspent: B is then in excess supply and disposed of).

* all agents Cobb-Douglas: ``p* = sum_i s_i B_i / sum_i (1 - s_i) A_i`` with
  ``s_i = alpha_i / (alpha_i + beta_i)`` (spending share on A);
* otherwise (:func:`all_equilibria`): the relative excess demand
  ``z(exp(q)) / sum_i A_i`` is scanned over a grid of log-prices ``q``
  spanning the agents' MRS at the endowment (for convex preferences every
  equilibrium lies there: below every MRS everybody buys A, above every MRS
  everybody sells), each sign change is refined by Brent's method, and
  every equilibrium is returned with its tatonnement stability (stable
  where ``z`` falls through zero). Where ``z`` jumps (linear and Leontief
  agents switching corners), the root is the jump and
  :func:`equilibrium_allocation` mixes the demands on either side so that
  the market clears exactly. :func:`walrasian_price` returns the stable
  equilibrium nearest the median MRS at the endowment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import brentq

from vmt.economics import vectorized as V
from vmt.economics.families import COBB_DOUGLAS

_MAX_LOG_PRICE = 60.0  # search prices within exp(+-60)
#: A "root" where one good's total value is below this share of the other's is
#: the rounding of ``p A + B`` in floating point, not an equilibrium.
_NEGLIGIBLE_VALUE = 1e-6
_JUMP_STEP = 1e-11     # relative price step used to read both sides of a jump
CLEARING_TOLERANCE = 1e-8  # relative excess demand accepted as cleared


class EquilibriumNotFoundError(ValueError):
    """No market-clearing price was found (reports where the search looked)."""


#: The name the docs use for the same exception.
EquilibriumNotFound = EquilibriumNotFoundError

_SCAN_POINTS = 241  # log-price grid points scanned for sign changes of excess demand
_STABILITY_STEP = 1e-7  # relative price step at which the sign of z is read around a root


@dataclass(frozen=True)
class Equilibrium:
    """A competitive equilibrium: price of A in B, allocation, residuals.

    ``excess_a``/``excess_b`` are aggregate demand minus endowment at the
    allocation (zero up to rounding; ``excess_b < 0`` only with satiation).
    ``stable``: tatonnement ``dp/dt = z(p)`` returns to this price after a
    small disturbance (excess demand falls through zero here).
    ``all_prices``: every equilibrium price found in the scanned bracket
    (this one among them), ascending.
    """

    price: float
    a: np.ndarray
    b: np.ndarray
    excess_a: float
    excess_b: float
    method: str
    stable: bool = True
    all_prices: tuple[float, ...] = ()


def _economy(codes, params, endow_a, endow_b):
    codes, params, endow_a, endow_b = V.checked_holdings(codes, params, endow_a, endow_b)
    if codes.size == 0 or endow_a.sum() <= 0.0 or endow_b.sum() <= 0.0:
        raise EquilibriumNotFoundError("an exchange economy needs at least one agent and "
                                       "positive total endowments of both A and B")
    return codes, params, endow_a, endow_b


def cobb_douglas_equilibrium_price(alpha, beta, endow_a, endow_b) -> float:
    """Closed-form price of A in B when every agent is Cobb-Douglas.

    Agent i spends the share ``s_i = alpha_i/(alpha_i+beta_i)`` of wealth
    ``p A_i + B_i`` on A, so clearing ``sum_i s_i (p A_i + B_i) = p sum_i A_i``
    gives ``p = sum_i s_i B_i / sum_i (1 - s_i) A_i``.
    """
    share = np.asarray(alpha, float) / (np.asarray(alpha, float) + np.asarray(beta, float))
    supply_value = np.sum((1.0 - share) * np.asarray(endow_a, float))
    if supply_value <= 0.0 or np.sum(share * np.asarray(endow_b, float)) <= 0.0:
        raise EquilibriumNotFoundError("Cobb-Douglas economy without a positive-price "
                                       "equilibrium: some good has no supply or no demand")
    return float(np.sum(share * np.asarray(endow_b, float)) / supply_value)


def excess_demand(codes, params, endow_a, endow_b, price: float) -> tuple[float, float]:
    """Aggregate excess demand ``(z_A, z_B)`` at ``price`` (A in B, B = 1)."""
    codes, params, endow_a, endow_b = _economy(codes, params, endow_a, endow_b)
    a, b = V.demand(codes, params, price, 1.0, price * endow_a + endow_b)
    return float(a.sum() - endow_a.sum()), float(b.sum() - endow_b.sum())


def _start_guess(codes, params, endow_a, endow_b) -> float:
    # The median MRS at the endowment (finite, positive entries only).
    rates = V.mrs(codes, params, endow_a, endow_b)
    rates = rates[np.isfinite(rates) & (rates > 0.0)]
    return float(np.median(rates)) if rates.size else 1.0


def walrasian_price(codes, params, endow_a, endow_b, *, method: str = "auto",
                    xtol: float = 1e-13) -> float:
    """Market-clearing price of A in B for any mix of utility families.

    ``method="auto"``: the closed form when every agent is Cobb-Douglas, else
    the scan of :func:`all_equilibria`; ``"numerical"`` always scans. With
    several equilibria, the stable one nearest the median MRS at the
    endowment (:func:`all_equilibria` returns them all).
    The price is accepted only if both markets clear (see
    :func:`equilibrium_allocation`); otherwise :class:`EquilibriumNotFoundError`.
    """
    return equilibrium_allocation(codes, params, endow_a, endow_b,
                                  method=method, xtol=xtol).price


def _scaled_excess(codes, params, endow_a, endow_b):
    total_a = endow_a.sum()

    def scaled_excess(q: float) -> float:
        p = np.exp(q)
        return (V.demand(codes, params, p, 1.0, p * endow_a + endow_b)[0].sum() - total_a) / total_a
    return scaled_excess


def _scan_range(codes, params, endow_a, endow_b) -> tuple[float, float]:
    """Log-price range holding every equilibrium: the agents' MRS at the endowment,
    widened a little; open-ended (to ``exp(+-60)``) where some MRS is 0 or infinite."""
    rates = V.mrs(codes, params, endow_a, endow_b)
    finite = rates[np.isfinite(rates) & (rates > 0.0)]
    if finite.size == 0:
        return -_MAX_LOG_PRICE, _MAX_LOG_PRICE
    lo = -_MAX_LOG_PRICE if (rates <= 0.0).any() else max(np.log(finite.min()) - 0.05, -_MAX_LOG_PRICE)
    hi = _MAX_LOG_PRICE if (rates == np.inf).any() else min(np.log(finite.max()) + 0.05, _MAX_LOG_PRICE)
    return lo, hi


def _roots(scaled_excess, lo: float, hi: float, xtol: float) -> list[float]:
    """Log-prices where the excess demand changes sign (or is zero) on the scan grid."""
    grid = np.linspace(lo, hi, _SCAN_POINTS)
    z = np.array([scaled_excess(q) for q in grid])
    roots: list[float] = []
    for k in range(grid.size):
        if z[k] == 0.0 and not (roots and roots[-1] == grid[k - 1] and z[k - 1] == 0.0):
            roots.append(float(grid[k]))
        elif k + 1 < grid.size and z[k] * z[k + 1] < 0.0:
            roots.append(float(brentq(scaled_excess, grid[k], grid[k + 1], xtol=xtol,
                                      rtol=4 * np.finfo(float).eps)))
    return roots


def _is_stable(scaled_excess, q: float) -> bool:
    below, above = scaled_excess(q - _STABILITY_STEP), scaled_excess(q + _STABILITY_STEP)
    return below >= 0.0 >= above and below != above


def all_equilibria(codes, params, endow_a, endow_b, *, xtol: float = 1e-13) -> list[Equilibrium]:
    """Every equilibrium of the pure-exchange economy in the scanned bracket, by price.

    Scans the relative excess demand for A on 241 log-prices spanning the
    agents' MRS at the endowment, refines each sign change by Brent's method
    and checks that both markets clear there. Two equilibria closer than one
    grid step (the bracket's log width / 240) can be seen as one or none.
    Raises :class:`EquilibriumNotFoundError` when there is none.
    """
    codes, params, endow_a, endow_b = _economy(codes, params, endow_a, endow_b)
    scaled_excess = _scaled_excess(codes, params, endow_a, endow_b)
    lo, hi = _scan_range(codes, params, endow_a, endow_b)
    found = []
    for q in _roots(scaled_excess, lo, hi, xtol):
        value_ratio = np.exp(q) * endow_a.sum() / endow_b.sum()
        if not _NEGLIGIBLE_VALUE <= value_ratio <= 1.0 / _NEGLIGIBLE_VALUE:
            continue
        try:
            eq = equilibrium_allocation(codes, params, endow_a, endow_b, float(np.exp(q)))
        except EquilibriumNotFoundError:
            continue
        found.append((eq, _is_stable(scaled_excess, q)))
    if not found:
        raise EquilibriumNotFoundError(
            f"no equilibrium: excess demand for A does not change sign at a clearing price between "
            f"{np.exp(lo):.3g} and {np.exp(hi):.3g} B per A (relative excess demand "
            f"{scaled_excess(lo):.3g} and {scaled_excess(hi):.3g} at the ends); the economy may have "
            "no equilibrium with positive prices")
    prices = tuple(eq.price for eq, _ in found)
    return [replace(eq, method="brentq", stable=stable, all_prices=prices) for eq, stable in found]


def _solve(codes, params, endow_a, endow_b, method: str, xtol: float) -> Equilibrium:
    if method not in ("auto", "numerical"):
        raise ValueError(f"method = {method!r} is not allowed; use 'auto' or 'numerical'")
    if method == "auto" and np.all(codes == COBB_DOUGLAS):
        price = cobb_douglas_equilibrium_price(params[:, 0], params[:, 1], endow_a, endow_b)
        eq = equilibrium_allocation(codes, params, endow_a, endow_b, price)
        return replace(eq, method="closed_form_cobb_douglas", all_prices=(eq.price,))
    found = all_equilibria(codes, params, endow_a, endow_b, xtol=xtol)
    start = np.log(_start_guess(codes, params, endow_a, endow_b))
    stable = [eq for eq in found if eq.stable] or found
    return min(stable, key=lambda eq: abs(np.log(eq.price) - start))


def equilibrium_allocation(codes, params, endow_a, endow_b, price: float | None = None, *,
                           method: str = "auto", xtol: float = 1e-13) -> Equilibrium:
    """Equilibrium price (solved for unless given) and the clearing allocation.

    Each agent receives its demand at the price. If the price sits on a jump
    of aggregate demand (indifferent linear or Leontief agents), the demands
    just below and just above it are mixed with the weight that clears A.
    Raises :class:`EquilibriumNotFoundError` if either market is left with a
    relative excess demand above ``CLEARING_TOLERANCE`` (e.g. satiated
    quadratic agents leaving B unsold, or a root found only by rounding at
    an extreme price).
    """
    codes, params, endow_a, endow_b = _economy(codes, params, endow_a, endow_b)
    if price is None:
        return _solve(codes, params, endow_a, endow_b, method, xtol)
    a, b = V.demand(codes, params, price, 1.0, price * endow_a + endow_b)
    if abs(a.sum() - endow_a.sum()) > CLEARING_TOLERANCE * endow_a.sum():
        a, b = _mix_across_jump(codes, params, endow_a, endow_b, price)
    z_a, z_b = a.sum() - endow_a.sum(), b.sum() - endow_b.sum()
    if max(abs(z_a) / endow_a.sum(), abs(z_b) / endow_b.sum()) > CLEARING_TOLERANCE:
        raise EquilibriumNotFoundError(
            f"no equilibrium: price {price:.6g} leaves excess demand {z_a:.3g} for A "
            f"and {z_b:.3g} for B (satiated agents, or a good nobody will give up)")
    return Equilibrium(float(price), a, b, float(z_a), float(z_b), "given_price")


def _mix_across_jump(codes, params, endow_a, endow_b, price):
    sides = []
    for p in (price * (1.0 - _JUMP_STEP), price * (1.0 + _JUMP_STEP)):
        sides.append(V.demand(codes, params, p, 1.0, p * endow_a + endow_b))
    z_low = sides[0][0].sum() - endow_a.sum()
    z_high = sides[1][0].sum() - endow_a.sum()
    if not z_low >= 0.0 >= z_high or z_low == z_high:
        raise EquilibriumNotFoundError(f"no equilibrium: price {price:.6g} does not clear the market for A "
                                       f"(excess demand {z_low:.3g} below, {z_high:.3g} above)")
    weight = z_low / (z_low - z_high)  # weight on the high side
    a = (1.0 - weight) * sides[0][0] + weight * sides[1][0]
    b = (1.0 - weight) * sides[0][1] + weight * sides[1][1]
    return a, b

"""Walrasian equilibrium of a pure-exchange economy of goods A and B.

B is the numeraire; ``price`` is the price of A in B. Agent i owns ``(A_i, B_i)``
and demands the Marshallian bundle at wealth ``price A_i + B_i``. The market
for A clears where aggregate excess demand ``z(p) = sum_i a_i(p) - sum_i A_i``
vanishes; by Walras' law B then clears too (except for satiated quadratic
agents, who leave budget unspent: B is then in excess supply and disposed of).

* all agents Cobb-Douglas: ``p* = sum_i s_i B_i / sum_i (1 - s_i) A_i`` with
  ``s_i = alpha_i / (alpha_i + beta_i)`` (spending share on A);
* otherwise: Brent's method on ``z(exp(q)) / sum_i A_i`` over log-price ``q``,
  in a bracket found by widening around a start guess until ``z`` changes
  sign. Where ``z`` jumps (linear and Leontief agents switching corners), the
  root is the jump and :func:`equilibrium_allocation` mixes the demands on
  either side so that the market clears exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from vmt.economics import vectorized as V
from vmt.economics.families import COBB_DOUGLAS

_MAX_LOG_PRICE = 60.0  # search prices within exp(+-60)
_JUMP_STEP = 1e-11     # relative price step used to read both sides of a jump
CLEARING_TOLERANCE = 1e-8  # relative excess demand accepted as cleared


class EquilibriumNotFoundError(ValueError):
    """No market-clearing price was found (reports where the search looked)."""


@dataclass(frozen=True)
class Equilibrium:
    """A competitive equilibrium: price of A in B, allocation, residuals.

    ``excess_a``/``excess_b`` are aggregate demand minus endowment at the
    allocation (zero up to rounding; ``excess_b < 0`` only with satiation).
    """

    price: float
    a: np.ndarray
    b: np.ndarray
    excess_a: float
    excess_b: float
    method: str


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


def _bracket(scaled_excess, q0: float) -> tuple[float, float]:
    """Widen ``[q0 - w, q0 + w]`` until the excess demand changes sign."""
    width = 0.5
    while True:
        lo = max(q0 - width, -_MAX_LOG_PRICE)
        hi = min(q0 + width, _MAX_LOG_PRICE)
        z_lo, z_hi = scaled_excess(lo), scaled_excess(hi)
        if z_lo >= 0.0 >= z_hi:
            return lo, hi
        if lo == -_MAX_LOG_PRICE and hi == _MAX_LOG_PRICE:
            raise EquilibriumNotFoundError(
                f"no equilibrium: no sign change of excess demand for A between prices {np.exp(lo):.3g} "
                f"(z/total = {z_lo:.3g}) and {np.exp(hi):.3g} (z/total = {z_hi:.3g}); "
                "the economy may have no equilibrium with positive prices")
        width *= 2.0


def walrasian_price(codes, params, endow_a, endow_b, *, method: str = "auto",
                    xtol: float = 1e-13) -> float:
    """Market-clearing price of A in B for any mix of utility families.

    ``method="auto"``: the closed form when every agent is Cobb-Douglas, else
    Brent's method on log-price; ``"numerical"`` always uses Brent's method.
    The price is accepted only if both markets clear (see
    :func:`equilibrium_allocation`); otherwise :class:`EquilibriumNotFoundError`.
    """
    return equilibrium_allocation(codes, params, endow_a, endow_b,
                                  method=method, xtol=xtol).price


def _solve_price(codes, params, endow_a, endow_b, method: str, xtol: float) -> float:
    if method not in ("auto", "numerical"):
        raise ValueError(f"method = {method!r} is not allowed; use 'auto' or 'numerical'")
    if method == "auto" and np.all(codes == COBB_DOUGLAS):
        return cobb_douglas_equilibrium_price(params[:, 0], params[:, 1], endow_a, endow_b)
    total_a = endow_a.sum()

    def scaled_excess(q: float) -> float:
        p = np.exp(q)
        return (V.demand(codes, params, p, 1.0, p * endow_a + endow_b)[0].sum() - total_a) / total_a

    lo, hi = _bracket(scaled_excess, np.log(_start_guess(codes, params, endow_a, endow_b)))
    if scaled_excess(lo) == 0.0:
        return float(np.exp(lo))
    if scaled_excess(hi) == 0.0:
        return float(np.exp(hi))
    return float(np.exp(brentq(scaled_excess, lo, hi, xtol=xtol, rtol=4 * np.finfo(float).eps)))


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
        price = _solve_price(codes, params, endow_a, endow_b, method, xtol)
        method = "closed_form_cobb_douglas" if method == "auto" and np.all(
            codes == COBB_DOUGLAS) else "brentq"
    else:
        method = "given_price"
    a, b = V.demand(codes, params, price, 1.0, price * endow_a + endow_b)
    if abs(a.sum() - endow_a.sum()) > CLEARING_TOLERANCE * endow_a.sum():
        a, b = _mix_across_jump(codes, params, endow_a, endow_b, price)
    z_a, z_b = a.sum() - endow_a.sum(), b.sum() - endow_b.sum()
    if max(abs(z_a) / endow_a.sum(), abs(z_b) / endow_b.sum()) > CLEARING_TOLERANCE:
        raise EquilibriumNotFoundError(
            f"no equilibrium: price {price:.6g} leaves excess demand {z_a:.3g} for A "
            f"and {z_b:.3g} for B (satiated agents, or a good nobody will give up)")
    return Equilibrium(float(price), a, b, float(z_a), float(z_b), method)


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

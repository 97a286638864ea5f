"""Price learning: what an agent takes from the market prices it hears.

Two learned objects, both moved by partial adjustment with the learning rate
``eta`` in [0, 1] only by signals heard this tick:

* **Reference prices** ``r[i, k]`` (every exchange pair): the agent's belief
  about the going price, ``r <- r + eta (s - r)`` with ``s`` the heard price.
  Before its first signal an agent has no belief; its prior is its own
  marginal valuation ``v`` (MRS for A<->B, ``MU_g / lambda`` for g<->M), so
  the first update is ``r = v + eta (s - v)``. Bargaining with
  ``anchor: signal`` tries the pair's reference price first.
* **The marginal utility of money** ``lambda`` (money and mixed regimes),
  moved toward the KKT multiplier of the agent's own problem at the heard
  prices and its current wealth::

      lambda* = dV/dW (pA, pB, W),   W = pA A + pB B + M,
      lambda <- clip(lambda + eta (lambda* - lambda), lambda_bounds).

  ``V`` is the indirect utility of ``max u(a, b) s.t. pA a + pB b <= W``;
  per family (``vmt.economics.kernels.marginal_utility_of_wealth``):
  Cobb-Douglas ``(alpha+beta) V / W``, CES ``1 / P(pA, pB)``, linear
  ``max(alpha/pA, beta/pB)``, Leontief ``1 / (alpha pA + beta pB)``,
  Stone-Geary ``(alpha+beta) / S`` with ``S`` the supernumerary income,
  quadratic 0 at an affordable bliss point, else ``MU_g / p_g`` at the
  demand. Money is worth what it buys at market prices, so an agent whose
  lambda is above lambda* undervalues goods in money and learns to value
  money less. A money price missing from the signals is filled from the
  A<->B price when known (``pB = pA / p_AB``); without both money prices
  lambda is left alone.

With ``eta = 0`` nothing is learned: no reference price is formed and
lambda never moves, so the run is the ``bilateral`` run (tested).
A naive update writes ``lambda (1 + eta (p - lambda) / lambda)``, which adds a
price (M per A) to a marginal utility (utils per M); see
``docs/price_signals.md``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.economics.kernels import marginal_utilities, marginal_utility_of_wealth, parameter_row
from vmt.world.state import PAIR_AB, PAIR_AM, PAIR_BM
from vmt.world.tuples import row_triple
from vmt.world.valuation import real_holdings


def learn_from_signals(world, heard: np.ndarray, reference_price: np.ndarray, pair_active: np.ndarray,
                       rate: float, lambda_bounds: tuple[float, float]) -> int:
    """Update reference prices and (money regimes) lambda from this tick's signals.

    Marks the quotes of agents whose lambda changed as stale. Returns how many
    agents changed lambda. ``rate = 0`` is a no-op.
    """
    lo, hi = float(lambda_bounds[0]), float(lambda_bounds[1])
    if not 0.0 <= rate <= 1.0 or not 0.0 < lo <= hi:
        raise ValueError(f"price learning needs 0 <= rate <= 1 and 0 < lambda bounds ordered; "
                         f"got rate {rate}, lambda_bounds {lambda_bounds}")
    if rate == 0.0:
        return 0
    ag = world.agents
    changed = np.zeros(ag.n, np.bool_)
    money = bool(pair_active[PAIR_AM] or pair_active[PAIR_BM])
    _learn_all(ag.family, ag.utility_params, ag.lambda_money, ag.inventory, world.units, ag.observed_price,
               heard, pair_active, money, float(rate), lo, hi, reference_price, changed)
    ag.quotes_stale |= changed
    return int(changed.sum())


@njit(cache=True)
def own_valuation(code, p, lam, a, b, k):
    """The agent's marginal valuation in pair ``k``: MRS (B per A) for A<->B,
    ``MU_A / lambda`` (M per A) for A<->M, ``MU_B / lambda`` for B<->M."""
    mu_a, mu_b = marginal_utilities(code, p, a, b)
    if k == PAIR_AB:
        return mu_a / mu_b if mu_b > 0.0 else np.inf
    if k == PAIR_AM:
        return mu_a / lam
    return mu_b / lam


@njit(cache=True)
def updated_reference(reference, signal, valuation, rate):
    """``r + eta (s - r)``; the prior ``r`` is the own valuation when there is no
    belief yet (or the signal itself if the valuation is not a positive number)."""
    if not np.isfinite(reference):
        reference = valuation if np.isfinite(valuation) and valuation > 0.0 else signal
    return reference * (signal / reference) ** rate


@njit(cache=True)
def money_prices(observed):
    """(pA, pB) in money from an agent's observed prices; a missing one is
    filled through the A<->B price. NaN when not both are known."""
    pa, pb, pab = observed[PAIR_AM], observed[PAIR_BM], observed[PAIR_AB]
    if not np.isfinite(pa) and np.isfinite(pb) and np.isfinite(pab):
        pa = pb * pab
    if not np.isfinite(pb) and np.isfinite(pa) and np.isfinite(pab) and pab > 0.0:
        pb = pa / pab
    return pa, pb


@njit(cache=True)
def kkt_lambda(code, p, a, b, m, pa, pb):
    """KKT multiplier ``lambda* = dV/dW`` at prices (pA, pB) and wealth ``pA a + pB b + m``."""
    return marginal_utility_of_wealth(code, p, pa, pb, pa * a + pb * b + m)


@njit(cache=True)
def learned_lambda(lam, target, rate, lo, hi):
    """``clip(lambda + eta (lambda* - lambda), lo, hi)``; unchanged if lambda* is not finite."""
    if not np.isfinite(target):
        return lam
    return min(max(lam + rate * (target - lam), lo), hi)


@njit(cache=True, parallel=True)
def _learn_all(family, params, lam, inventory, units, observed, heard, pair_active, money,
               rate, lo, hi, reference, changed):
    # An agent's parameters and heard prices are read as tuples (see vmt.world.tuples).
    for i in prange(family.shape[0]):
        if not ((heard[i, 0] and pair_active[0]) or (heard[i, 1] and pair_active[1])
                or (heard[i, 2] and pair_active[2])):
            continue  # heard nothing: its holdings and preferences are not read
        for k in range(3):
            if heard[i, k] and pair_active[k]:
                # the own valuation is only the prior of a first belief: computed then alone
                value = np.nan
                if not np.isfinite(reference[i, k]):
                    a, b, _ = real_holdings(inventory, units, i)
                    value = own_valuation(family[i], parameter_row(params, i), lam[i], a, b, k)
                reference[i, k] = updated_reference(reference[i, k], observed[i, k], value, rate)
        if not money:
            continue
        pa, pb = money_prices(row_triple(observed, i))
        if not (pa > 0.0 and pb > 0.0):
            continue
        a, b, m = real_holdings(inventory, units, i)
        new = learned_lambda(lam[i], kkt_lambda(family[i], parameter_row(params, i), a, b, m, pa, pb), rate, lo, hi)
        if new != lam[i]:
            lam[i] = new
            changed[i] = True

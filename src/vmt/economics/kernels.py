"""Scalar ``@njit(cache=True)`` kernels of the utility families, by family code.

The engine calls these from its own numba kernels, with these signatures:

* ``utility(code, p, a, b) -> float``
* ``marginal_utilities(code, p, a, b) -> (mu_a, mu_b)``
* ``mrs(code, p, a, b) -> float`` (MU_A/MU_B, real B per real A)
* ``reservation_prices_money(code, p, a, b, good, unit, lam) -> (ask, bid)``
* ``reservation_prices_barter(code, p, a, b, unit_a, unit_b) -> (ask, bid)``
* ``demand(code, p, pa, pb, wealth) -> (a, b)``
* ``marginal_utility_of_wealth(code, p, pa, pb, wealth) -> float``
* ``quasilinear_demand(code, p, pa, pb, wealth, lam) -> (a, b)`` (goods demand
  of ``u + lam M`` with money kept non-negative)

``code`` is a family code from :mod:`vmt.economics.families`, ``p`` the packed
float64[8] parameter row (or the same eight floats as a tuple,
:func:`parameter_row`), quantities are *real* (minor units times unit size).
Kernels do no input checking (see :mod:`vmt.economics.vectorized` for the
checked array versions). Formulas and conventions: ``docs/economics.md``.

The implementations live in three private modules (utility and marginal
utilities, reservation prices, demand); numba's on-disk cache is keyed on the
file that defines a kernel, so after editing one of them clear
``__pycache__`` if a caller in another file still behaves as before.
"""

from vmt.economics._demand import demand, marginal_utility_of_wealth, quasilinear_demand
from vmt.economics._reservation import (
    PRICE_NUDGE,
    reservation_prices_barter,
    reservation_prices_money,
)
from vmt.economics._utility import (
    SUBSISTENCE_EPS,
    marginal_utilities,
    mrs,
    parameter_row,
    utility,
)

__all__ = [
    "PRICE_NUDGE",
    "SUBSISTENCE_EPS",
    "demand",
    "marginal_utilities",
    "marginal_utility_of_wealth",
    "mrs",
    "parameter_row",
    "quasilinear_demand",
    "reservation_prices_barter",
    "reservation_prices_money",
    "utility",
]

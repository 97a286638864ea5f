"""What an agent wants at a price: the discrete demand kernels of ``market_aware``.

The kernels are checked against brute force over every whole quantity and
against the closed-form Marshallian demand of the economics layer.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.economics import kernels as K
from vmt.economics.families import family_code, pack_utility_params
from vmt.protocols.search.market_aware import best_trade, shifted_utility, units_demanded
from vmt.world.state import PAIR_AB, PAIR_AM, PAIR_BM, PAIRS

settings.register_profile("market_posts", max_examples=40, deadline=None, derandomize=True)

FAMILIES = {
    "cobb_douglas": {"alpha": 0.6, "beta": 0.4},
    "ces": {"alpha": 0.5, "beta": 0.5, "rho": 0.5},
    "linear": {"alpha": 0.7, "beta": 0.3},
    "quadratic": {"bliss_a": 30, "bliss_b": 30, "sigma_a": 0.1, "sigma_b": 0.1},
    "stone_geary": {"alpha": 0.5, "beta": 0.5, "gamma_a": 1.0, "gamma_b": 1.0},
}
UNITS = np.array([1.0, 1.0, 0.01])


def _brute_force(code, params, lam, inv, k, ticks):
    """Signed quantity maximising utility over every feasible whole trade; 0 if none gains."""
    first, second = PAIRS[k]
    base = shifted_utility(code, params, lam, inv, UNITS, first, 0, second, 0)
    best_q, best_u = 0, base
    for q in range(-int(inv[first]), int(inv[second] // ticks) + 1):
        u = shifted_utility(code, params, lam, inv, UNITS, first, q, second, -q * ticks)
        if u > best_u + 1e-10 * (1 + abs(base)):
            best_q, best_u = q, u
    return best_q, best_u - base


@settings(settings.get_profile("market_posts"))
@given(family=st.sampled_from(sorted(FAMILIES)), k=st.sampled_from([PAIR_AB, PAIR_AM, PAIR_BM]),
       a=st.integers(0, 25), b=st.integers(0, 25), m=st.integers(0, 3000), ticks=st.integers(1, 300))
def test_demand_is_the_utility_maximising_whole_trade(family, k, a, b, m, ticks):
    code, params = family_code(family), pack_utility_params(family, FAMILIES[family])
    inv = np.array([a, b, m], dtype=np.int64)
    if k == PAIR_AB:
        ticks = max(1, ticks // 100)
    q, gain = best_trade(code, params, 1.0, inv, UNITS, k, ticks)
    q_star, gain_star = _brute_force(code, params, 1.0, inv, k, ticks)
    assert gain == pytest.approx(gain_star, rel=1e-9, abs=1e-9)
    if q_star != 0:
        assert np.sign(q) == np.sign(q_star)


@pytest.mark.parametrize("price", [0.4, 0.8, 1.0, 1.7, 3.0])
def test_barter_demand_is_marshallian_demand_on_the_integer_grid(price):
    # Hundredths of A, thousandths of B: prices on a 0.1 grid are exact ticks.
    units = np.array([0.01, 0.001, 0.01])
    code, params = family_code("cobb_douglas"), pack_utility_params("cobb_douglas", {"alpha": 0.6, "beta": 0.4})
    inv = np.array([1000, 20000, 0], dtype=np.int64)  # 10 A, 20 B
    ticks = int(round(price / (units[1] / units[0])))
    q, _ = best_trade(code, params, 1.0, inv, units, PAIR_AB, ticks)
    a_star, _ = K.demand(code, params, price, 1.0, price * 10.0 + 20.0)
    continuous = (a_star - 10.0) / units[0]  # in hundredths of A
    assert np.floor(continuous) - 1 <= q <= np.ceil(continuous) + 1
    assert abs(q - continuous) <= 1.0


def test_weak_demand_accepts_the_indifferent_unit_and_strict_does_not():
    # Linear utility 0.5 A + 0.5 B with lambda = 1: one unit of A is worth exactly 0.5 M.
    code, params = family_code("linear"), pack_utility_params("linear", {"alpha": 0.5, "beta": 0.5})
    inv = np.array([3, 3, 1000], dtype=np.int64)
    assert units_demanded(code, params, 1.0, inv, UNITS, PAIR_AM, 50, 1, 20, True) == 0
    assert units_demanded(code, params, 1.0, inv, UNITS, PAIR_AM, 50, 1, 20, False) == 20
    assert units_demanded(code, params, 1.0, inv, UNITS, PAIR_AM, 49, 1, 20, True) == 20  # capped by max_units


def test_money_demand_solves_marginal_utility_equals_lambda_times_price():
    # Cobb-Douglas in (A, B) with B fixed: the last unit bought has MU_A >= lambda p, the next one not.
    code, params = family_code("cobb_douglas"), pack_utility_params("cobb_douglas", {"alpha": 0.5, "beta": 0.5})
    inv = np.array([1, 36, 100000], dtype=np.int64)
    lam, ticks = 2.0, 75  # 0.75 M per A
    q, gain = best_trade(code, params, lam, inv, UNITS, PAIR_AM, ticks)
    u = lambda a: (a ** 0.5) * 6.0  # noqa: E731
    assert q == 3
    assert u(1 + q) - u(1 + q - 1) > lam * 0.75 > u(1 + q + 1) - u(1 + q)
    assert gain == pytest.approx(u(1 + q) - u(1) - lam * 0.75 * q)

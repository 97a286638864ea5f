"""Walrasian equilibria: closed form, numerical solver, clearing and optimality."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from vmt.economics import kernels as K
from vmt.economics import vectorized as V
from vmt.economics.equilibrium import (
    EquilibriumNotFoundError,
    cobb_douglas_equilibrium_price,
    equilibrium_allocation,
    excess_demand,
    walrasian_price,
)
from vmt.economics.families import family_code, pack_utility_params
from vmt.economics.quasilinear import quasilinear_equilibrium, quasilinear_equilibrium_prices

ECON = settings(max_examples=25, deadline=None, derandomize=True)


def _economy(rows):
    codes = np.array([family_code(f) for f, _ in rows])
    params = np.stack([pack_utility_params(f, r) for f, r in rows])
    return codes, params


def _assert_each_agent_optimises(codes, params, a, b, endow_a, endow_b, price):
    """Every bundle is affordable and no bundle on the budget line is better."""
    for i, (code, p) in enumerate(zip(codes, params)):
        wealth = price * endow_a[i] + endow_b[i]
        assert price * a[i] + b[i] <= wealth * (1 + 1e-9) + 1e-12

        def minus_u(s, code=code, p=p, wealth=wealth):
            return -K.utility(code, p, s * wealth / price, (1 - s) * wealth)
        grid = np.linspace(0, 1, 1001)
        s0 = grid[np.argmin([minus_u(s) for s in grid])]
        res = minimize_scalar(minus_u, bounds=(max(s0 - 1e-3, 0), min(s0 + 1e-3, 1)),
                              method="bounded", options={"xatol": 1e-12})
        best = -min(res.fun, minus_u(s0))
        assert K.utility(code, p, a[i], b[i]) >= best - 1e-8 * (1 + abs(best))


@ECON
@given(n=st.integers(2, 6), seed=st.integers(0, 2**31 - 1))
def test_cobb_douglas_closed_form_matches_numerical_solver(n, seed):
    rng = np.random.default_rng(seed)
    alpha, beta = rng.uniform(0.1, 2, n), rng.uniform(0.1, 2, n)
    endow_a, endow_b = rng.uniform(0, 20, n), rng.uniform(0, 20, n)
    endow_a[0], endow_b[1] = 5.0, 5.0  # both goods exist
    codes, params = _economy([("cobb_douglas", {"alpha": x, "beta": y}) for x, y in zip(alpha, beta)])
    share = alpha / (alpha + beta)
    by_hand = np.sum(share * endow_b) / np.sum((1 - share) * endow_a)
    assert cobb_douglas_equilibrium_price(alpha, beta, endow_a, endow_b) == pytest.approx(by_hand, rel=1e-14)
    assert walrasian_price(codes, params, endow_a, endow_b) == pytest.approx(by_hand, rel=1e-14)
    numerical = walrasian_price(codes, params, endow_a, endow_b, method="numerical")
    assert numerical == pytest.approx(by_hand, rel=1e-10)
    z_a, z_b = excess_demand(codes, params, endow_a, endow_b, by_hand)
    assert abs(z_a) < 1e-10 * endow_a.sum() and abs(z_b) < 1e-10 * endow_b.sum()


@ECON
@given(seed=st.integers(0, 2**31 - 1))
def test_numerical_solver_clears_a_ces_linear_mix(seed):
    rng = np.random.default_rng(seed)
    rows = [("ces", {"alpha": rng.uniform(0.2, 2), "beta": rng.uniform(0.2, 2),
                     "rho": rng.choice([-2.0, -0.5, 0.3, 0.7])}) for _ in range(3)]
    rows += [("linear", {"alpha": rng.uniform(0.2, 2), "beta": rng.uniform(0.2, 2)}) for _ in range(2)]
    codes, params = _economy(rows)
    endow_a, endow_b = rng.uniform(0.5, 20, 5), rng.uniform(0.5, 20, 5)
    eq = equilibrium_allocation(codes, params, endow_a, endow_b)
    assert eq.method == "brentq" and eq.price > 0
    assert abs(eq.excess_a) < 1e-8 * endow_a.sum()
    assert abs(eq.excess_b) < 1e-8 * endow_b.sum()
    _assert_each_agent_optimises(codes, params, eq.a, eq.b, endow_a, endow_b, eq.price)


def test_linear_economy_clears_on_a_demand_jump():
    # Both agents value A at 2 B; at p = 2 they are indifferent. Agent 0 has all A,
    # agent 1 all B: at any p < 2 both want only A, at p > 2 only B. p* = 2.
    codes, params = _economy([("linear", {"alpha": 2, "beta": 1})] * 2)
    endow_a, endow_b = np.array([10.0, 0.0]), np.array([0.0, 10.0])
    eq = equilibrium_allocation(codes, params, endow_a, endow_b)
    assert eq.price == pytest.approx(2.0, rel=1e-9)
    assert abs(eq.excess_a) < 1e-9 and abs(eq.excess_b) < 1e-7
    _assert_each_agent_optimises(codes, params, eq.a, eq.b, endow_a, endow_b, eq.price)


def test_every_family_in_one_economy():
    rows = [("cobb_douglas", {"alpha": 0.6, "beta": 0.4}),
            ("ces", {"alpha": 1, "beta": 2, "rho": -0.5}),
            ("linear", {"alpha": 1, "beta": 3}), ("leontief", {"alpha": 2, "beta": 1}),
            ("quadratic", {"bliss_a": 30, "bliss_b": 25}),
            ("stone_geary", {"alpha": 1, "beta": 1, "gamma_a": 1, "gamma_b": 2}),
            ("translog", {"alpha_a": 0.4, "alpha_b": 0.6, "beta_aa": -0.01, "beta_bb": -0.01})]
    codes, params = _economy(rows)
    rng = np.random.default_rng(3)
    endow_a, endow_b = rng.uniform(3, 15, 7), rng.uniform(3, 15, 7)
    eq = equilibrium_allocation(codes, params, endow_a, endow_b)
    assert abs(eq.excess_a) < 1e-8 * endow_a.sum() and abs(eq.excess_b) < 1e-8 * endow_b.sum()
    _assert_each_agent_optimises(codes, params, eq.a, eq.b, endow_a, endow_b, eq.price)


def test_no_equilibrium_is_reported_clearly():
    # Quadratic agents satiated in B (bliss_b = endowment) want ever more A:
    # the excess demand for A is positive at every price (it rounds to zero
    # only at absurd prices, where B is left unsold).
    codes, params = _economy([("quadratic", {"bliss_a": 1e9, "bliss_b": 1.0})] * 2)
    with pytest.raises(EquilibriumNotFoundError, match="no equilibrium"):
        walrasian_price(codes, params, [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(EquilibriumNotFoundError, match="positive total"):
        walrasian_price(codes, params, [0.0, 0.0], [1.0, 1.0])
    with pytest.raises(EquilibriumNotFoundError, match="no equilibrium"):
        equilibrium_allocation(*_economy([("linear", {"alpha": 1, "beta": 1})] * 2),
                               [1.0, 3.0], [2.0, 1.0], price=3.0)
    with pytest.raises(ValueError, match="method"):
        walrasian_price(codes, params, [1.0, 1.0], [1.0, 1.0], method="tatonnement")


# --------------------------------------------------------- quasilinear
STRICTLY_CONCAVE = [("cobb_douglas", {"alpha": 0.3, "beta": 0.4}),
                    ("quadratic", {"bliss_a": 20, "bliss_b": 15}),
                    ("stone_geary", {"alpha": 0.5, "beta": 0.3, "gamma_a": 1, "gamma_b": 1}),
                    ("translog", {"alpha_a": 0.3, "alpha_b": 0.4, "beta_aa": -0.01, "beta_bb": -0.01})]


def test_quasilinear_identical_agents_price_goods_at_marginal_utility_over_lambda():
    # Alike agents do not trade, so prices equal MU_g(endowment) / lam.
    codes, params = _economy([STRICTLY_CONCAVE[0]] * 3)
    pa, pb = quasilinear_equilibrium_prices(codes, params, 6.0, 4.0, 50.0, 0.2)
    mu_a, mu_b = K.marginal_utilities(codes[0], params[0], 6.0, 4.0)
    assert pa == pytest.approx(mu_a / 0.2, rel=1e-9) and pb == pytest.approx(mu_b / 0.2, rel=1e-9)


@ECON
@given(seed=st.integers(0, 2**31 - 1))
def test_quasilinear_equilibrium_clears_and_satisfies_kkt(seed):
    rng = np.random.default_rng(seed)
    codes, params = _economy(STRICTLY_CONCAVE)
    endow_a, endow_b = rng.uniform(1, 12, 4), rng.uniform(1, 12, 4)
    money, lam = rng.uniform(0, 100, 4), rng.uniform(0.05, 0.5, 4)
    eq = quasilinear_equilibrium(codes, params, endow_a, endow_b, money, lam)
    assert abs(eq.excess_a) < 1e-8 * endow_a.sum() and abs(eq.excess_b) < 1e-8 * endow_b.sum()
    wealth = eq.price_a * endow_a + eq.price_b * endow_b + money
    np.testing.assert_allclose(eq.money, wealth - eq.price_a * eq.a - eq.price_b * eq.b)
    assert eq.money.sum() == pytest.approx(money.sum(), rel=1e-9)  # money is conserved
    mu_a, mu_b = V.marginal_utilities(codes, params, eq.a, eq.b)
    keeps_money = eq.money > 1e-6 * wealth
    interior = keeps_money & (eq.a > 0) & (eq.b > 0)
    # KKT: MU_g / p_g = lam while money is left; >= lam when money ran out.
    np.testing.assert_allclose((mu_a / eq.price_a)[interior], lam[interior], rtol=1e-6)
    np.testing.assert_allclose((mu_b / eq.price_b)[interior], lam[interior], rtol=1e-6)
    assert np.all((mu_a / eq.price_a)[~keeps_money] >= lam[~keeps_money] * (1 - 1e-6))


def test_quasilinear_constant_returns_has_no_interior_equilibrium():
    codes, params = _economy([("linear", {"alpha": 1, "beta": 1})] * 2)
    with pytest.raises(EquilibriumNotFoundError, match="no quasilinear equilibrium"):
        quasilinear_equilibrium(codes, params, [1.0, 2.0], [2.0, 1.0], 10.0, [0.5, 1.0])

"""Family kernels against finite differences, brute force and closed-form theory."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from vmt.economics import kernels as K
from vmt.economics import vectorized as V
from vmt.economics._reservation import _bisect_barter_ask, _bisect_barter_bid
from vmt.economics.families import family_code, pack_utility_params

ECON = settings(max_examples=40, deadline=None, derandomize=True)


def _floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def _translog(draw):
    beta_aa, beta_bb = draw(_floats(-0.01, 0.0)), draw(_floats(-0.01, 0.0))
    return {"alpha_0": draw(_floats(-1, 1)), "alpha_a": draw(_floats(0.2, 1.0)),
            "alpha_b": draw(_floats(0.2, 1.0)), "beta_aa": beta_aa, "beta_bb": beta_bb,
            "beta_ab": draw(_floats(-1, 1)) * math.sqrt(beta_aa * beta_bb)}


_AB = st.fixed_dictionaries({"alpha": _floats(0.1, 2.0), "beta": _floats(0.1, 2.0)})
PARAMS = {
    "cobb_douglas": _AB,
    "ces": st.fixed_dictionaries({"alpha": _floats(0.1, 2.0), "beta": _floats(0.1, 2.0),
                                  "rho": st.one_of(_floats(-4.0, -0.1), _floats(0.1, 0.9))}),
    "linear": _AB,
    "leontief": _AB,
    "quadratic": st.fixed_dictionaries({"bliss_a": _floats(25, 60), "bliss_b": _floats(25, 60),
                                        "sigma_a": _floats(0.1, 2), "sigma_b": _floats(0.1, 2)}),
    "stone_geary": st.fixed_dictionaries({"alpha": _floats(0.1, 2.0), "beta": _floats(0.1, 2.0),
                                          "gamma_a": _floats(0, 3), "gamma_b": _floats(0, 3)}),
    "translog": _translog(),
}
SMOOTH = ["cobb_douglas", "ces", "linear", "quadratic", "stone_geary", "translog"]
STRICTLY_QUASI_CONCAVE = ["cobb_douglas", "ces", "quadratic", "stone_geary", "translog"]


@st.composite
def agents(draw, families=tuple(PARAMS)):
    """(family, code, packed params, a, b): interior holdings, >= 1.5 above subsistence."""
    family = draw(st.sampled_from(families))
    raw = draw(PARAMS[family])
    floor_a = raw.get("gamma_a", 0.0) + 1.5
    floor_b = raw.get("gamma_b", 0.0) + 1.5
    a, b = draw(_floats(floor_a, 20.0)), draw(_floats(floor_b, 20.0))
    return family, family_code(family), pack_utility_params(family, raw), a, b


def _away_from_kink(family, p, a, b):
    return family != "leontief" or abs(a / p[0] - b / p[1]) > 1e-3 * (a / p[0])


# ----------------------------------------------------------- marginals
@ECON
@given(agent=agents())
def test_marginal_utilities_and_mrs_match_central_differences(agent):
    family, code, p, a, b = agent
    if not _away_from_kink(family, p, a, b):
        return
    h = 1e-6
    fd_a = (K.utility(code, p, a + h, b) - K.utility(code, p, a - h, b)) / (2 * h)
    fd_b = (K.utility(code, p, a, b + h) - K.utility(code, p, a, b - h)) / (2 * h)
    mu_a, mu_b = K.marginal_utilities(code, p, a, b)
    scale = abs(mu_a) + abs(mu_b) + 1e-12
    assert mu_a == pytest.approx(fd_a, rel=1e-5, abs=1e-6 * scale)
    assert mu_b == pytest.approx(fd_b, rel=1e-5, abs=1e-6 * scale)
    if mu_b != 0.0:
        assert K.mrs(code, p, a, b) == pytest.approx(mu_a / mu_b, rel=1e-10)


def test_conventions_at_zero_and_kinks():
    cd = pack_utility_params("cobb_douglas", {"alpha": 0.5, "beta": 0.5})
    assert K.marginal_utilities(0, cd, 0.0, 4.0) == (math.inf, 0.0)
    assert K.marginal_utilities(0, cd, 0.0, 0.0) == (0.0, 0.0)
    assert K.mrs(0, cd, 0.0, 4.0) == math.inf and K.mrs(0, cd, 4.0, 0.0) == 0.0
    assert K.mrs(0, cd, 0.0, 0.0) == 1.0  # the diagonal value of alpha/beta (b/a)
    ces = pack_utility_params("ces", {"alpha": 2.0, "beta": 1.0, "rho": -1.0})
    # u(h, b) ~ alpha**(1/rho) h near the axis, so MU_A(0, b) = alpha**(1/rho) = 1/2
    assert K.marginal_utilities(1, ces, 0.0, 3.0)[0] == pytest.approx(0.5)
    leo = pack_utility_params("leontief", {"alpha": 1.0, "beta": 2.0})
    assert K.marginal_utilities(3, leo, 2.0, 4.0) == (1.0, 0.5)  # kink: left derivatives
    assert K.mrs(3, leo, 1.0, 4.0) == math.inf and K.mrs(3, leo, 3.0, 4.0) == 0.0
    quad = pack_utility_params("quadratic", {"bliss_a": 5, "bliss_b": 5})
    assert K.mrs(4, quad, 5.0, 5.0) == 0.0 and K.mrs(4, quad, 3.0, 5.0) == math.inf


def test_stone_geary_below_subsistence_is_finite_and_improvable():
    p = pack_utility_params("stone_geary", {"alpha": 1, "beta": 1, "gamma_a": 5, "gamma_b": 1})
    code = family_code("stone_geary")
    levels = [K.utility(code, p, a, 4.0) for a in (0.0, 2.0, 4.0, 5.0, 6.0)]
    assert all(math.isfinite(u) for u in levels)
    assert all(lo < hi for lo, hi in zip(levels, levels[1:]))
    # A unit of A lifts the agent toward subsistence: worth every unit of B
    # it can spare above its own subsistence gamma_b = 1, and then some.
    ask, bid = K.reservation_prices_barter(code, p, 2.0, 4.0, 1.0, 1.0)
    assert 3.0 < bid <= 4.0
    assert ask == math.inf  # ln(b - gamma_b) would have to rise by ~1e6
    assert K.utility(code, p, 3.0, 4.0 - 3.0) > K.utility(code, p, 2.0, 4.0)
    assert K.utility(code, p, 3.0, 4.0 - bid) >= K.utility(code, p, 2.0, 4.0)
    money_ask, money_bid = K.reservation_prices_money(code, p, 2.0, 4.0, 0, 1.0, 1.0)
    assert math.isfinite(money_bid) and money_bid > 1e5 and money_ask > money_bid


def test_translog_is_flat_outside_its_box_and_zero_safe():
    raw = {"alpha_a": 0.5, "alpha_b": 0.5, "domain_min": 0.5, "domain_max": 100.0}
    p, code = pack_utility_params("translog", raw), family_code("translog")
    assert K.utility(code, p, 0.0, 4.0) == K.utility(code, p, 0.5, 4.0) > 0.0
    assert K.utility(code, p, 300.0, 4.0) == K.utility(code, p, 100.0, 4.0)
    assert K.marginal_utilities(code, p, 300.0, 4.0)[0] == 0.0
    assert K.marginal_utilities(code, p, 0.0, 4.0)[0] == K.marginal_utilities(code, p, 0.5, 4.0)[0]


# ------------------------------------------------- reservation prices
def _money_gain(code, p, a, b, good, unit, lam, price, sell):
    """Utility change of a one-unit trade at ``price`` (quasilinear money)."""
    sign = -1.0 if sell else 1.0
    da, db = (unit, 0.0) if good == 0 else (0.0, unit)
    moved = K.utility(code, p, a + sign * da, b + sign * db)
    return moved - sign * lam * price * unit - K.utility(code, p, a, b)


def _strictly_monotone_here(family):
    return family not in ("leontief",)


@ECON
@given(agent=agents(), good=st.sampled_from([0, 1]), unit=_floats(0.1, 1.0), lam=_floats(0.05, 5))
def test_money_reservation_prices_are_exact_indifference_points(agent, good, unit, lam):
    family, code, p, a, b = agent
    ask, bid = K.reservation_prices_money(code, p, a, b, good, unit, lam)
    u0 = abs(K.utility(code, p, a, b)) + 1.0
    tol = 1e-13 * u0  # the test's own rounding: it adds terms in another order
    assert _money_gain(code, p, a, b, good, unit, lam, ask, True) >= -tol
    assert _money_gain(code, p, a, b, good, unit, lam, bid, False) >= -tol
    assert math.isfinite(ask) and math.isfinite(bid)  # a >= 1.5 > unit here
    beyond = [(ask * 1.5 + 1.0, True), (ask * 10 + 5, True), (bid * 0.5 - 1.0, False),
              (bid - 100.0, False)]
    for price, sell in beyond:
        assert _money_gain(code, p, a, b, good, unit, lam, price, sell) >= -tol
    for price, sell in ((ask * (1 - 1e-6) - 1e-9, True), (bid * (1 + 1e-6) + 1e-9, False)):
        if _strictly_monotone_here(family) or (ask > 0 if sell else bid > 0):
            assert _money_gain(code, p, a, b, good, unit, lam, price, sell) < 0


def test_money_ask_is_infinite_without_a_unit_to_sell():
    p = pack_utility_params("linear", {"alpha": 1, "beta": 1})
    assert K.reservation_prices_money(2, p, 0.5, 3.0, 0, 1.0, 1.0) == (math.inf, pytest.approx(1.0))
    assert K.reservation_prices_money(2, p, 3.0, 0.5, 1, 1.0, 2.0)[0] == math.inf


def _sell_gain(code, p, a, b, unit, price):
    return K.utility(code, p, a - unit, b + price * unit) - K.utility(code, p, a, b)


def _buy_gain(code, p, a, b, unit, price):
    return K.utility(code, p, a + unit, b - price * unit) - K.utility(code, p, a, b)


@ECON
@given(agent=agents(), unit=_floats(0.1, 1.0))
def test_barter_reservation_prices_never_lower_utility(agent, unit):
    family, code, p, a, b = agent
    ask, bid = K.reservation_prices_barter(code, p, a, b, unit, 1.0)
    assert 0.0 <= bid <= b / unit and ask >= 0.0
    assert ask == math.inf or _sell_gain(code, p, a, b, unit, ask) >= 0.0
    assert _buy_gain(code, p, a, b, unit, bid) >= 0.0
    favourable = [ask * 1.001 + 1e-6] if family == "quadratic" else [ask * 1.5 + 0.1, ask * 7 + 3]
    for price in favourable:
        if ask < math.inf and (family != "quadratic" or b + price * unit < p[1]):
            assert _sell_gain(code, p, a, b, unit, price) >= 0.0
    for price in (bid * 0.999, bid * 0.3, 0.0):
        assert _buy_gain(code, p, a, b, unit, price) >= 0.0


@ECON
@given(agent=agents(families=tuple(SMOOTH)), unit=_floats(0.1, 1.0))
def test_barter_prices_just_on_the_wrong_side_lower_utility(agent, unit):
    family, code, p, a, b = agent
    ask, bid = K.reservation_prices_barter(code, p, a, b, unit, 1.0)
    if np.isinf(ask):
        # No amount of B compensates (e.g. CES with rho < 0 near the axis):
        # even a very high price leaves the seller worse off.
        assert _sell_gain(code, p, a, b, unit, 1e6) < 0.0
    elif ask > 0.0:
        assert _sell_gain(code, p, a, b, unit, ask * (1 - 1e-6)) < 0.0
    if bid < (b / unit) * (1 - 1e-6):
        assert _buy_gain(code, p, a, b, unit, bid * (1 + 1e-6)) < 0.0


@ECON
@given(agent=agents(families=("cobb_douglas", "ces", "stone_geary", "quadratic")),
       unit=_floats(0.1, 1.0))
def test_barter_closed_forms_agree_with_bisection(agent, unit):
    _, code, p, a, b = agent
    ask, bid = K.reservation_prices_barter(code, p, a, b, unit, 1.0)
    u0 = K.utility(code, p, a, b)
    assert ask == pytest.approx(_bisect_barter_ask(code, p, a, b, unit, u0), rel=1e-8)
    assert bid == pytest.approx(_bisect_barter_bid(code, p, a, b, unit, u0), rel=1e-8, abs=1e-12)


def test_barter_closed_forms_by_hand():
    cd = pack_utility_params("cobb_douglas", {"alpha": 1, "beta": 1})
    # (4 - 1) (2 + x) = 4 * 2 => x = 2/3 ; (4 + 1)(2 - y) = 8 => y = 2/5
    ask, bid = K.reservation_prices_barter(0, cd, 4.0, 2.0, 1.0, 1.0)
    assert ask == pytest.approx(2 / 3, rel=1e-11) and ask >= 2 / 3
    assert bid == pytest.approx(2 / 5, rel=1e-11) and bid <= 2 / 5
    lin = pack_utility_params("linear", {"alpha": 3, "beta": 2})
    assert K.reservation_prices_barter(2, lin, 5.0, 1.0, 1.0, 1.0)[1] == 1.0  # capped at b/unit
    leo = pack_utility_params("leontief", {"alpha": 1, "beta": 1})
    assert K.reservation_prices_barter(3, leo, 2.0, 5.0, 1.0, 1.0) == (math.inf, pytest.approx(3.0))
    assert K.reservation_prices_barter(0, cd, 0.5, 2.0, 1.0, 1.0)[0] == math.inf


# ------------------------------------------------------ demand and lambda
@st.composite
def markets(draw, families=tuple(PARAMS)):
    """(family, code, params, pa, pb, wealth) with wealth above subsistence cost."""
    family, code, p, _, _ = draw(agents(families))
    pa, pb = draw(_floats(0.2, 5.0)), draw(_floats(0.2, 5.0))
    subsistence = pa * p[2] + pb * p[3] if family == "stone_geary" else 0.0
    return family, code, p, pa, pb, subsistence + draw(_floats(1.0, 60.0))


def _numerical_best_share(code, p, pa, pb, wealth):
    """Brute force: fine grid of spending shares, then bounded Brent polish."""
    def minus_u(s):
        return -K.utility(code, p, s * wealth / pa, (1 - s) * wealth / pb)
    grid = np.linspace(0.0, 1.0, 2001)
    best = grid[np.argmin([minus_u(s) for s in grid])]
    lo, hi = max(best - 1e-3, 0.0), min(best + 1e-3, 1.0)
    polished = minimize_scalar(minus_u, bounds=(lo, hi), method="bounded",
                               options={"xatol": 1e-12}).x
    return min((best, polished), key=minus_u)


def _satiated(family, p, pa, pb, wealth):
    return family == "quadratic" and pa * p[0] + pb * p[1] <= wealth


@ECON
@given(market=markets())
def test_demand_exhausts_budget_and_beats_numerical_maximisation(market):
    family, code, p, pa, pb, wealth = market
    a, b = K.demand(code, p, pa, pb, wealth)
    assert a >= 0.0 and b >= 0.0
    if _satiated(family, p, pa, pb, wealth):
        assert (a, b) == (p[0], p[1])
        return
    assert pa * a + pb * b == pytest.approx(wealth, rel=1e-10)
    share = _numerical_best_share(code, p, pa, pb, wealth)
    u_numeric = K.utility(code, p, share * wealth / pa, (1 - share) * wealth / pb)
    u_demand = K.utility(code, p, a, b)
    assert u_demand >= u_numeric - 1e-9 * (1.0 + abs(u_numeric))
    if family in STRICTLY_QUASI_CONCAVE:
        assert pa * a / wealth == pytest.approx(share, abs=1e-4)


def _indirect_utility(code, p, pa, pb, wealth):
    return K.utility(code, p, *K.demand(code, p, pa, pb, wealth))


@ECON
@given(market=markets())
def test_kkt_multiplier_is_the_derivative_of_indirect_utility(market):
    family, code, p, pa, pb, wealth = market
    lam = K.marginal_utility_of_wealth(code, p, pa, pb, wealth)
    h = 1e-5 * wealth
    if family == "quadratic" and abs(pa * p[0] + pb * p[1] - wealth) < 2 * h:
        return  # lambda jumps to 0 at the satiation boundary
    fd = (_indirect_utility(code, p, pa, pb, wealth + h)
          - _indirect_utility(code, p, pa, pb, wealth - h)) / (2 * h)
    assert lam == pytest.approx(fd, rel=1e-4, abs=1e-9)
    assert lam >= 0.0


@ECON
@given(market=markets(families=("cobb_douglas", "ces", "stone_geary", "translog", "quadratic")))
def test_kkt_multiplier_equals_marginal_utility_per_price_at_interior_optimum(market):
    family, code, p, pa, pb, wealth = market
    a, b = K.demand(code, p, pa, pb, wealth)
    lam = K.marginal_utility_of_wealth(code, p, pa, pb, wealth)
    if _satiated(family, p, pa, pb, wealth):
        assert lam == 0.0
        return
    mu_a, mu_b = K.marginal_utilities(code, p, a, b)
    if a > 0.0 and b > 0.0:
        assert lam == pytest.approx(mu_a / pa, rel=1e-7)
        assert lam == pytest.approx(mu_b / pb, rel=1e-7)
    else:  # a corner: the good bought sets lambda, the other is worth less
        assert lam == pytest.approx(mu_a / pa if a > 0 else mu_b / pb, rel=1e-7)
        assert lam >= min(mu_a / pa, mu_b / pb)


def test_demand_closed_forms_by_hand():
    lin = pack_utility_params("linear", {"alpha": 2, "beta": 1})
    assert K.demand(2, lin, 2.0, 1.0, 10.0) == (2.5, 5.0)  # tie: half the spending each
    assert K.marginal_utility_of_wealth(2, lin, 2.0, 1.0, 10.0) == 1.0
    leo = pack_utility_params("leontief", {"alpha": 1, "beta": 2})
    assert K.demand(3, leo, 1.0, 1.0, 9.0) == (3.0, 6.0)
    assert K.marginal_utility_of_wealth(3, leo, 1.0, 1.0, 9.0) == pytest.approx(1 / 3)
    sg = pack_utility_params("stone_geary", {"alpha": 1, "beta": 1, "gamma_a": 2, "gamma_b": 1})
    # supernumerary income 10 - 2 - 1 = 7, half each: a = 2 + 3.5, b = 1 + 3.5
    assert K.demand(5, sg, 1.0, 1.0, 10.0) == pytest.approx((5.5, 4.5))
    assert K.marginal_utility_of_wealth(5, sg, 1.0, 1.0, 10.0) == pytest.approx(2 / 7)
    # below subsistence cost: all of a tiny budget still buys something
    a, b = K.demand(5, sg, 1.0, 1.0, 0.5)
    assert a + b == pytest.approx(0.5) and a >= 0 and b >= 0


# ------------------------------------------------------------- vectorized
def test_vectorized_wrappers_match_the_scalar_kernels():
    rng = np.random.default_rng(7)
    rows = [("cobb_douglas", {"alpha": 0.6, "beta": 0.4}),
            ("ces", {"alpha": 1, "beta": 2, "rho": -0.5}),
            ("linear", {"alpha": 1, "beta": 3}), ("leontief", {"alpha": 2, "beta": 1}),
            ("quadratic", {"bliss_a": 30, "bliss_b": 20}),
            ("stone_geary", {"alpha": 1, "beta": 1, "gamma_a": 1, "gamma_b": 2}),
            ("translog", {"alpha_a": 0.4, "alpha_b": 0.6, "beta_aa": -0.01})]
    codes = np.array([family_code(f) for f, _ in rows])
    params = np.stack([pack_utility_params(f, r) for f, r in rows])
    a, b = rng.uniform(3, 20, len(rows)), rng.uniform(3, 20, len(rows))
    np.testing.assert_array_equal(
        V.utility(codes, params, a, b), [K.utility(c, q, x, y) for c, q, x, y in zip(codes, params, a, b)])
    mu_a, mu_b = V.marginal_utilities(codes, params, a, b)
    assert mu_a.tolist() == [K.marginal_utilities(c, q, x, y)[0] for c, q, x, y in zip(codes, params, a, b)]
    assert V.mrs(codes, params, a, b).tolist() == [K.mrs(c, q, x, y) for c, q, x, y in zip(codes, params, a, b)]
    ask, bid = V.reservation_prices_money(codes, params, a, b, 1, 0.5, 0.3)
    assert ask.tolist() == [K.reservation_prices_money(c, q, x, y, 1, 0.5, 0.3)[0]
                            for c, q, x, y in zip(codes, params, a, b)]
    ask, bid = V.reservation_prices_barter(codes, params, a, b, 1.0, 1.0)
    assert bid.tolist() == [K.reservation_prices_barter(c, q, x, y, 1.0, 1.0)[1]
                            for c, q, x, y in zip(codes, params, a, b)]
    da, db = V.demand(codes, params, 1.5, 0.7, 40.0)
    assert db.tolist() == [K.demand(c, q, 1.5, 0.7, 40.0)[1] for c, q in zip(codes, params)]
    lam = V.marginal_utility_of_wealth(codes, params, 1.5, 0.7, 40.0)
    assert lam.tolist() == [K.marginal_utility_of_wealth(c, q, 1.5, 0.7, 40.0) for c, q in zip(codes, params)]


@pytest.mark.parametrize("call, fragment", [
    (lambda c, p: V.utility(c, p, [1.0, -2.0], 1.0), "a[1] = -2.0"),
    (lambda c, p: V.utility(c, p, 1.0, [1.0, np.nan]), "b[1]"),
    (lambda c, p: V.utility(np.array([0, 99]), p, 1.0, 1.0), "codes[1] = 99"),
    (lambda c, p: V.utility(c, p[:1], 1.0, 1.0), "shape"),
    (lambda c, p: V.utility(c, np.where(np.arange(8) == 2, np.inf, p), 1.0, 1.0), "params[0]"),
    (lambda c, p: V.reservation_prices_money(c, p, 1.0, 1.0, 2, 1.0, 1.0), "good = 2"),
    (lambda c, p: V.reservation_prices_money(c, p, 1.0, 1.0, 0, 1.0, [1.0, 0.0]), "lam[1] = 0.0"),
    (lambda c, p: V.reservation_prices_barter(c, p, 1.0, 1.0, 0.0, 1.0), "unit_a[0]"),
    (lambda c, p: V.demand(c, p, -1.0, 1.0, 5.0), "pa[0] = -1.0"),
    (lambda c, p: V.demand(c, p, 1.0, 1.0, [5.0, 1.0, 2.0]), "wealth must be"),
])
def test_vectorized_input_errors_name_the_item(call, fragment):
    codes = np.array([0, 2])
    params = np.stack([pack_utility_params("cobb_douglas", {"alpha": 1, "beta": 1}),
                       pack_utility_params("linear", {"alpha": 1, "beta": 1})])
    with pytest.raises(V.EconomicsInputError) as err:
        call(codes, params)
    assert fragment in str(err.value) and isinstance(err.value, ValueError)

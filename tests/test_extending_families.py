"""Utility families registered at run time: a family equal to Cobb-Douglas
trades like it, a family given by its utility alone meets the Cobb-Douglas
closed forms, parameters are validated like built-ins', and a plug-in's
family is found by name."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from extending_families import CLOSED_FORMS, CobbDouglasParams, cobb_douglas_utility
from extending_rules import install_plugin
from vmt import plugins
from vmt.cli.listing import LISTERS
from vmt.economics import vectorized as V
from vmt.economics.kernels import parameter_row, utility
from vmt.economics.equilibrium import cobb_douglas_equilibrium_price, equilibrium_allocation
from vmt.economics.families import (FAMILIES, UtilityParamError, canonical_utility_params, family_entries,
                                   resolve_family)
from vmt.extend import (ContractViolation, FamilyRegistrationError, check_family, contract_economy, register_family,
                        unregister_family)
from vmt.scenario import ScenarioError
from vmt.simulation import Simulation
from vmt.world.valuation import _utilities, utilities

STALE = ("a kernel returned NaN for a run-time family: numba's on-disk cache holds kernels compiled "
         "before run-time families existed; run `make clean-cache`")


@pytest.fixture(scope="module", autouse=True)
def registry_left_as_found():
    """Families these tests register are taken out again, so that other
    tests see the built-in registry."""
    before = set(FAMILIES)
    yield
    for name in set(FAMILIES) - before:
        unregister_family(name)


@pytest.fixture(scope="module", autouse=True)
def kernels_know_run_time_families():
    """A kernel of another layer, loaded from numba's on-disk cache, must
    reach a run-time family (a cache older than the family table is not)."""
    code = _family("test_cd_utility_only").code
    out = np.zeros(1)
    row = np.array([[0.5, 0.5, 0, 0, 0, 0, 0, 0]])
    _utilities(np.array([code]), row, np.ones(1), np.array([[400, 400, 0]]), np.array([0.01, 0.01, 1.0]), out)
    if not out[0] == pytest.approx(4.0):
        pytest.fail(STALE)


@pytest.fixture(autouse=True)
def one_numba_thread():
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def _family(name, **closed_forms):
    try:
        return resolve_family(name)
    except UtilityParamError:
        return register_family(name, cobb_douglas_utility, CobbDouglasParams, **closed_forms)


def _economy(family, regime="mixed"):
    scenario = contract_economy(regime)
    for group in scenario["agents"]:
        group["utility"]["family"] = family
    return scenario


@pytest.mark.parametrize("regime", ["mixed", "barter"])
def test_cobb_douglas_registered_again_trades_identically(regime):
    _family("test_cd_closed_forms", **CLOSED_FORMS)
    sims = [Simulation(_economy(family, regime), seed=3, check_invariants=True)
            for family in ("cobb_douglas", "test_cd_closed_forms")]
    assert np.array_equal(utilities(sims[0].world), utilities(sims[1].world))
    trades = [sim.run(30).trades_df() for sim in sims]
    assert len(trades[0]) > 20
    assert trades[0].equals(trades[1])


def test_a_family_given_by_its_utility_alone_meets_the_closed_forms():
    code = _family("test_cd_utility_only").code
    rng = np.random.default_rng(5)
    n = 40
    params = np.zeros((n, 8))
    params[:, 0], params[:, 1] = rng.uniform(0.2, 0.8, n), rng.uniform(0.2, 0.8, n)
    a, b = rng.uniform(0.5, 20, n), rng.uniform(0.5, 20, n)
    built_in, user = np.zeros(n, np.int64), np.full(n, code)
    assert np.array_equal(V.utility(user, params, a, b), V.utility(built_in, params, a, b))
    for ours, exact in zip(V.marginal_utilities(user, params, a, b), V.marginal_utilities(built_in, params, a, b)):
        np.testing.assert_allclose(ours, exact, rtol=1e-8)
    for ours, exact in zip(V.demand(user, params, 1.3, 0.7, 10.0), V.demand(built_in, params, 1.3, 0.7, 10.0)):
        np.testing.assert_allclose(ours, exact, rtol=1e-9)
    price = equilibrium_allocation(user, params, a, b, method="numerical").price
    assert price == pytest.approx(cobb_douglas_equilibrium_price(params[:, 0], params[:, 1], a, b), rel=1e-8)
    ask, bid = V.reservation_prices_barter(user, params, a, b, 0.01, 0.01)
    exact_ask, exact_bid = V.reservation_prices_barter(built_in, params, a, b, 0.01, 0.01)
    np.testing.assert_allclose(ask, exact_ask, rtol=1e-9)
    np.testing.assert_allclose(bid, exact_bid, rtol=1e-9)
    before = V.utility(user, params, a, b)
    assert (V.utility(user, params, a - 0.01, b + 0.01 * ask) >= before).all()  # secured: a sale never hurts
    assert (V.utility(user, params, a + 0.01, b - 0.01 * bid) >= before).all()


@numba.njit
def _utility_from_tuple_and_row(code, params, a, b):
    """The family kernel given the parameters as a tuple and as the array row."""
    return utility(code, parameter_row(params, 0), a, b), utility(code, params[0], a, b)


def test_a_run_time_family_reads_a_parameter_tuple_like_its_row():
    code = _family("test_cd_utility_only").code
    row = np.array([[0.3, 0.6, 0, 0, 0, 0, 0, 0]])
    from_tuple, from_row = _utility_from_tuple_and_row(code, row, 4.0, 9.0)
    assert from_tuple == from_row == pytest.approx(4.0 ** 0.3 * 9.0 ** 0.6, rel=1e-15)


def test_a_family_given_by_its_utility_alone_runs_the_same_on_one_and_two_threads():
    _family("test_cd_utility_only")
    one, two = (Simulation(_economy("test_cd_utility_only"), seed=3, check_invariants=True, threads=t).run(30)
                for t in (1, 2))
    assert len(one.trades_df()) > 20
    assert one.trades_df().equals(two.trades_df())


def test_bad_parameters_get_the_scenario_error_naming_the_key():
    _family("test_cd_utility_only")
    with pytest.raises(UtilityParamError, match=r"'test_cd_utility_only': parameter 'beta' = -1.0 is not "
                                                r"allowed; Input should be greater than 0"):
        canonical_utility_params("test_cd_utility_only", {"alpha": 0.5, "beta": -1})
    scenario = _economy("test_cd_utility_only")
    scenario["agents"][0]["utility"]["params"] = {"alpha": 0.5, "gamma": 1.0}
    with pytest.raises(ScenarioError, match=r"unknown parameter 'gamma'; accepted: alpha, beta"):
        Simulation(scenario, seed=0)


def test_a_function_that_does_not_compile_is_named():
    with pytest.raises(FamilyRegistrationError, match=r"'test_bad_mrs': its mrs function does not compile"):
        register_family("test_bad_mrs", cobb_douglas_utility, CobbDouglasParams, mrs=lambda p, a: p[0])
    with_count = type("WithCount", (CobbDouglasParams,), {"__annotations__": {"n": int}})
    with pytest.raises(FamilyRegistrationError, match=r"'test_bad_field'.*not float: \['n'\]"):
        register_family("test_bad_field", cobb_douglas_utility, with_count)
    with pytest.raises(UtilityParamError, match=r"'cobb_douglas' is already registered"):
        register_family("Cobb-Douglas", cobb_douglas_utility, CobbDouglasParams)


PLUGIN = '''
from extending_families import CobbDouglasParams, cobb_douglas_utility
from vmt.extend import register_family

register_family("plugin_cobb_douglas", cobb_douglas_utility, CobbDouglasParams)
'''


def test_a_plugin_family_is_found_by_name(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(install_plugin(tmp_path, "vmt_cdfamily", PLUGIN)))
    monkeypatch.setattr(plugins, "_loaded", False)  # entry points are read again at the first miss
    family = resolve_family("plugin-cobb-douglas")
    assert family.source == "vmt-cdfamily"
    with pytest.raises(UtilityParamError, match=r"valid families: .*plugin_cobb_douglas \(plug-in from vmt-cdfamily\)"):
        resolve_family("no_such_family")
    sim = Simulation(_economy("plugin_cobb_douglas"), seed=3).run(5)
    assert len(sim.trades_df()) > 0
    assert any(line.startswith("plugin_cobb_douglas — a**alpha b**beta, written again.")
               and line.endswith("[plug-in from vmt-cdfamily]") for line in LISTERS["families"]())



def test_a_checkpoint_resumes_where_families_were_registered_in_another_order(tmp_path):
    first = _family("test_cd_utility_only")
    sim = Simulation(_economy(first.name), seed=3).run(5)
    path = sim.checkpoint(tmp_path / "run.ckpt")
    expected = sim.run(5).trades_df()
    unregister_family(first.name)
    linear = register_family("test_linear_placeholder", lambda p, a, b: a + b, CobbDouglasParams)  # takes the code
    try:
        again = _family("test_cd_utility_only")
        assert again.code != first.code == linear.code
        resumed = Simulation.resume(path)
        assert (resumed.world.agents.family == again.code).all()
        assert resumed.run(5).trades_df().equals(expected)
    finally:
        unregister_family(linear.name)


FAMILY_SAMPLES = {
    "cobb_douglas": {"alpha": 0.4, "beta": 0.6}, "ces": {"alpha": 0.5, "beta": 0.5, "rho": -0.5},
    "linear": {"alpha": 1.0, "beta": 1.3}, "leontief": {"alpha": 1.0, "beta": 2.0},
    "quadratic": {"bliss_a": 40, "bliss_b": 40}, "stone_geary": {"alpha": 0.5, "beta": 0.5, "gamma_a": 0.2},
    "translog": {"alpha_a": 0.4, "alpha_b": 0.5, "beta_aa": -0.02, "beta_bb": -0.02, "beta_ab": 0.01},
    "test_cd_utility_only": {"alpha": 0.4, "beta": 0.6}, "test_cd_closed_forms": {"alpha": 0.4, "beta": 0.6},
}


@pytest.mark.parametrize("name", FAMILY_SAMPLES)
def test_every_family_passes_the_family_contract(name):
    if name.startswith("test_"):
        _family(name, **(CLOSED_FORMS if name == "test_cd_closed_forms" else {}))
    assert name in {f.name for f in family_entries()}
    sim = check_family(name, FAMILY_SAMPLES[name])
    assert sim.tick == 10 and (sim.utilities() >= sim.initial_utility).all()


def test_the_family_contract_names_a_broken_family():
    wrong_slope = {**CLOSED_FORMS, "marginal_utilities": lambda p, a, b: (p[0] * b, p[1] * a)}
    _family("test_cd_wrong_marginals", **wrong_slope)
    with pytest.raises(ContractViolation, match=r"utility family 'test_cd_wrong_marginals' gives marginal utility "
                                                r"of A [\d.]+ at \(a, b\) = .* central difference is"):
        check_family("test_cd_wrong_marginals", {"alpha": 0.4, "beta": 0.6})
    register_family("test_hates_b", lambda p, a, b: a - p[0] * b, CobbDouglasParams)
    with pytest.raises(ContractViolation, match=r"'test_hates_b' has marginal utility of B -0.4\d* at \(a, b\)"):
        check_family("test_hates_b", {"alpha": 0.4, "beta": 0.6})
    register_family("test_divides_by_zero", lambda p, a, b: a / (b - b), CobbDouglasParams)  # inf, not a crash
    with pytest.raises(ContractViolation, match=r"'test_divides_by_zero' has utility inf at \(a, b\)"):
        check_family("test_divides_by_zero", {"alpha": 0.4, "beta": 0.6})

"""Registry of utility families: aliases, defaults, packing and error messages."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.economics.families import (
    FAMILIES,
    N_UTILITY_PARAMS,
    UtilityParamError,
    canonical_utility_params,
    family_code,
    family_name,
    pack_utility_params,
    unpack_utility_params,
)

TRANSLOG_OK = {"alpha_a": 0.5, "alpha_b": 0.4, "beta_aa": -0.01, "beta_bb": -0.02, "beta_ab": 0.005}


def test_codes_are_stable_and_round_trip():
    expected = {"cobb_douglas": 0, "ces": 1, "linear": 2, "leontief": 3,
                "quadratic": 4, "stone_geary": 5, "translog": 6}
    assert {name: fam.code for name, fam in FAMILIES.items()} == expected
    for name, code in expected.items():
        assert family_code(name) == code and family_name(code) == name


@pytest.mark.parametrize("alias, canonical", [
    ("cobb-douglas", "cobb_douglas"), ("Cobb-Douglas", "cobb_douglas"),
    ("perfect_substitutes", "linear"), ("perfect_complements", "leontief"),
    ("bliss", "quadratic"), ("bliss_point", "quadratic"), ("stone-geary", "stone_geary"),
])
def test_family_name_aliases(alias, canonical):
    assert family_code(alias) == FAMILIES[canonical].code


def test_seed_000_cobb_douglas_spelling():
    assert canonical_utility_params("cobb_douglas", {"alpha_A": 0.6, "alpha_B": 0.4}) == \
        {"alpha": 0.6, "beta": 0.4}


def test_seed_002_list_spellings():
    assert canonical_utility_params("cobb_douglas", {"exponents": [0.6, 0.4]}) == \
        {"alpha": 0.6, "beta": 0.4}
    assert canonical_utility_params("linear", {"weights": [0.7, 0.3]}) == \
        {"alpha": 0.7, "beta": 0.3}


def test_defaults_are_filled_in_canonical_order():
    params = canonical_utility_params("translog", TRANSLOG_OK)
    assert list(params) == list(FAMILIES["translog"].param_names)
    assert params["alpha_0"] == 0.0 and params["domain_min"] == 1e-2
    assert canonical_utility_params("stone_geary", {"alpha": 1, "beta": 2}) == \
        {"alpha": 1.0, "beta": 2.0, "gamma_a": 0.0, "gamma_b": 0.0}
    assert canonical_utility_params("quadratic", {"bliss": [3, 4]})["sigma_b"] == 1.0


def test_pack_and_unpack_round_trip():
    row = pack_utility_params("ces", {"alpha_A": 2, "alpha_B": 3, "rho": -0.5})
    assert row.dtype == np.float64 and row.shape == (N_UTILITY_PARAMS,)
    assert row.tolist() == [2.0, 3.0, -0.5, 0, 0, 0, 0, 0]
    assert unpack_utility_params(family_code("ces"), row) == {"alpha": 2.0, "beta": 3.0, "rho": -0.5}


def test_unknown_family_lists_valid_ones():
    with pytest.raises(UtilityParamError) as err:
        canonical_utility_params("cobb_dooglas", {"alpha": 1, "beta": 1})
    for name in FAMILIES:
        assert name in str(err.value)


@pytest.mark.parametrize("family, raw, names", [
    ("cobb_douglas", {"alpha": -0.5, "beta": 1}, ["'alpha'", "-0.5", "> 0"]),
    ("ces", {"alpha": 1, "beta": 1, "rho": 0}, ["'rho'", "0.0", "< 1 and != 0"]),
    ("ces", {"alpha": 1, "beta": 1, "rho": 1.5}, ["'rho'", "1.5"]),
    ("linear", {"alpha": 1, "beta": 0}, ["'beta'", "0.0", "> 0"]),
    ("leontief", {"alpha": 1, "beta": float("nan")}, ["'beta'", "finite"]),
    ("quadratic", {"bliss_a": 5, "bliss_b": 5, "sigma_a": -1}, ["'sigma_a'", "-1.0"]),
    ("stone_geary", {"alpha": 1, "beta": 1, "gamma_b": -2}, ["'gamma_b'", "-2.0", ">= 0"]),
    ("translog", {**TRANSLOG_OK, "beta_aa": 0.1}, ["'beta_aa'", "0.1", "<= 0"]),
    ("translog", {**TRANSLOG_OK, "beta_ab": 0.5}, ["'beta_ab'", "negative semidefinite"]),
    ("translog", {**TRANSLOG_OK, "beta_aa": -0.2}, ["'alpha_a'", "elasticity"]),
    ("translog", {**TRANSLOG_OK, "domain_max": 0.001}, ["'domain_max'", "domain_min"]),
    ("cobb_douglas", {"alpha": "0.5", "beta": 1}, ["'alpha'", "'0.5'", "real number"]),
    ("cobb_douglas", {"alpha": True, "beta": 1}, ["'alpha'", "real number"]),
    ("cobb_douglas", {"alpha": 1}, ["missing", "'beta'"]),
    ("cobb_douglas", {"alpha": 1, "beta": 1, "gamma": 2}, ["unknown parameter", "'gamma'", "alpha_A"]),
    ("cobb_douglas", {"alpha": 1, "alpha_A": 2, "beta": 1}, ["'alpha'", "twice", "alpha_A"]),
    ("linear", {"weights": [1, 2, 3]}, ["'weights'", "list of 2"]),
])
def test_bad_parameters_are_named(family, raw, names):
    with pytest.raises(UtilityParamError) as err:
        canonical_utility_params(family, raw)
    assert isinstance(err.value, ValueError)
    for fragment in names:
        assert fragment in str(err.value)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(alpha_a=st.floats(0.05, 1.0), alpha_b=st.floats(0.05, 1.0),
       beta_aa=st.floats(-0.1, 0.0), beta_bb=st.floats(-0.1, 0.0), corr=st.floats(-1.0, 1.0))
def test_translog_validation_agrees_with_a_grid_check(alpha_a, alpha_b, beta_aa, beta_bb, corr):
    """Accepted iff both output elasticities are positive all over the box."""
    raw = {"alpha_a": alpha_a, "alpha_b": alpha_b, "beta_aa": beta_aa, "beta_bb": beta_bb,
           "beta_ab": corr * np.sqrt(beta_aa * beta_bb), "domain_min": 0.01, "domain_max": 1e4}
    la = np.log(np.geomspace(0.01, 1e4, 25))
    grid_a, grid_b = np.meshgrid(la, la)
    e_a = alpha_a + beta_aa * grid_a + raw["beta_ab"] * grid_b
    e_b = alpha_b + beta_bb * grid_b + raw["beta_ab"] * grid_a
    monotone = bool((e_a > 0).all() and (e_b > 0).all())
    try:
        canonical_utility_params("translog", raw)
        accepted = True
    except UtilityParamError as err:
        assert "elasticity" in str(err)
        accepted = False
    assert accepted == monotone


def test_unknown_code_and_bad_row_shape():
    with pytest.raises(UtilityParamError, match="valid"):
        family_name(42)
    with pytest.raises(UtilityParamError, match="shape"):
        unpack_utility_params(0, np.zeros(3))


def test_registry_is_read_only():
    with pytest.raises(TypeError):
        FAMILIES["quadratic"].defaults["sigma_a"] = 2.0

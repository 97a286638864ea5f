"""Every equilibrium with its stability, and honest failure instead of warnings.

* A two-agent CES exchange economy with strong complementarity has three
  equilibria (symmetric preferences and endowments put one at p = 1; the
  other two are reciprocal, p and 1/p); the middle one is unstable under
  tatonnement (excess demand rises through zero there).
* The example economy of the two-market scenario (linear and Cobb-Douglas
  agents with money) gets its money equilibrium or an explicit
  ``EquilibriumNotFound`` naming the constant-returns agents, with no warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from vmt.economics.equilibrium import EquilibriumNotFound, all_equilibria, excess_demand, walrasian_price
from vmt.economics.families import family_code, pack_utility_params
from vmt.economics.quasilinear import quasilinear_equilibrium
from vmt.simulation import Simulation


def ces_pair(rho=-8.0, weight=0.05):
    rows = [{"alpha": 1.0, "beta": weight, "rho": rho}, {"alpha": weight, "beta": 1.0, "rho": rho}]
    codes = np.full(2, family_code("ces"))
    params = np.stack([pack_utility_params("ces", r) for r in rows])
    return codes, params, np.array([1.0, 0.0]), np.array([0.0, 1.0])


def test_three_equilibria_with_the_middle_one_unstable():
    codes, params, a, b = ces_pair()
    found = all_equilibria(codes, params, a, b)
    prices = [eq.price for eq in found]
    assert len(found) == 3, prices
    assert prices[1] == pytest.approx(1.0, abs=1e-9)
    assert prices[0] * prices[2] == pytest.approx(1.0, rel=1e-6)
    assert [eq.stable for eq in found] == [True, False, True]
    for eq in found:
        assert abs(excess_demand(codes, params, a, b, eq.price)[0]) < 1e-8
        assert eq.all_prices == tuple(prices)
    assert walrasian_price(codes, params, a, b) in (prices[0], prices[2])


def test_the_two_market_example_economy_solves_or_fails_honestly_without_warnings():
    sim = Simulation("walrasian_two_markets", seed=0)
    ag, held = sim.world.agents, sim.world.real_holdings()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            eq = quasilinear_equilibrium(ag.family, ag.utility_params, held[:, 0], held[:, 1], held[:, 2],
                                         ag.lambda_money)
        except EquilibriumNotFound as failure:
            assert "constant-returns" in str(failure)
        else:
            assert abs(eq.excess_a) < 1e-6 * held[:, 0].sum() and abs(eq.excess_b) < 1e-6 * held[:, 1].sum()

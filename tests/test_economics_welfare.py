"""The welfare yardstick: share of the Walrasian gains from trade realised.

Checked by hand on a two-agent Cobb-Douglas economy, at its two ends (no
trade is 0, the Walrasian allocation is 1), in a money economy, and on a
finished simulation (holdings before trade recovered from the trade log).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vmt.economics.equilibrium import equilibrium_allocation
from vmt.economics.families import COBB_DOUGLAS, pack_utility_params
from vmt.economics.quasilinear import quasilinear_equilibrium
from vmt.economics.welfare import money_metric, welfare_share
from vmt.scenario import scenario_path
from vmt.simulation import Simulation


def _cobb_douglas(*pairs):
    codes = np.full(len(pairs), COBB_DOUGLAS, dtype=np.int64)
    params = np.array([pack_utility_params("cobb_douglas", {"alpha": a, "beta": b}) for a, b in pairs])
    return codes, params


def test_money_metric_of_cobb_douglas_by_hand():
    # u = a b at prices (1, 1): V(W) = (W/2)^2, so m = 2 sqrt(a b).
    codes, params = _cobb_douglas((1.0, 1.0), (1.0, 1.0))
    m = money_metric(codes, params, [9.0, 7.0], [1.0, 3.0], 1.0, 1.0)
    np.testing.assert_allclose(m, [6.0, 2.0 * math.sqrt(21.0)], rtol=1e-12)


def test_share_checked_by_hand_on_a_two_agent_economy():
    # Endowments (9, 1) and (1, 9), u = a b: p* = 1, each agent's wealth is 10,
    # m(endowment) = 2 sqrt(9) = 6, so the Walrasian gains are 2 (10 - 6) = 8.
    # Trading 2 A for 2 B moves them to (7, 3) and (3, 7): m = 2 sqrt(21) each.
    codes, params = _cobb_douglas((1.0, 1.0), (1.0, 1.0))
    before = np.array([[9.0, 1.0], [1.0, 9.0]])
    after = np.array([[7.0, 3.0], [3.0, 7.0]])
    w = welfare_share(codes, params, before, after)
    assert w.price_a == pytest.approx(1.0) and w.numeraire == "B"
    assert w.walrasian_gains == pytest.approx(8.0, rel=1e-10)
    assert w.realised_gains == pytest.approx(4.0 * math.sqrt(21.0) - 12.0, rel=1e-10)
    assert w.share == pytest.approx((4.0 * math.sqrt(21.0) - 12.0) / 8.0, rel=1e-10)


def test_share_is_zero_without_trade_and_one_at_the_walrasian_allocation():
    codes, params = _cobb_douglas((0.6, 0.4), (0.3, 0.7), (0.5, 0.5))
    before = np.array([[2.0, 25.0], [16.0, 4.0], [7.0, 9.0]])
    assert welfare_share(codes, params, before, before).share == 0.0
    eq = equilibrium_allocation(codes, params, before[:, 0], before[:, 1])
    walras = welfare_share(codes, params, before, np.column_stack([eq.a, eq.b]))
    assert walras.price_a == pytest.approx(eq.price, rel=1e-10)
    assert walras.share == pytest.approx(1.0, abs=1e-9)


def test_no_allocation_beats_the_walrasian_one():
    # m_i(x) <= p* x and goods are conserved, so any reallocation scores <= 1.
    rng = np.random.default_rng(3)
    codes, params = _cobb_douglas(*[(rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)) for _ in range(6)])
    before = rng.uniform(1.0, 20.0, size=(6, 2))
    for _ in range(20):
        shares = rng.dirichlet(np.ones(6), size=2).T
        after = shares * before.sum(axis=0)
        assert welfare_share(codes, params, before, after).share <= 1.0 + 1e-9


def test_share_is_undefined_when_nothing_can_be_gained():
    codes, params = _cobb_douglas((0.5, 0.5), (0.5, 0.5))
    same = np.array([[4.0, 4.0], [4.0, 4.0]])
    w = welfare_share(codes, params, same, same)
    assert math.isnan(w.share) and "no gains" in w.note


def test_money_economy_share_is_one_at_the_quasilinear_equilibrium():
    codes, params = _cobb_douglas((0.3, 0.3), (0.2, 0.4), (0.4, 0.2))
    before = np.array([[10.0, 2.0, 20.0], [2.0, 12.0, 20.0], [6.0, 6.0, 20.0]])
    lam = np.array([0.5, 0.4, 0.6])
    eq = quasilinear_equilibrium(codes, params, before[:, 0], before[:, 1], before[:, 2], lam)
    after = np.column_stack([eq.a, eq.b, eq.money])
    w = welfare_share(codes, params, before, after, lam=lam)
    assert w.numeraire == "M" and w.price_a == pytest.approx(eq.price_a)
    assert w.share == pytest.approx(1.0, abs=1e-7)
    assert welfare_share(codes, params, before, before, lam=lam).share == 0.0


def test_simulation_welfare_without_trade_is_zero_and_rises_with_trade():
    sim = Simulation(scenario_path("edgeworth_box"), seed=0)
    assert sim.welfare().share == 0.0
    sim.run(60)
    w = sim.welfare()
    assert len(sim.trades_df()) > 0
    assert 0.0 < w.share <= 1.0 + 1e-9

"""Price learning: lambda moves toward the KKT multiplier and stays in its
bounds; reference prices move geometrically toward the signal; eta = 0 is
the bilateral run; determinism and conservation hold under price_signals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import two_type_economy, with_each_thread_count
from vmt.economics import vectorized as V
from vmt.economics.families import family_code, pack_utility_params
from vmt.markets.learning import kkt_lambda, learn_from_signals, learned_lambda, updated_reference
from vmt.simulation import Simulation
from vmt.telemetry import read_table

settings.register_profile("learning", max_examples=60, deadline=None, derandomize=True)
PROFILE = settings.get_profile("learning")
positive = st.floats(1e-3, 1e3)


@settings(PROFILE)
@given(positive, positive, st.floats(0, 1), st.floats(1e-3, 1.0), st.floats(1.0, 1e3))
def test_lambda_moves_toward_the_target_and_never_leaves_its_bounds(lam, target, rate, lo, hi):
    lam = min(max(lam, lo), hi)
    new = learned_lambda(lam, target, rate, lo, hi)
    assert lo <= new <= hi
    assert abs(new - lam) <= abs(target - lam) + 1e-12
    assert (new - lam) * (target - lam) >= 0.0
    if lo <= target <= hi and rate == 1.0:
        assert new == pytest.approx(target)
    assert learned_lambda(lam, math.nan, rate, lo, hi) == lam


@settings(PROFILE)
@given(positive, positive, st.floats(0, 1))
def test_reference_price_moves_geometrically_toward_the_signal(reference, signal, rate):
    new = updated_reference(reference, signal, 1.0, rate)
    assert min(reference, signal) * (1 - 1e-12) <= new <= max(reference, signal) * (1 + 1e-12)
    assert math.log(new) == pytest.approx((1 - rate) * math.log(reference) + rate * math.log(signal), abs=1e-9)
    assert updated_reference(math.nan, signal, 3.0, rate) == pytest.approx(3.0 ** (1 - rate) * signal ** rate)
    assert updated_reference(math.nan, signal, math.inf, rate) == pytest.approx(signal)


FAMILIES = [("cobb_douglas", {"alpha": 0.4, "beta": 0.5}), ("ces", {"alpha": 0.6, "beta": 0.4, "rho": 0.3}),
            ("leontief", {"alpha": 1.0, "beta": 2.0}), ("stone_geary", {"alpha": 0.5, "beta": 0.5, "gamma_a": 1.0, "gamma_b": 0.5})]


@pytest.mark.parametrize("family, params", FAMILIES)
def test_kkt_lambda_is_the_derivative_of_indirect_utility_at_market_wealth(family, params):
    code, p = family_code(family), pack_utility_params(family, params)
    codes, rows = np.array([code]), p[None, :]
    a, b, m, pa, pb = 3.0, 5.0, 7.0, 1.3, 0.8
    wealth = pa * a + pb * b + m

    def indirect(w):
        da, db = V.demand(codes, rows, pa, pb, np.array([w]))
        return V.utility(codes, rows, da, db)[0]

    h = 1e-5 * wealth
    assert kkt_lambda(code, p, a, b, m, pa, pb) == pytest.approx((indirect(wealth + h) - indirect(wealth - h)) / (2 * h), rel=1e-5)


def _money_sim(regime="money", rate=0.5, bounds=(0.05, 20.0)):
    scenario = two_type_economy(12, regime, grid=6, institution="price_signals", price_learning_rate=rate,
                                lambda_bounds=list(bounds))
    return Simulation(scenario, seed=1)


@pytest.mark.parametrize("rate", [0.3, 1.0])
def test_learning_applies_the_partial_adjustment_to_agents_that_heard(rate):
    sim = _money_sim(rate=rate, bounds=(0.05, 20.0))
    w, ag = sim.world, sim.world.agents
    rng = np.random.default_rng(0)
    ag.observed_price[:, 1:] = rng.uniform(0.2, 3.0, (ag.n, 2))
    heard = np.zeros((ag.n, 3), bool)
    heard[::2, 1] = True  # even agents heard the A<->M price this tick
    before = ag.lambda_money.copy()
    ag.quotes_stale[:] = False
    reference = np.full((ag.n, 3), np.nan)
    learn_from_signals(w, heard, reference, sim.tick_state.pair_active, rate, (0.05, 20.0))
    held = w.real_holdings()
    pa, pb = ag.observed_price[:, 1], ag.observed_price[:, 2]
    target = V.marginal_utility_of_wealth(ag.family, ag.utility_params, pa, pb, pa * held[:, 0] + pb * held[:, 1] + held[:, 2])
    expected = np.where(heard[:, 1], np.clip(before + rate * (target - before), 0.05, 20.0), before)
    np.testing.assert_allclose(ag.lambda_money, expected, rtol=1e-12)
    np.testing.assert_array_equal(ag.quotes_stale, ag.lambda_money != before)
    assert np.isfinite(reference[::2, 1]).all() and np.isnan(reference[1::2]).all() and np.isnan(reference[:, 2]).all()


def test_lambda_stays_in_narrow_bounds_during_a_run():
    sim = _money_sim(rate=1.0, bounds=(0.9, 1.1))
    seen = []
    sim.on("after_tick", lambda tick: seen.append(sim.world.agents.lambda_money.copy()))
    sim.run(30)
    values = np.concatenate(seen)
    assert values.min() >= 0.9 and values.max() <= 1.1 and np.ptp(values) > 0.05


def test_barter_learning_leaves_lambda_alone_and_forms_reference_prices():
    scenario = two_type_economy(30, "barter", grid=8, institution="price_signals", price_learning_rate=0.5)
    sim = Simulation(scenario, seed=2).run(30)
    assert (sim.world.agents.lambda_money == 1.0).all()
    component = sim.tick_state.components[0]
    learned = np.isfinite(component.reference_price[:, 0])
    assert learned.any() and np.isnan(component.reference_price[:, 1:]).all()
    assert sim.tick_state.bargaining.anchor_price is component.reference_price


def _frames(tmp_path, name, scenario, ticks=40, seed=5):
    db = tmp_path / f"{name}.db"
    Simulation(scenario, seed=seed, telemetry=db).run(ticks)
    return read_table(db, "trades").drop(columns="run_id"), read_table(db, "agent_snapshots").drop(columns="run_id")


@pytest.mark.parametrize("regime", ["barter", "money", "mixed"])
def test_zero_learning_rate_reproduces_the_bilateral_run(tmp_path, regime):
    bilateral = _frames(tmp_path, "b", two_type_economy(40, regime, grid=9))
    signals = _frames(tmp_path, "s", two_type_economy(40, regime, grid=9, institution="price_signals",
                                                      price_learning_rate=0.0))
    assert len(bilateral[0]) > 20 and signals[0]["market_id"].notna().any()
    pd.testing.assert_frame_equal(bilateral[0].drop(columns="market_id"), signals[0].drop(columns="market_id"))
    pd.testing.assert_frame_equal(bilateral[1].drop(columns="observed_price"), signals[1].drop(columns="observed_price"))
    assert bilateral[1]["observed_price"].isna().all() and signals[1]["observed_price"].notna().any()


def test_learning_changes_the_run(tmp_path):
    bilateral = _frames(tmp_path, "b", two_type_economy(40, "mixed", grid=9))
    signals = _frames(tmp_path, "s", two_type_economy(40, "mixed", grid=9, institution="price_signals",
                                                      price_learning_rate=0.5))
    assert not bilateral[0].drop(columns="market_id").equals(signals[0].drop(columns="market_id"))


@pytest.mark.parametrize("regime", ["barter", "mixed"])
def test_price_signals_is_deterministic_across_runs_and_threads(tmp_path, regime):
    scenario = two_type_economy(60, regime, grid=12, institution="price_signals", price_learning_rate=0.4)
    tables = ("trades", "agent_snapshots", "market_areas", "market_prices")
    runs = iter(range(3))

    def record(threads):
        db = tmp_path / f"t{next(runs)}.db"
        Simulation(scenario, seed=8, telemetry=db).run(40)
        return [read_table(db, t).drop(columns="run_id") for t in tables]

    results = with_each_thread_count(record, counts=(1, 2, 2))
    assert len(results[0][2]) > 0 and len(results[0][3]) > 0
    for other in results[1:]:
        for a, b in zip(results[0], other):
            pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("regime", ["barter", "money", "mixed"])
def test_price_signals_conserves_goods_and_keeps_invariants(regime):
    scenario = two_type_economy(50, regime, grid=10, institution="price_signals", price_learning_rate=0.7)
    sim = Simulation(scenario, seed=3, check_invariants=True).run(60)
    assert sim.trade_log.count > 0


@pytest.mark.parametrize("name, overrides, ticks", [
    ("price_signals_money", [], 60),
    ("two_type_exchange", ["params.institution=price_signals", "params.price_learning_rate=0.5"], 40),
])
def test_shipped_price_signal_scenarios_keep_invariants(name, overrides, ticks):
    from vmt.scenario import load_scenario

    sim = Simulation(load_scenario(name, overrides), check_invariants=True).run(ticks)
    assert sim.trade_log.count > 0 and sim.trades_df()["market_id"].notna().any()

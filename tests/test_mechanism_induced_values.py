"""The induced-value double auction (Gode & Sunder 1993) on the CDA post's order book."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vmt.markets.posts.experiments import InducedMarket, PeriodResult, grid_efficiency, induced_value_experiment
from vmt.simulation import Simulation


@pytest.fixture(scope="module")
def results():
    return {s: induced_value_experiment(s, range(20)) for s in ("zi_c", "zi_u", "truthful")}


def _mean_efficiency(periods) -> float:
    return float(np.mean([p.efficiency for p in periods]))


def test_zero_intelligence_constrained_traders_are_at_least_95_percent_efficient(results):
    assert _mean_efficiency(results["zi_c"]) >= 0.95  # Gode & Sunder report about 97-99%


def test_unconstrained_traders_are_less_efficient_and_trade_at_a_loss(results):
    zi_u, zi_c = _mean_efficiency(results["zi_u"]), _mean_efficiency(results["zi_c"])
    assert zi_u < zi_c - 0.1
    assert all(p.efficiency <= 1.0 for p in results["zi_u"])


def test_every_strategy_trades_and_efficiency_is_bounded_by_one(results):
    for periods in results.values():
        assert all(len(p.prices) > 0 and p.efficiency <= 1.0 + 1e-12 for p in periods)


def _brute_force_max_surplus(market: InducedMarket) -> int:
    values, costs = list(market.values.ravel()), list(market.costs.ravel())
    best = 0
    for q in range(min(len(values), len(costs)) + 1):
        for buyers in itertools.combinations(range(len(values)), q):
            top_costs = sorted(costs)[:q]
            best = max(best, sum(values[b] for b in buyers) - sum(top_costs))
    return best


@pytest.mark.parametrize("seed", range(5))
def test_maximum_surplus_matches_brute_force(seed):
    market = InducedMarket.draw(np.random.default_rng(seed), buyers=3, sellers=3, units=2)
    assert market.max_surplus() == _brute_force_max_surplus(market)


def test_equilibrium_price_and_smith_alpha_by_hand():
    # Values 10, 8, 3 against costs 2, 5, 9: two units trade; any price in [5, 8] clears.
    market = InducedMarket(np.array([[10, 3], [8, 0]]), np.array([[2, 9], [5, 20]]))
    assert market.max_surplus() == (10 - 2) + (8 - 5)
    assert market.equilibrium_price() == 6.5
    period = PeriodResult(prices=[6, 7, 8], surplus=9, max_surplus=11, equilibrium_price=6.5)
    assert period.efficiency == pytest.approx(9 / 11)
    assert period.smith_alpha == pytest.approx(100 * np.sqrt((0.25 + 0.25 + 2.25) / 3) / 6.5)


def test_grid_cda_with_induced_values_is_efficient():
    sim = Simulation("cda_induced_values", seed=0, check_invariants=True).run(40)
    trades = sim.trades_df()
    assert len(trades) > 0 and (trades.market_id == 0).all()
    assert grid_efficiency(sim) > 0.85

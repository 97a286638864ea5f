"""Economic results of bilateral exchange against theory.

* Edgeworth box: repeated mutually beneficial trades end near the contract
  curve, where the two agents' marginal rates of substitution are equal.
* Bimodal market: as trading proceeds, prices concentrate (the dispersion
  of log prices falls from the first trades to the last).
"""

from __future__ import annotations

import numpy as np

from vmt.economics.kernels import mrs
from vmt.scenario import scenario_path
from vmt.simulation import Simulation


def _final_mrs(sim) -> np.ndarray:
    ag, held = sim.world.agents, sim.world.real_holdings()
    return np.array([mrs(ag.family[i], ag.utility_params[i], held[i, 0], held[i, 1]) for i in range(ag.n)])


def test_edgeworth_box_reaches_the_contract_curve():
    sim = Simulation(scenario_path("edgeworth_box"), seed=0, check_invariants=True).run()
    trades = sim.trades_df()
    assert len(trades) >= 2
    first, second = _final_mrs(sim)
    assert abs(first - second) / max(first, second) < 0.05, (first, second)
    assert (sim.utilities() > sim.initial_utility).all()


def test_edgeworth_box_contract_curve_across_seeds():
    for seed in range(5):
        sim = Simulation(scenario_path("edgeworth_box"), seed=seed).run()
        first, second = _final_mrs(sim)
        assert abs(first - second) / max(first, second) < 0.05, (seed, first, second)


def test_bimodal_market_price_dispersion_falls():
    sim = Simulation(scenario_path("bimodal_market"), seed=0).run()
    prices = sim.trades_df().query("pair_type == 'A<->B'")["price"].to_numpy()
    assert prices.size >= 100
    early, late = np.log(prices[:50]).std(ddof=1), np.log(prices[-50:]).std(ddof=1)
    assert late < early, (early, late)

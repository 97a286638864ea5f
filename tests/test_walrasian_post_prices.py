"""The Walrasian post clears at the equilibrium price at the default units.

All agents of a pure-exchange Cobb-Douglas economy stand at one Walrasian
post from the first tick; its first clearing price is compared over 20
seeds with the price that clears the same market in theory:

* barter (A against B): the closed form ``p* = sum s_i B_i / sum (1 - s_i) A_i``;
* money (A against M, B kept): agent i with ``u = a^alpha b_i^beta + lam M``
  buys A until ``alpha a^(alpha-1) b_i^beta = lam p``, so demand is
  ``a_i(p) = (alpha b_i^beta / (lam p))^(1/(1-alpha))`` while money lasts;
  the price clearing ``sum a_i(p) = sum A_i`` is found by Brent's method.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from scipy.optimize import brentq

from vmt.cli import main
from vmt.economics.equilibrium import cobb_douglas_equilibrium_price
from vmt.scenario import scenario_path
from vmt.simulation import Simulation

LAMBDA = 0.5


def post_scenario(money: bool) -> dict:
    scenario = yaml.safe_load(scenario_path("walrasian_single_post").read_text())
    assert "units" not in scenario, "the test is about the default units"
    if money:
        for group, alpha in zip(scenario["agents"], (0.6, 0.3)):
            group["utility"]["params"] = {"alpha": alpha, "beta": 0.3}
            group["endowment"]["M"] = [40, 60]
        scenario["market_posts"][0]["commodities"] = ["A", "M"]
        scenario["params"].update(exchange_regime="money", lambda_money=LAMBDA)
    return scenario


def money_price(sim) -> float:
    ag, held = sim.world.agents, sim.world.real_holdings()
    alpha, beta = ag.utility_params[:, 0], ag.utility_params[:, 1]

    def excess(log_p):
        p = np.exp(log_p)
        wanted = (alpha * held[:, 1] ** beta / (LAMBDA * p)) ** (1.0 / (1.0 - alpha))
        affordable = (p * held[:, 0] + held[:, 2]) / p
        return np.minimum(wanted, affordable).sum() - held[:, 0].sum()
    return float(np.exp(brentq(excess, -10.0, 10.0, xtol=1e-14)))


def first_clear(sim):
    sim.step()
    (component,) = sim.tick_state.components
    assert component.bound.all(), "every agent is at the post on the first tick"
    return component.records.clears_frame().iloc[0]


@pytest.mark.parametrize("money", [False, True], ids=["barter", "money"])
def test_walrasian_post_clears_within_half_a_percent_of_p_star_over_20_seeds(money):
    for seed in range(20):
        sim = Simulation(post_scenario(money), seed=seed)
        ag, held = sim.world.agents, sim.world.real_holdings()
        p_star = money_price(sim) if money else cobb_douglas_equilibrium_price(
            ag.utility_params[:, 0], ag.utility_params[:, 1], held[:, 0], held[:, 1])
        clear = first_clear(sim)
        assert clear.converged == 1, seed
        assert abs(clear.clearing_price / p_star - 1.0) < 0.005, (seed, clear.clearing_price, p_star)


def test_centralized_without_posts_is_an_error_saying_how_to_add_one(tmp_path):
    scenario = post_scenario(False)
    scenario["market_posts"] = []
    path = tmp_path / "no_posts.yaml"
    path.write_text(yaml.safe_dump(scenario))
    result = CliRunner().invoke(main, ["run", str(path), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "market_posts" in result.output and "add a post" in result.output
    assert "Traceback" not in result.output

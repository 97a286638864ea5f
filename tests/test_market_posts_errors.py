"""Bad post settings are errors naming the key; settings a run ignores are reported."""

from __future__ import annotations

import pytest

from test_market_posts_support import post_economy
from vmt.markets.posts import MechanismError, mechanism_names
from vmt.scenario import ScenarioError, load_scenario
from vmt.simulation import Simulation


def test_mechanism_registry_lists_every_mechanism():
    assert mechanism_names() == ["call", "cda", "dealer", "lmsr", "posted_price", "walrasian"]


def test_unknown_mechanism_lists_the_valid_names():
    with pytest.raises(MechanismError) as err:
        Simulation(post_economy("auctioneer"), seed=0)
    message = str(err.value)
    assert "market_posts[0].mechanism_type" in message and "'auctioneer'" in message
    assert "call, cda, dealer, lmsr, posted_price, walrasian" in message


@pytest.mark.parametrize("mechanism, params, where", [
    ("walrasian", {"adjustment_sped": 0.1}, "market_posts[0].mechanism_params.adjustment_sped"),
    ("walrasian", {"max_iterations": 0}, "market_posts[0].mechanism_params.max_iterations"),
    ("cda", {"strategy": "sniper"}, "market_posts[0].mechanism_params.strategy"),
    ("dealer", {"half_spread": 1.5}, "market_posts[0].mechanism_params.half_spread"),
    ("lmsr", {"liquidity": -1}, "market_posts[0].mechanism_params.liquidity"),
])
def test_bad_mechanism_parameters_name_the_key(mechanism, params, where):
    with pytest.raises(MechanismError, match=where.replace("[", r"\[").replace("]", r"\]")):
        Simulation(post_economy(mechanism, params=params), seed=0)


def test_a_mechanism_is_a_value_error():
    assert issubclass(MechanismError, ValueError)


def test_posts_under_a_bilateral_institution_are_reported_as_ignored():
    scenario = load_scenario(post_economy("walrasian", institution="bilateral"))
    notes = " ".join(scenario.inactive_features())
    assert "market_posts: 1 market post(s) (walrasian) act only under" in notes


def test_active_post_scenarios_report_no_inactive_posts():
    notes = load_scenario("walrasian_two_markets").inactive_features()
    assert not any(n.startswith("market_posts") or "params.institution" in n or "centralized_weight" in n
                   for n in notes)
    assert "protocols.search: 'market_aware_search' (an alias of 'market_aware') runs as 'market_aware'" in notes


def test_a_centralized_run_without_posts_is_an_error_and_a_search_without_posts_is_reported():
    with pytest.raises(ScenarioError, match="no market_posts.*add a post"):
        load_scenario(dict(post_economy("walrasian"), market_posts=[]))
    mixed = load_scenario(dict(post_economy("walrasian", institution="mixed_bilateral_centralized"), market_posts=[]))
    assert any("no market_posts" in n for n in mixed.inactive_features())
    walk = load_scenario(dict(post_economy("walrasian"), protocols={"search": "random_walk"}))
    assert any("'random_walk' does not rank market posts" in n for n in walk.inactive_features())
    plain = load_scenario(dict(post_economy("walrasian"), protocols={"search": "distance_discounted"}))
    assert any("'distance_discounted' runs as 'market_aware'" in n for n in plain.inactive_features())

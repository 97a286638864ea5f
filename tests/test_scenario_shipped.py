"""The scenarios shipped with VMT, and the two seed examples loaded as written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vmt.scenario import Scenario, builtin_scenarios, default_scenario, load_scenario, scenario_path
from vmt.scenario.loader import SCENARIO_DIR

EXPECTED = {
    "default", "edgeworth_box", "protocol_comparison", "bimodal_market", "foraging_economy",
    "money_economy", "price_signal_learning", "walrasian_two_markets",
}


def test_every_expected_scenario_is_shipped():
    assert EXPECTED <= set(builtin_scenarios())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_scenario_loads_by_name_and_by_path(name):
    by_name = load_scenario(name)
    by_path = load_scenario(SCENARIO_DIR / f"{name}.yaml")
    assert isinstance(by_name, Scenario)
    assert by_name.scenario_hash() == by_path.scenario_hash()
    assert by_name.source_text == (SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8")


def test_repo_root_scenarios_is_the_package_data():
    root_link = Path(__file__).resolve().parent.parent / "scenarios"
    assert root_link.is_symlink() and root_link.resolve() == SCENARIO_DIR


def test_default_scenario_is_the_market_forming_economy():
    scenario = default_scenario()
    assert scenario.source_path == SCENARIO_DIR / "default.yaml"
    assert (scenario.grid.width, scenario.grid.height) == (40, 40)
    assert scenario.params.ticks == 300 and scenario.params.exchange_regime == "barter"
    assert 100 <= scenario.agent_count <= 140
    assert {r.commodity for r in scenario.resources} == {"A", "B"}
    assert scenario.inactive_features() == []
    # complementary types: the group rich in A values B more, and vice versa
    first, second = scenario.agents
    assert first.utility.family == second.utility.family == "cobb_douglas"
    assert first.endowment.A[0] > first.endowment.B[1] and second.endowment.B[0] > second.endowment.A[1]
    assert first.utility.params["alpha"] < first.utility.params["beta"]
    assert second.utility.params["alpha"] > second.utility.params["beta"]


def test_edgeworth_box_agents_are_adjacent_and_see_the_whole_grid():
    scenario = load_scenario("edgeworth_box")
    (ax, ay, ax1, ay1), (bx, by, bx1, by1) = (g.spawn_region for g in scenario.agents)
    assert (ax, ay) == (ax1, ay1) and (bx, by) == (bx1, by1)
    assert abs(ax - bx) + abs(ay - by) == 1 <= scenario.params.interaction_radius
    diameter = scenario.grid.width - 1 + scenario.grid.height - 1
    assert scenario.params.vision_radius >= diameter
    assert scenario.agent_count == 2 and scenario.resources == [] and scenario.params.ticks == 200


def test_demo_sizes_follow_their_descriptions():
    sizes = {n: load_scenario(n) for n in ("bimodal_market", "foraging_economy", "money_economy", "protocol_comparison")}
    assert sizes["bimodal_market"].agent_count == 50 and len(sizes["bimodal_market"].agents) == 2
    assert sizes["foraging_economy"].agent_count == 200 and (sizes["foraging_economy"].grid.width == 50)
    money = sizes["money_economy"]
    assert money.params.exchange_regime == "money" and all(g.endowment.M != 0.0 for g in money.agents)
    assert [g.count for g in sizes["protocol_comparison"].agents] == [2, 2]


def test_seed_000_example_loads_with_flat_utility_normalised():
    scenario = load_scenario("price_signal_learning")
    (group,) = scenario.agents
    assert group.utility.family == "cobb_douglas"
    assert group.utility.params["alpha"] == 0.6 and group.utility.params["beta"] == 0.4
    assert (group.endowment.A, group.endowment.B, group.endowment.M) == (10.0, 5.0, 50.0)
    assert group.spawn_region == (5, 5, 25, 25)
    assert [r.regeneration_rate for r in scenario.resources] == [0.2, 0.2]
    assert [r.amount for r in scenario.resources] == [5, 5]  # amount defaults to the cap
    notes = " ".join(scenario.inactive_features())
    for param in ("market_formation_threshold", "price_learning_rate", "lambda_bounds"):
        assert param in notes
    assert "ticks" not in notes and "vision_radius" not in notes


def test_seed_000_example_is_the_seed_text():
    text = scenario_path("price_signal_learning").read_text(encoding="utf-8")
    assert "# ... other params" not in text
    assert 'utility_type: "cobb_douglas"' in text and "  # Price learning parameters (NEW)" in text


def test_seed_002_example_loads_with_population_and_spawn_rate_normalised():
    scenario = load_scenario("walrasian_two_markets")
    raw = yaml.safe_load(scenario.source_text)
    assert isinstance(raw["agents"], dict) and isinstance(raw["resources"], dict)  # as written
    linear, cobb = scenario.agents
    assert (linear.count, cobb.count) == (20, 20)
    assert linear.utility.family == "linear" and cobb.utility.family == "cobb_douglas"
    assert cobb.utility.params["alpha"] == 0.6 and cobb.utility.params["beta"] == 0.4
    assert linear.endowment.M == (100.0, 200.0) and cobb.endowment.A == (10.0, 20.0)
    expected_cells = round(0.1 * 50 * 50)
    assert [(r.commodity, r.count, r.amount, r.cap) for r in scenario.resources] == [
        ("A", expected_cells, (1, 3), 3), ("B", expected_cells, (1, 3), 3)]
    assert scenario.params.institution == "mixed_bilateral_centralized"
    assert scenario.params.exchange_regime == "mixed"
    assert [p.id for p in scenario.market_posts] == [0, 1]
    assert scenario.market_posts[1].commodities == ["A", "M"]


def test_seed_002_example_reports_its_aliases():
    # Posts, the mixed institution and its weights are active now (issue 4);
    # what is still reported is how seed 002's protocol names were read.
    scenario = load_scenario("walrasian_two_markets")
    notes = scenario.inactive_features()
    assert not any(n.startswith("market_posts") for n in notes)
    assert not any("params.institution" in n for n in notes)
    assert any("market_aware_search" in n and "runs as 'market_aware'" in n for n in notes)
    assert any("'legacy'" in n and "three_pass" in n for n in notes)
    assert any("'legacy'" in n and "compensating_block" in n for n in notes)
    protocols = scenario.protocols
    assert (protocols.search.name, protocols.search.resolved_name, protocols.search.active_name) == (
        "market_aware_search", "market_aware", "market_aware")
    assert protocols.matching.resolved_name == "three_pass" and protocols.matching.version == "2025.10.26"
    assert protocols.bargaining.resolved_name == "compensating_block"

"""Defaults, aliases, hashing and round trips of the scenario model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.scenario import load_scenario
from vmt.scenario.base import is_whole_units

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)

MINIMAL = {
    "grid": {"width": 8, "height": 6},
    "agents": [{"count": 3, "utility": {"family": "cobb_douglas", "params": {"alpha": 0.5, "beta": 0.5}}}],
}


def test_documented_defaults():
    scenario = load_scenario(MINIMAL)
    p = scenario.params
    assert (scenario.schema_version, scenario.name, scenario.seed) == (1, "unnamed", None)
    assert (scenario.units.A, scenario.units.B, scenario.units.M) == (0.01, 1e-6, 1e-9)
    assert (p.ticks, p.vision_radius, p.interaction_radius, p.move_budget_per_tick) == (200, 5, 1, 1)
    assert (p.beta, p.trade_cooldown_ticks, p.forage_rate, p.max_trade_quantity) == (0.95, 5, 1, 5)
    assert (p.exchange_regime, p.institution, p.lambda_money, p.lambda_bounds) == ("barter", "bilateral", 1.0, (0.01, 100.0))
    assert (p.market_formation_threshold, p.market_dissolution_threshold, p.broadcast_radius) == (5, 3, None)
    group = scenario.agents[0]
    assert (group.endowment.A, group.endowment.B, group.endowment.M, group.spawn_region) == (0.0, 0.0, 0.0, None)
    names = {slot: spec.name for slot, spec in scenario.protocols.slots().items()}
    assert names == {"search": "distance_discounted", "matching": "three_pass", "bargaining": "compensating_block"}
    assert scenario.inactive_features() == []


def test_aliases_are_renamed_to_canonical_keys():
    raw = dict(MINIMAL, params={"move_budget": 3, "trade_cooldown": 2, "money_utility": 2.0})
    raw["agents"] = [dict(MINIMAL["agents"][0], inventories={"A": 4})]
    raw["resources"] = [{"good": "B", "count": 2, "max_amount": 7, "regeneration_cooldown": 4}]
    raw["market_posts"] = [{"location": [1, 1], "mechanism": "posted_price"}]
    scenario = load_scenario(raw)
    p = scenario.params
    assert (p.move_budget_per_tick, p.trade_cooldown_ticks, p.lambda_money) == (3, 2, 2.0)
    assert scenario.agents[0].endowment.A == 4.0
    r = scenario.resources[0]
    assert (r.commodity, r.cap, r.cooldown, r.amount) == ("B", 7, 4, 7)
    assert scenario.market_posts[0].mechanism_type == "posted_price"


def test_institution_written_as_exchange_regime_is_moved():
    scenario = load_scenario(dict(MINIMAL, params={"exchange_regime": "mixed_bilateral_centralized"}))
    assert (scenario.params.institution, scenario.params.exchange_regime) == ("mixed_bilateral_centralized", "mixed")
    assert any("params.institution" in n for n in scenario.inactive_features())


def test_hash_ignores_comments_order_and_spelled_out_defaults():
    text = "grid: {width: 8, height: 6}\nagents:\n  - count: 3\n    utility: {family: cobb_douglas, params: {alpha: 0.5, beta: 0.5}}\n"
    reordered = (
        "# a comment\nparams: {vision_radius: 5}\nagents:\n  - utility: {params: {beta: 0.5, alpha: 0.5}, family: cobb_douglas}\n"
        "    count: 3\ngrid: {height: 6, width: 8}\n"
    )
    assert load_scenario(text).scenario_hash() == load_scenario(reordered).scenario_hash() == load_scenario(MINIMAL).scenario_hash()
    changed = load_scenario(text, ["params.vision_radius=6"])
    assert changed.scenario_hash() != load_scenario(text).scenario_hash()


def test_model_dump_round_trips_for_every_shipped_scenario():
    from vmt.scenario import builtin_scenarios

    for name in builtin_scenarios():
        scenario = load_scenario(name)
        again = load_scenario(scenario.model_dump(mode="json"))
        assert again.scenario_hash() == scenario.scenario_hash(), name


def test_post_ids_default_to_list_position():
    raw = dict(MINIMAL, market_posts=[{"location": [0, 0]}, {"id": 7, "location": [1, 0]}, {"location": [2, 0]}])
    assert [p.id for p in load_scenario(raw).market_posts] == [0, 7, 2]


def test_exponent_without_dot_is_a_number():
    scenario = load_scenario("grid: {width: 3, height: 3}\nagents: [{count: 1, utility: {family: linear, params: {alpha: 1, beta: 1}}}]\n"
                             "params: {price_learning_rate: 1e-3}\n")
    assert scenario.params.price_learning_rate == 0.001


@SETTINGS
@given(st.integers(0, 10**6), st.sampled_from([1.0, 0.5, 0.25, 0.1, 0.01, 0.001]))
def test_whole_multiples_of_a_unit_are_accepted(k, unit):
    assert is_whole_units(k * unit, unit)
    assert not is_whole_units(k * unit + unit / 2, unit)


@SETTINGS
@given(st.integers(0, 40), st.integers(0, 40), st.integers(1, 40), st.integers(1, 40))
def test_spawn_region_inside_grid_iff_corners_are(x1, y1, width, height):
    raw = {**MINIMAL, "grid": {"width": width, "height": height}}
    raw["agents"] = [dict(MINIMAL["agents"][0], spawn_region=[0, 0, x1, y1])]
    inside = x1 < width and y1 < height
    try:
        load_scenario(raw)
        accepted = True
    except ValueError as exc:
        accepted = False
        assert "agents[0].spawn_region" in str(exc)
    assert accepted == inside


def test_family_aliases_resolve_to_registry_names():
    raw = dict(MINIMAL, agents=[
        {"count": 1, "utility": {"family": "Cobb-Douglas", "params": {"exponents": [0.3, 0.7]}}},
        {"count": 1, "utility": {"family": "perfect_substitutes", "params": {"weights": [2, 1]}}},
    ])
    first, second = load_scenario(raw).agents
    assert (first.utility.family, first.utility.params) == ("cobb_douglas", {"alpha": 0.3, "beta": 0.7})
    assert (second.utility.family, second.utility.params) == ("linear", {"alpha": 2.0, "beta": 1.0})

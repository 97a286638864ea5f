"""``--set`` overrides, sources (path, text, mapping, built-in name) and source_text."""

from __future__ import annotations

import pytest

from vmt.scenario import ScenarioError, load_scenario, scenario_path
from vmt.scenario.loader import SCENARIO_DIR

BASE = {
    "grid": {"width": 10, "height": 10},
    "agents": [{"count": 2, "utility": {"family": "linear", "params": {"alpha": 1, "beta": 2}}}],
}


def test_valid_overrides_reach_the_model_and_source_text():
    scenario = load_scenario(BASE, ["params.vision_radius=7", "agents.0.count=10", "agents.0.endowment={A: [1, 4]}"])
    assert scenario.params.vision_radius == 7
    assert scenario.agents[0].count == 10 and scenario.agents[0].endowment.A == (1.0, 4.0)
    assert scenario.source_text.splitlines()[-3:] == [
        "# override: params.vision_radius=7", "# override: agents.0.count=10", "# override: agents.0.endowment={A: [1, 4]}"]


def test_override_does_not_mutate_the_callers_mapping():
    load_scenario(BASE, ["grid.width=20"])
    assert BASE["grid"]["width"] == 10


def test_override_applies_before_seed_format_normalisation():
    scenario = load_scenario("walrasian_two_markets", ["agents.count=50", "agents.utilities.1.count=30"])
    assert [g.count for g in scenario.agents] == [20, 30]


@pytest.mark.parametrize("override, fragments", [
    ("agents.3.count=1", ["agents.3", "index '3'", "0..0"]),
    ("grid.width.x=1", ["grid.width", "10"]),
    ("params.vision_radius", ["KEY=VALUE"]),
    ("params..ticks=1", ["dotted path"]),
])
def test_invalid_override_path(override, fragments):
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASE, [override])
    message = str(info.value)
    assert repr(override) in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("override, fragments", [
    ("params.vision_radius=-2", ["params.vision_radius", "-2", "--set params.vision_radius=-2"]),
    ("params.exchange_regime=gold", ["params.exchange_regime", "'gold'"]),
    ("params.beta=[1", ["'[1'", "not valid YAML"]),
    ("params.nonsense=1", ["params.nonsense", "unknown key"]),
])
def test_invalid_override_value(override, fragments):
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASE, [override])
    for fragment in fragments:
        assert fragment in str(info.value)


def test_every_bad_override_is_reported():
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASE, ["oops", "agents.9.count=1"])
    assert "(2 problems)" in str(info.value)


def test_sources_path_text_mapping_and_name_agree(tmp_path):
    text = scenario_path("edgeworth_box").read_text(encoding="utf-8")
    copy = tmp_path / "box.yaml"
    copy.write_text(text, encoding="utf-8")
    hashes = {load_scenario(s).scenario_hash() for s in (copy, str(copy), text, "edgeworth_box", "edgeworth_box.yaml")}
    assert len(hashes) == 1
    assert load_scenario(copy).source_path == copy and load_scenario(text).source_path is None


def test_scenario_path_resolves_names_and_rejects_unknown():
    assert scenario_path("money_economy") == SCENARIO_DIR / "money_economy.yaml"
    with pytest.raises(ScenarioError) as info:
        scenario_path("no_such_demo")
    assert "no_such_demo" in str(info.value) and "edgeworth_box" in str(info.value)


def test_mapping_source_text_is_yaml_of_the_mapping():
    assert "width: 10" in load_scenario(BASE).source_text


def test_loaded_scenario_takes_more_overrides_on_top_of_its_own():
    first = load_scenario("edgeworth_box", ["params.ticks=9"])
    second = load_scenario(first, ["params.vision_radius=3"])
    assert (second.params.ticks, second.params.vision_radius) == (9, 3)
    assert second.source_path == first.source_path == scenario_path("edgeworth_box")
    assert second.source_text.endswith("# override: params.ticks=9\n# override: params.vision_radius=3")
    assert load_scenario(first).scenario_hash() == first.scenario_hash()


def test_directly_built_scenario_can_be_reloaded_with_overrides():
    from vmt.scenario import Scenario

    built = Scenario.model_validate(BASE)
    assert load_scenario(built, ["grid.height=4"]).grid.height == 4
    assert '"width": 10' in built.source_text

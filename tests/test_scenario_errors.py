"""Every kind of bad scenario gives one paragraph naming the key path and the bad value."""

from __future__ import annotations

import pytest

from vmt.scenario import ScenarioError, load_scenario

BASE = """\
name: errors
grid: {width: 10, height: 10}
agents:
  - count: 2
    utility: {family: cobb_douglas, params: {alpha: 0.5, beta: 0.5}}
    endowment: {A: 5, B: [1, 3]}
"""


def error_of(text: str, overrides=()) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(text, overrides)
    message = str(info.value)
    assert "\n" not in message.strip(), "one paragraph"
    return message


# (case, YAML text, fragments that must appear in the message)
CASES = [
    ("unknown top-level key", BASE + "colour: red\n", ["colour", "unknown key", "agents", "market_posts"]),
    ("unknown nested key", BASE + "params: {vison_radius: 3}\n", ["params.vison_radius", "did you mean 'vision_radius'"]),
    ("wrong type", BASE + "params: {vision_radius: five}\n", ["params.vision_radius", "'five'", "integer"]),
    ("bool is not an int", BASE + "seed: true\n", ["seed", "true", "integer"]),
    ("out of range", BASE + "params: {beta: 1.5}\n", ["params.beta", "1.5", "less than or equal to 1"]),
    ("bad literal", BASE + "params: {exchange_regime: bartr}\n", ["params.exchange_regime", "'bartr'", "'barter', 'money' or 'mixed'"]),
    ("bad utility param", BASE.replace("alpha: 0.5", "alpha: -0.5"), ["agents[0].utility.params", "-0.5", "alpha"]),
    ("unknown family", BASE.replace("cobb_douglas", "cobb_dougles"), ["agents[0].utility.family", "'cobb_dougles'", "cobb_douglas", "leontief"]),
    ("endowment lo > hi", BASE.replace("[1, 3]", "[3, 1]"), ["agents[0].endowment.B", "[3, 1]", "lo <= hi"]),
    ("negative endowment", BASE.replace("A: 5", "A: -2"), ["agents[0].endowment.A", "-2", ">= 0"]),
    ("endowment not a multiple of the unit", BASE.replace("A: 5", "A: 5.005"), ["agents[0].endowment.A", "5.005", "0.01"]),
    ("unknown good", BASE.replace("A: 5", "C: 5"), ["agents[0].endowment.C", "allowed keys in agents[0].endowment: A, B, M"]),
    ("spawn region outside grid", BASE + "    spawn_region: [0, 0, 10, 4]\n", ["agents[0].spawn_region", "[0, 0, 10, 4]", "10x10"]),
    ("spawn region reversed", BASE + "    spawn_region: [5, 0, 2, 4]\n", ["agents[0].spawn_region", "[5, 0, 2, 4]", "x0 <= x1"]),
    ("post outside grid", BASE + "market_posts: [{location: [10, 3]}]\n", ["market_posts[0].location", "[10, 3]", "10x10"]),
    ("two posts on a cell", BASE + "market_posts: [{location: [1, 3]}, {location: [2, 2]}, {location: [1, 3]}]\n",
     ["market_posts[0]", "market_posts[2]", "[1, 3]", "same cell"]),
    ("duplicate post ids", BASE + "market_posts: [{id: 4, location: [1, 3]}, {id: 4, location: [2, 2]}]\n",
     ["market_posts[0]", "market_posts[1]", "same id", "4"]),
    ("lambda outside bounds", BASE + "params: {lambda_money: 200}\n", ["params.lambda_money", "200", "[0.01, 100]"]),
    ("group lambda outside bounds", BASE + "    lambda_money: 0.001\n", ["agents[0].lambda_money", "0.001", "lambda_bounds"]),
    ("bounds reversed", BASE + "params: {lambda_bounds: [5, 1]}\n", ["params.lambda_bounds", "[5, 1]"]),
    ("dissolution not below formation", BASE + "params: {market_dissolution_threshold: 5}\n",
     ["params.market_dissolution_threshold", "5", "market_formation_threshold"]),
    ("bad schema version", BASE + "schema_version: 2\n", ["schema_version", "2", "supported schema versions: 1"]),
    ("yaml syntax error", BASE + "params: {a: [1, 2}\n", ["YAML syntax error", "line 7", "column 18"]),
    ("duplicate key", BASE + "grid: {width: 3, height: 3}\n", ["'grid'", "twice", "line 7"]),
    ("alias and key both given", BASE + "params: {move_budget: 2, move_budget_per_tick: 3}\n", ["params", "move_budget_per_tick", "move_budget"]),
    ("too many resource cells", BASE + "resources: [{commodity: A, count: 20, spawn_region: [0, 0, 3, 3]}]\n",
     ["resources[0].count", "20", "16"]),
    ("resource above cap", BASE + "resources: [{commodity: A, count: 2, cap: 3, amount: [1, 6]}]\n", ["resources[0].amount", "[1, 6]", "cap (3)"]),
    ("resources sharing cells", BASE + "resources: [{commodity: A, count: 60}, {commodity: B, count: 50}]\n",
     ["resources[0], resources[1]", "110", "100"]),
    ("protocol spec key", BASE + "protocols: {search: {name: x, paramz: {}}}\n", ["protocols.search.paramz", "name, params, version"]),
    ("population counts disagree", "grid: {width: 5, height: 5}\nagents: {count: 5, utilities: [{type: linear, weights: [1, 1], count: 3}]}\n",
     ["agents", "count is 5", "3"]),
    ("population positions", "grid: {width: 5, height: 5}\nagents: {count: 1, initial_positions: {distribution: clustered},"
     " utilities: [{type: linear, weights: [1, 1], count: 1}]}\n", ["agents", "'clustered'", "uniform"]),
    ("missing keys", "name: empty\n", ["grid: required key is missing", "agents: required key is missing"]),
    ("top level not a mapping", "- 1\n- 2\n", ["top level must be a mapping", "[1, 2]"]),
]


@pytest.mark.parametrize("case, text, fragments", CASES, ids=[c[0] for c in CASES])
def test_error_names_path_value_and_rule(case, text, fragments):
    message = error_of(text)
    for fragment in fragments:
        assert fragment in message, f"{case}: {fragment!r} missing from {message!r}"


def test_every_problem_is_reported_at_once():
    text = BASE + "params: {vision_radius: -1, beta: 0}\nresources: [{commodity: C, count: 1}]\n"
    message = error_of(text)
    assert "(3 problems)" in message
    for fragment in ("params.vision_radius", "params.beta", "resources[0].commodity"):
        assert fragment in message


def test_file_name_is_named(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text(BASE + "params: {ticks: -5}\n", encoding="utf-8")
    message = error_of(bad)
    assert "broken.yaml" in message and "params.ticks" in message and "-5" in message


def test_missing_file_is_a_scenario_error(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    message = error_of(missing)
    assert "nowhere.yaml" in message and "does not exist" in message


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)

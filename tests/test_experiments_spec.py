"""Experiment files: axes expand into the right points, and bad files name the offending key."""

from __future__ import annotations

import pytest
from conftest import two_type_economy

from vmt.experiments.axes import AxisError, expand, parse_axes
from vmt.experiments.institutions import compare_experiment
from vmt.experiments.spec import ExperimentError, load_experiment


def _points(axes: dict) -> list[dict]:
    return [p.values for p in expand(parse_axes(axes))]


def test_lists_multiply_first_axis_slowest():
    points = _points({"params.vision_radius": [1, 2], "params.institution": ["bilateral", "price_signals"]})
    assert points == [
        {"params.vision_radius": 1, "params.institution": "bilateral"},
        {"params.vision_radius": 1, "params.institution": "price_signals"},
        {"params.vision_radius": 2, "params.institution": "bilateral"},
        {"params.vision_radius": 2, "params.institution": "price_signals"},
    ]


def test_ranges_include_stop_and_keep_integers():
    assert _points({"params.vision_radius": {"start": 2, "stop": 8, "step": 3}}) == [
        {"params.vision_radius": v} for v in (2, 5, 8)]
    assert [p["params.beta"] for p in _points({"params.beta": {"start": 0.8, "stop": 1.0, "num": 3}})] == [0.8, 0.9, 1.0]
    assert [p["params.beta"] for p in _points({"params.beta": {"start": 1.0, "stop": 0.8, "step": -0.1}})] == [1.0, 0.9, 0.8]


def test_zip_pairs_and_cases_assign_several_keys():
    axes = parse_axes({
        "zip": {"params.market_radius": [2, 3], "params.broadcast_radius": [4, 6]},
        "setup": {"cases": {"posts": {"params.institution": "centralized", "market_posts": [{"location": [1, 1]}]},
                            "none": {"params.institution": "bilateral"}}},
    })
    points = expand(axes)
    assert [p.values for p in points][:2] == [
        {"params.market_radius": 2, "params.broadcast_radius": 4, "setup": "posts"},
        {"params.market_radius": 2, "params.broadcast_radius": 4, "setup": "none"},
    ]
    assert points[0].assignments == (("params.market_radius", 2), ("params.broadcast_radius", 4),
                                     ("params.institution", "centralized"), ("market_posts", [{"location": [1, 1]}]))
    assert len({p.key for p in points}) == 4


@pytest.mark.parametrize("axes, message", [
    ({"params.beta": []}, "axes[params.beta]: the list of values is empty"),
    ({"params.beta": {"start": 0, "stop": 1}}, "axes[params.beta]: a range is"),
    ({"params.beta": {"start": 0, "stop": 1, "step": -1}}, "axes[params.beta].step"),
    ({"zip": {"params.a": [1, 2], "params.b": [1]}}, "zipped lists must have one length"),
    ({"params.beta": 0.9}, "give a list of values or a range"),
])
def test_malformed_axes_name_their_key(axes, message):
    with pytest.raises(AxisError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_axes(axes)


def _experiment(**keys) -> dict:
    return {"scenario": two_type_economy(), "seeds": 2, "ticks": 5, **keys}


def test_experiment_resolves_seeds_ticks_and_metrics():
    experiment = load_experiment(_experiment(axes={"params.vision_radius": [1, 2]}, first_seed=5,
                                             metrics=["trades", "final_price"]))
    assert experiment.seeds == [5, 6] and experiment.ticks == 5
    assert experiment.metrics == ["trades", "final_price"]
    assert experiment.point_overrides(experiment.points[1]) == ("params.vision_radius=2",)
    assert load_experiment(_experiment(seeds=[3, 9])).seeds == [3, 9]


@pytest.mark.parametrize("keys, message", [
    ({"axis": {}}, "axis: unknown key"),
    ({"seeds": 0}, "seeds"),
    ({"axes": {"params.vison_radius": [1]}}, "params.vison_radius: not a key of the scenario (did you mean params.vision_radius?)"),
    ({"axes": {"agents.7.count": [1]}}, "agents.7: index '7' is not in 0..1"),
    ({"metrics": ["trades", "happiness"]}, "metrics: unknown metric 'happiness'; registered metrics: welfare_share, equilibrium_price"),
    ({"set": {"params.ticks": -3}}, "params.ticks"),
])
def test_bad_experiments_name_the_key(keys, message):
    with pytest.raises(ExperimentError) as caught:
        load_experiment(_experiment(**keys))
    assert message in str(caught.value)
    assert str(caught.value).startswith("Invalid experiment")


def test_free_form_parameters_may_be_new_keys():
    experiment = load_experiment(_experiment(axes={"protocols.bargaining.params.block_size": [1, 2]}))
    assert len(experiment.points) == 2


def test_experiment_file_relative_scenario(tmp_path):
    import yaml

    (tmp_path / "economy.yaml").write_text(yaml.safe_dump(two_type_economy()))
    (tmp_path / "exp.yaml").write_text("scenario: economy.yaml\nseeds: 2\naxes:\n  params.beta: [0.9, 0.95]\n")
    experiment = load_experiment(tmp_path / "exp.yaml")
    assert experiment.scenario.name == "two-type" and len(experiment.points) == 2
    (tmp_path / "bad.yaml").write_text("scenario: economy.yaml\nseeds: [1, 1]\n")
    with pytest.raises(ExperimentError, match="distinct seeds"):
        load_experiment(tmp_path / "bad.yaml")


def test_compare_places_one_reachable_post_per_mechanism():
    experiment = compare_experiment(two_type_economy(grid=10), ["bilateral", "walrasian", "cda"], seeds=2)
    assert [p.values["institution"] for p in experiment.points] == ["bilateral", "walrasian", "cda"]
    walrasian = dict(experiment.points[1].assignments)
    assert walrasian["params.institution"] == "centralized"
    (post,) = walrasian["market_posts"]
    assert post["mechanism_type"] == "walrasian" and post["location"] == [5, 5]
    assert post["visibility_radius"] >= 20 and post["commodities"] == ["A", "B"]
    assert any("one walrasian post placed at [5, 5]" in note for note in experiment.notes)
    with pytest.raises(ExperimentError, match="unknown institution 'auction'; choose among bilateral"):
        compare_experiment(two_type_economy(), ["bilateral", "auction"], seeds=2)


def test_the_documented_experiment_file_is_valid():
    import re
    from pathlib import Path

    import yaml

    docs = (Path(__file__).resolve().parents[1] / "docs" / "experiments.md").read_text()
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", docs, flags=re.S) if "axes:" in b]
    experiment = load_experiment(yaml.safe_load(block))
    assert len(experiment.points) == 24 and len(experiment.seeds) == 10
    assert experiment.columns == ["params.vision_radius", "params.beta", "params.market_radius",
                                  "params.broadcast_radius", "institution"]

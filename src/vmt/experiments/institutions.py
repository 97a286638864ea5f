"""``vmt compare``: a ready-made sweep over institutions on one economy, paired by seed.

An institution is named as

* ``bilateral`` or ``price_signals`` (or ``centralized``,
  ``mixed_bilateral_centralized``): the value of ``params.institution``;
* a market-post mechanism (``walrasian``, ``posted_price``, ``cda``, ``call``,
  ``dealer``, ``lmsr``): ``params.institution: centralized`` with market posts
  of that mechanism. If the scenario has posts, each gets the named mechanism
  (with its default parameters); if it has none, one post is placed at the
  centre of the grid, seen and heard from every cell (visibility and
  broadcast radius = width + height), trading A and B in barter and each good
  against money otherwise. The notes returned say which was done.

Each institution is one case of a ``cases`` axis named ``institution``, so
every seed runs the same economy under every institution.
"""

from __future__ import annotations

from typing import Any, Sequence

from vmt.experiments.axes import Axis
from vmt.experiments.spec import Experiment, ExperimentError, ExperimentModel, build_experiment
from vmt.scenario.params import INSTITUTIONS

DEFAULT_INSTITUTIONS = ("bilateral", "price_signals", "walrasian", "cda", "posted_price", "dealer")
INSTITUTION_COLUMN = "institution"


def known_institutions() -> list[str]:
    """Every name ``vmt compare`` accepts: the scenario institutions, then the post mechanisms."""
    from vmt.markets.posts.mechanisms import mechanism_names

    return [*INSTITUTIONS, *mechanism_names()]


def institution_axis(scenario, names: Sequence[str]) -> tuple[Axis, list[str]]:
    """The ``institution`` cases axis for ``names`` on ``scenario``, and notes on what was placed."""
    valid = known_institutions()
    unknown = [n for n in names if n not in valid]
    if unknown or not names or len(set(names)) != len(names):
        problem = f"unknown institution {', '.join(map(repr, unknown))}" if unknown else "give distinct institutions"
        raise ExperimentError([f"--institutions: {problem}; choose among {', '.join(valid)}"])
    notes: list[str] = []
    assignments = [_assignments(scenario, name, notes) for name in names]
    return Axis((INSTITUTION_COLUMN,), tuple((n,) for n in names), tuple(assignments)), notes


def _assignments(scenario, name: str, notes: list[str]) -> tuple[tuple[str, Any], ...]:
    if name in INSTITUTIONS:
        return (("params.institution", name),)
    if scenario.market_posts:
        posts = [{**p.model_dump(mode="json", exclude={"mechanism_params"}), "mechanism_type": name}
                 for p in scenario.market_posts]
        notes.append(f"{name}: the scenario's {len(posts)} market post(s) run the {name} mechanism "
                     "with its default parameters")
    else:
        posts = [central_post(scenario, name)]
        notes.append(f"{name}: one {name} post placed at {posts[0]['location']} (the scenario has none), "
                     f"seen from every cell, trading {', '.join(posts[0]['commodities'])}")
    return (("params.institution", "centralized"), ("market_posts", posts))


def central_post(scenario, mechanism: str) -> dict[str, Any]:
    """One post at the grid's centre that every agent sees and hears, for ``mechanism``."""
    width, height = scenario.grid.width, scenario.grid.height
    reach = width + height
    barter = scenario.params.exchange_regime == "barter"
    return {"location": [width // 2, height // 2], "mechanism_type": mechanism,
            "commodities": ["A", "B"] if barter else ["A", "B", "M"],
            "visibility_radius": reach, "broadcast_radius": reach}


def compare_experiment(scenario: Any, institutions: Sequence[str] = DEFAULT_INSTITUTIONS, seeds: int | list[int] = 30,
                       ticks: int | None = None, overrides: Sequence[str] = (), first_seed: int = 0,
                       metrics: list[str] | None = None, name: str | None = None,
                       telemetry: bool = False) -> Experiment:
    """The experiment ``vmt compare`` runs (``scenario``: a path, built-in name, mapping or Scenario)."""
    from vmt.scenario import ScenarioError, load_scenario, scenario_path

    try:
        source = scenario_path(scenario) if isinstance(scenario, str) and "\n" not in scenario else scenario
        base = load_scenario(source, tuple(overrides))
    except ScenarioError as exc:
        raise ExperimentError([f"scenario: {exc}"]) from None
    axis, notes = institution_axis(base, list(institutions))
    model = ExperimentModel(name=name or f"compare {base.name}", scenario=base.origin.raw, seeds=seeds,
                            first_seed=first_seed, ticks=ticks, metrics=metrics, telemetry=telemetry)
    experiment = build_experiment(model, [axis], base_overrides=base.origin.overrides)
    experiment.notes = notes + _inactive_notes(experiment)
    return experiment


def _inactive_notes(experiment: Experiment) -> list[str]:
    """The scenario notes (settings a feature ignores) of the institutions, each listing who it concerns."""
    from vmt.scenario import ScenarioError, load_scenario

    concerned: dict[str, list[str]] = {}
    for point in experiment.points:
        name = point.values[INSTITUTION_COLUMN]
        try:
            notes = load_scenario(experiment.scenario, experiment.point_overrides(point)).inactive_features()
        except ScenarioError as exc:
            notes = [str(exc)]
        for note in notes:
            concerned.setdefault(note, []).append(name)
    return [f"{', '.join(names)}: {note}" for note, names in concerned.items()]

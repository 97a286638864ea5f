"""Experiment files: a base scenario, parameter axes, seeds, ticks and metrics.

```yaml
name: vision_and_institution
scenario: default                 # a file (relative to this one) or a built-in name
set: {params.ticks: 150}          # fixed assignments for every point (optional)
axes:
  params.vision_radius: [3, 6]
  params.institution: [bilateral, price_signals]
seeds: 10                         # a count (first_seed, first_seed+1, ...) or a list
ticks: 100                        # default: the scenario's params.ticks
metrics: [welfare_share, price_dispersion, trades]   # default: every registered metric
```

Validated like scenarios: unknown keys and bad values are errors naming
their key path, and every axis key must be a key of the scenario.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from vmt.experiments.axes import Axis, AxisError, Point, axis_key_paths, expand, parse_axes
from vmt.scenario.base import NonNegInt, PosInt, PosReal, StrictModel, problem, show

DEFAULT_CONVERGENCE_THRESHOLD = 0.05
#: Free-form mappings below which a sweep may set keys the scenario does not spell out.
OPEN_MAPPINGS = ("mechanism_params", "params")


class ExperimentError(ValueError):
    """An experiment that cannot be run; ``str(e)`` is one paragraph naming every problem."""

    def __init__(self, problems: list[str], source: str | Path | None = None) -> None:
        self.problems = list(problems)
        where = f"experiment file {source}" if source else "experiment"
        body = problems[0] if len(problems) == 1 else "; ".join(f"({i}) {p}" for i, p in enumerate(problems, 1))
        super().__init__(f"Invalid {where}: {body}.")


class ExperimentModel(StrictModel):
    """The keys of an experiment file (see the module docstring)."""

    name: str = "experiment"
    scenario: str | dict[str, Any]
    set: dict[str, Any] = Field(default_factory=dict)
    axes: dict[Any, Any] = Field(default_factory=dict)
    seeds: PosInt | list[NonNegInt] = 10
    first_seed: NonNegInt = 0
    ticks: NonNegInt | None = None
    metrics: list[str] | None = None
    convergence_threshold: PosReal = DEFAULT_CONVERGENCE_THRESHOLD
    telemetry: bool = False

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, seeds: int | list[int]) -> int | list[int]:
        if isinstance(seeds, list) and (not seeds or len(set(seeds)) != len(seeds)):
            raise problem(f"got {show(seeds)}; give a count or a non-empty list of distinct seeds")
        return seeds


@dataclass
class Experiment:
    """A validated experiment, ready to run: the base scenario, the points, the seeds."""

    name: str
    scenario: Any  # vmt.scenario.Scenario, with the fixed ``set`` assignments applied
    points: list[Point]
    seeds: list[int]
    ticks: int
    metrics: list[str]
    convergence_threshold: float = DEFAULT_CONVERGENCE_THRESHOLD
    telemetry: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The parameter columns of the results table, in axis order."""
        return list(self.points[0].values) if self.points else []

    def point_overrides(self, point: Point) -> tuple[str, ...]:
        """The scenario overrides (``KEY.PATH=JSON``) that make ``point`` from the base scenario."""
        return tuple(f"{path}={json.dumps(value)}" for path, value in point.assignments)

    def fingerprint(self) -> str:
        """What must match for earlier results in an output folder to be reused."""
        basis = {"scenario": self.scenario.scenario_hash(), "ticks": self.ticks, "metrics": self.metrics,
                 "convergence_threshold": self.convergence_threshold}
        return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


def load_experiment(source: str | Path | dict, overrides: dict[str, Any] | None = None) -> Experiment:
    """Read and validate an experiment file (a path or an already-parsed mapping).

    ``overrides`` replaces top-level keys (e.g. ``{"seeds": 3}`` from the command line).
    """
    raw, path = _read(source)
    raw.update(overrides or {})
    try:
        model = ExperimentModel.model_validate(raw)
    except ValidationError as exc:
        from vmt.scenario.errors import describe_validation_error

        raise ExperimentError(describe_validation_error(exc, ExperimentModel), path) from None
    try:
        axes = parse_axes(model.axes)
    except AxisError as exc:
        raise ExperimentError([str(exc)], path) from None
    return build_experiment(model, axes, path)


def build_experiment(model: ExperimentModel, axes: list[Axis], path: Path | None = None,
                     base_overrides: tuple[str, ...] = ()) -> Experiment:
    """Resolve the base scenario, check the axis key paths against it and expand the points.

    ``base_overrides`` (``KEY.PATH=VALUE`` texts, as ``--set`` gives them) apply
    to the base scenario before the experiment's own ``set``.
    """
    from vmt.experiments.metrics import resolve_metric_names

    scenario = _base_scenario(model, path, base_overrides)
    problems = [p for key in [*axis_key_paths(axes), *model.set] if (p := missing_key(scenario, key))]
    try:
        metrics = resolve_metric_names(model.metrics)
    except KeyError as exc:
        problems.append(f"metrics: {exc.args[0]}")
    if problems:
        raise ExperimentError(problems, path)
    seeds = model.seeds if isinstance(model.seeds, list) else list(range(model.first_seed, model.first_seed + model.seeds))
    ticks = scenario.params.ticks if model.ticks is None else model.ticks
    return Experiment(model.name, scenario, expand(axes), seeds, ticks, metrics,
                      model.convergence_threshold, model.telemetry)


def _read(source: str | Path | dict) -> tuple[dict, Path | None]:
    if isinstance(source, dict):
        return copy.deepcopy(source), None
    from vmt.scenario import ScenarioError
    from vmt.scenario.loader import parse_yaml

    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExperimentError([f"cannot read the file: {getattr(exc, 'strerror', None) or exc}"], path) from None
    try:
        raw = parse_yaml(text, path)
    except ScenarioError as exc:
        raise ExperimentError(exc.problems, path) from None
    if not isinstance(raw, dict):
        raise ExperimentError([f"the top level must be a mapping (scenario, axes, seeds, ...), got {show(raw)}"], path)
    return raw, path


def _base_scenario(model: ExperimentModel, path: Path | None, base_overrides: tuple[str, ...] = ()):
    from vmt.scenario import ScenarioError, load_scenario

    source: Any = model.scenario
    if isinstance(source, str) and path is not None and (path.parent / source).is_file():
        source = path.parent / source
    fixed = [*base_overrides, *(f"{key}={json.dumps(value)}" for key, value in model.set.items())]
    try:
        return load_scenario(source, fixed)
    except ScenarioError as exc:
        raise ExperimentError([f"scenario: {exc}"], path) from None


def missing_key(scenario, key_path: str) -> str | None:
    """A problem text if ``key_path`` is not a key of ``scenario`` (None when it is).

    Keys below a free-form mapping (``mechanism_params``, a protocol's
    ``params``) may be new; every other key must exist in the validated
    scenario with its defaults filled in.
    """
    node: Any = scenario.model_dump(mode="json")
    parts = key_path.split(".")
    for depth, part in enumerate(parts):
        parent = parts[depth - 1] if depth else None
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, dict) and parent in OPEN_MAPPINGS and depth > 1:
            return None
        else:
            return _unknown(parts[:depth], part, node)
    return None


def _unknown(prefix: list[str], part: str, node: Any) -> str:
    where = ".".join([*prefix, part])
    if isinstance(node, dict):
        close = difflib.get_close_matches(part, list(node), n=1)
        hint = f" (did you mean {'.'.join([*prefix, close[0]])}?)" if close else ""
        return f"{where}: not a key of the scenario{hint}"
    if isinstance(node, list):
        return f"{where}: index {part!r} is not in 0..{len(node) - 1}"
    return f"{where}: {'.'.join(prefix)} is {show(node)}, not a mapping or list"

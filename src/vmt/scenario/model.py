"""The validated scenario: the root model and its small blocks (grid, units).

``Scenario`` validates a raw mapping (already parsed from YAML) in one pass:
before validating, it extracts a :class:`~vmt.scenario.base.ScenarioFrame`
(grid size, units, lambda bounds) from the raw mapping so that nested checks
that depend on other parts of the file report at their own key path.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, Strict, field_validator, model_validator

from .agents import AgentGroup, normalise_agents
from .base import (
    DEFAULT_LAMBDA_BOUNDS,
    DEFAULT_UNITS,
    Int,
    PosInt,
    PosReal,
    ScenarioFrame,
    Seed,
    amount_bounds,
    StrictModel,
    enter_frame,
    leave_frame,
    problem,
    show,
)
from .limits import MAX_TOTAL_MINOR_UNITS, current_limits
from .params import Params
from .posts import MarketPost, number_posts
from .protocols import Protocols
from .resources import ResourceSpec, check_cells_available, normalise_resources

SUPPORTED_SCHEMA_VERSIONS = (1,)


@dataclass(frozen=True)
class ScenarioOrigin:
    """The raw mapping a scenario was validated from, before its overrides.

    Kept so that more overrides can be applied later on top of the earlier
    ones (``load_scenario(scenario, more)``) and the exact text recorded.
    """

    raw: dict
    text: str
    path: Path | None
    overrides: tuple[str, ...]


class Grid(StrictModel):
    """A ``width`` x ``height`` grid of cells; coordinates run from 0 to width-1 / height-1.

    At most ``max_grid_cells`` cells (see :mod:`vmt.scenario.limits`).
    """

    width: PosInt
    height: PosInt

    @model_validator(mode="after")
    def _within_cell_limit(self) -> "Grid":
        limit = current_limits().max_grid_cells
        if self.width * self.height > limit:
            raise problem(f"got {self.width} x {self.height} = {self.width * self.height} cells, more than "
                          f"the limit of {limit} (raise it with --limit max_grid_cells=N)")
        return self


UnitSize = Annotated[float, Strict(), Field(ge=1e-9, le=1e9, allow_inf_nan=False)]


class Units(StrictModel):
    """Size of one minor unit of each good in real terms.

    The engine holds quantities as int64 minor units: an endowment of 12.5 A
    with ``A: 0.5`` is 25 minor units.  Money defaults to cents. A unit lies
    in ``[1e-9, 1e9]``: prices are held as whole ticks derived from the
    units, and beyond that range they would not fit 64 bits.
    """

    A: UnitSize = DEFAULT_UNITS["A"]
    B: UnitSize = DEFAULT_UNITS["B"]
    M: UnitSize = DEFAULT_UNITS["M"]


class Scenario(StrictModel):
    """A complete, validated scenario (schema version 1).

    Build one with :func:`vmt.scenario.load_scenario`, which also records the
    source text; constructing it directly from a mapping validates the same way.
    """

    schema_version: Int = 1
    name: str = "unnamed"
    description: str = ""
    seed: Seed | None = None
    grid: Grid
    units: Units = Field(default_factory=Units)
    agents: list[AgentGroup]
    resources: list[ResourceSpec] = Field(default_factory=list)
    params: Params = Field(default_factory=Params)
    protocols: Protocols = Field(default_factory=Protocols)
    market_posts: list[MarketPost] = Field(default_factory=list)

    _origin: "ScenarioOrigin | None" = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _validate_in_frame(cls, data: Any, handler: Any) -> "Scenario":
        """Check the schema version first, then validate with the file's frame in scope."""
        if isinstance(data, dict):
            _check_schema_version(data.get("schema_version", 1))
        token = enter_frame(frame_from_raw(data))
        try:
            return handler(data)
        finally:
            leave_frame(token)

    @field_validator("agents", mode="before")
    @classmethod
    def _agents_population_form(cls, raw: Any) -> Any:
        return normalise_agents(raw)

    @field_validator("agents")
    @classmethod
    def _at_least_one_group(cls, groups: list[AgentGroup]) -> list[AgentGroup]:
        if not groups:
            raise problem("got an empty list; a scenario needs at least one agent group")
        total, limit = sum(group.count for group in groups), current_limits().max_agents
        if total > limit:
            raise problem(f"the groups add up to {total} agents, more than the limit of {limit} "
                          "(raise it with --limit max_agents=N)")
        return groups

    @model_validator(mode="after")
    def _totals_fit_int64(self) -> "Scenario":
        """Each good's most possible total, in minor units, must fit int64 with room to spare."""
        for good in ("A", "B", "M"):
            unit = getattr(self.units, good)
            held = sum(g.count * amount_bounds(getattr(g.endowment, good))[1] for g in self.agents)
            on_cells = sum(r.count * r.cap for r in self.resources if r.commodity == good)
            if (held + on_cells) / unit > MAX_TOTAL_MINOR_UNITS:
                raise problem(
                    f"units.{good}: the agents' endowments and the cells' caps of {good} can add up to "
                    f"{held + on_cells:.3g}, which is {(held + on_cells) / unit:.3g} minor units of "
                    f"{unit:g}; the engine holds goods as 64-bit integers, so keep the total below "
                    f"{MAX_TOTAL_MINOR_UNITS * unit:.3g} (smaller amounts or a larger unit)")
        return self

    @field_validator("resources", mode="before")
    @classmethod
    def _resources_spawn_rate_form(cls, raw: Any) -> Any:
        return normalise_resources(raw)

    @field_validator("resources")
    @classmethod
    def _cells_available(cls, resources: list[ResourceSpec]) -> list[ResourceSpec]:
        return check_cells_available(resources)

    @field_validator("market_posts")
    @classmethod
    def _posts_distinct(cls, posts: list[MarketPost]) -> list[MarketPost]:
        return number_posts(posts)

    @property
    def origin(self) -> "ScenarioOrigin":
        """Where the scenario came from (for a model built directly: its own dump)."""
        if self._origin is None:
            raw = self.model_dump(mode="json")
            self._origin = ScenarioOrigin(raw=raw, text=json.dumps(raw, indent=2), path=None, overrides=())
        return self._origin

    @property
    def source_text(self) -> str:
        """The YAML text as given, plus one ``# override: KEY=VALUE`` comment line per override."""
        origin = self.origin
        return origin.text + "".join(f"\n# override: {o}" for o in origin.overrides)

    @property
    def source_path(self) -> Path | None:
        """The file the scenario was read from, if any."""
        return self.origin.path

    @property
    def agent_count(self) -> int:
        """Total number of agents over all groups."""
        return sum(group.count for group in self.agents)

    def scenario_hash(self) -> str:
        """sha256 (hex) of the canonical JSON of the validated model.

        Canonical: keys sorted, no whitespace, every default filled in, so two
        files that differ only in comments, key order or spelled-out defaults
        hash the same.
        """
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def inactive_features(self) -> list[str]:
        """Accepted settings whose feature is not active in this version, one sentence each."""
        from .features import inactive_features

        return inactive_features(self)


def _check_schema_version(version: Any) -> None:
    if isinstance(version, bool) or version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(str(v) for v in SUPPORTED_SCHEMA_VERSIONS)
        raise problem(f"schema_version: got {show(version)}; supported schema versions: {supported}")


def frame_from_raw(data: Any) -> ScenarioFrame:
    """Grid size, units and lambda bounds read leniently from a raw mapping (``None`` where invalid)."""
    data = data if isinstance(data, dict) else {}
    grid = data.get("grid") if isinstance(data.get("grid"), dict) else {}
    units = data.get("units") if isinstance(data.get("units"), dict) else {}
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    return ScenarioFrame(
        width=_positive(grid.get("width"), int),
        height=_positive(grid.get("height"), int),
        units={good: _positive(units.get(good, default), float) for good, default in DEFAULT_UNITS.items()},
        lambda_bounds=_bounds(params.get("lambda_bounds", DEFAULT_LAMBDA_BOUNDS)),
    )


def _positive(value: Any, kind: type) -> Any:
    numeric = (int,) if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, numeric) or value <= 0:
        return None
    return kind(value)


def _bounds(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    lo, hi = (_positive(v, float) for v in value)
    return (lo, hi) if lo is not None and hi is not None and lo <= hi else None

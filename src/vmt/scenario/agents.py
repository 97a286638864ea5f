"""Agent groups: how many agents, their preferences, endowments and where they start.

A group is ``count`` agents sharing one utility specification, one endowment
rule (each good a fixed amount or a uniform ``[lo, hi]`` range, in real units)
and one spawn region.  Two seed formats are normalised into groups here:

* an alternative form writes ``utility_type`` + ``utility_params`` flat on the group;
* an alternative form writes one population mapping ``{count, initial_positions,
  inventories, utilities: [{type, <params>, count}, ...]}``; each entry of
  ``utilities`` becomes a group sharing the population's inventories.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from vmt.economics.families import UtilityParamError, canonical_utility_params, resolve_family

from .base import (
    Amount,
    PosInt,
    PosReal,
    SpawnRegion,
    StrictModel,
    amount_bounds,
    check_region,
    check_whole_units,
    current_frame,
    problem,
    show,
)


class UtilitySpec(StrictModel):
    """A utility family by registry name and its parameters (canonicalised).

    ``params`` may use any alias the family accepts (``alpha_A``/``alpha_B``,
    ``exponents: [a, b]``, ``weights: [a, b]``...) and ``family`` any alias the
    registry accepts; after validation ``family`` is the registry name and
    ``params`` the family's canonical parameter names with float values
    (defaults filled in).
    """

    family: str
    params: dict[str, Any] = Field(default_factory=dict, validate_default=True)

    @field_validator("family")
    @classmethod
    def _known_family(cls, family: str) -> str:
        """Resolve aliases (``perfect_substitutes``, ``Cobb-Douglas``) to the registry name."""
        try:
            return resolve_family(family).name
        except UtilityParamError as exc:
            raise problem(str(exc)) from None

    @field_validator("params")
    @classmethod
    def _canonical_params(cls, params: dict[str, Any], info: ValidationInfo) -> dict[str, float]:
        family = info.data.get("family")
        if family is None:
            return params
        try:
            return canonical_utility_params(family, params)
        except UtilityParamError as exc:
            raise problem(f"got {show(params)}; {exc}") from None


class Endowment(StrictModel):
    """Initial holdings of each good in real units; a missing good starts at 0.

    Each good is a fixed amount (a float) or a range ``(lo, hi)`` from which
    every agent of the group draws a whole number of minor units uniformly.
    """

    A: Amount = 0.0
    B: Amount = 0.0
    M: Amount = 0.0

    @field_validator("A", "B", "M")
    @classmethod
    def _whole_minor_units(cls, amount: Any, info: ValidationInfo) -> Any:
        check_whole_units(info.field_name, amount_bounds(amount))
        return amount


class AgentGroup(StrictModel):
    """``count`` agents with one utility, one endowment rule and one spawn region.

    ``lambda_money`` overrides ``params.lambda_money`` (the marginal utility of
    money in ``u(A, B) + lambda * M``) for this group; ``spawn_region`` is an
    inclusive ``[x0, y0, x1, y1]`` rectangle, the whole grid when omitted.
    """

    KEY_ALIASES = {"inventories": "endowment"}

    name: str | None = None
    count: PosInt
    utility: UtilitySpec
    endowment: Endowment = Field(default_factory=Endowment)
    spawn_region: SpawnRegion | None = None
    lambda_money: PosReal | None = None

    @model_validator(mode="before")
    @classmethod
    def _flat_utility(cls, data: Any) -> Any:
        """Alternative form: ``utility_type`` + ``utility_params`` become ``utility``."""
        if not isinstance(data, dict) or not {"utility_type", "utility_params"} & set(data):
            return data
        if "utility" in data:
            raise problem("give either 'utility' or the alternative 'utility_type'/'utility_params', not both")
        flat = dict(data)
        flat["utility"] = {"family": flat.pop("utility_type", None), "params": flat.pop("utility_params", {})}
        return flat

    @field_validator("spawn_region")
    @classmethod
    def _region_inside_grid(cls, region: SpawnRegion | None) -> SpawnRegion | None:
        return check_region(region)

    @field_validator("lambda_money")
    @classmethod
    def _lambda_within_bounds(cls, value: float | None) -> float | None:
        bounds = current_frame().lambda_bounds
        if value is not None and bounds is not None and not bounds[0] <= value <= bounds[1]:
            raise problem(f"got {value:g}, outside params.lambda_bounds [{bounds[0]:g}, {bounds[1]:g}]")
        return value


#: Keys of the alternative single-population form of ``agents``.
POPULATION_KEYS = ("count", "initial_positions", "inventories", "endowment", "utilities", "spawn_region", "lambda_money")
POSITION_DISTRIBUTIONS = ("uniform",)


def groups_from_population(population: dict[str, Any]) -> list[dict[str, Any]]:
    """Turn the alternative population mapping into a list of raw agent groups.

    Each ``utilities`` entry ``{type, count, <family params>}`` becomes one group
    named after its family; the population's ``inventories`` (alias
    ``endowment``), ``spawn_region`` and ``lambda_money`` are shared by all
    groups.  ``initial_positions: {distribution: uniform}`` is the default
    placement (uniform over the spawn region) and is the only one accepted.
    """
    unknown = sorted(set(population) - set(POPULATION_KEYS))
    if unknown:
        raise problem(f"unknown key '{unknown[0]}' in the population form (allowed keys: {', '.join(POPULATION_KEYS)})")
    _check_positions(population.get("initial_positions"))
    entries = population.get("utilities")
    if not isinstance(entries, list) or not entries:
        raise problem(f"utilities: got {show(entries)}; expected a non-empty list of {{type, count, ...params}}")
    shared = _shared_group_keys(population)
    names = _group_names(entries)
    groups = [_group_from_entry(i, entry, names[i], shared) for i, entry in enumerate(entries)]
    _check_counts_sum(population.get("count"), [g["count"] for g in groups])
    return groups


def _check_positions(positions: Any) -> None:
    if positions is None:
        return
    if not isinstance(positions, dict) or set(positions) != {"distribution"}:
        raise problem(f"initial_positions: got {show(positions)}; expected {{distribution: uniform}}")
    if positions["distribution"] not in POSITION_DISTRIBUTIONS:
        raise problem(
            f"initial_positions.distribution: got {show(positions['distribution'])}; allowed: "
            f"{', '.join(POSITION_DISTRIBUTIONS)} (use spawn_region to restrict where agents start)"
        )


def _shared_group_keys(population: dict[str, Any]) -> dict[str, Any]:
    if "inventories" in population and "endowment" in population:
        raise problem("both 'endowment' and its alias 'inventories' are given; keep one")
    shared = {k: population[k] for k in ("spawn_region", "lambda_money") if k in population}
    for key in ("inventories", "endowment"):
        if key in population:
            shared["endowment"] = population[key]
    return shared


def _group_names(entries: list[Any]) -> list[str | None]:
    families = [e.get("type") if isinstance(e, dict) else None for e in entries]
    return [f if families.count(f) == 1 else f"{f}_{i}" for i, f in enumerate(families)]


def _group_from_entry(index: int, entry: Any, name: str | None, shared: dict[str, Any]) -> dict[str, Any]:
    where = f"utilities[{index}]"
    if not isinstance(entry, dict) or "type" not in entry or "count" not in entry:
        raise problem(f"{where}: got {show(entry)}; each entry needs 'type', 'count' and the family's parameters")
    params = {k: v for k, v in entry.items() if k not in ("type", "count")}
    if set(params) == {"params"}:
        params = params["params"]
    group = {"name": name, "count": entry["count"], "utility": {"family": entry["type"], "params": params}}
    return {**group, **shared}


def _check_counts_sum(count: Any, counts: list[Any]) -> None:
    if count is None or not all(isinstance(c, int) for c in counts):
        return
    if sum(counts) != count:
        summed = " + ".join(str(c) for c in counts) + (f" = {sum(counts)}" if len(counts) > 1 else "")
        raise problem(f"count is {show(count)} but the counts of its utilities add up to {summed}; they must agree")


def normalise_agents(raw: Any) -> Any:
    """Accept a list of groups as is; convert the alternative population mapping into one."""
    return groups_from_population(raw) if isinstance(raw, dict) else raw

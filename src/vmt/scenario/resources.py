"""Resource cells: where goods A and B can be foraged and how they regrow.

Quantities (``amount``, ``cap``) are whole real units of the good, like
endowments; the engine converts them to minor units with the scenario's
``units``.  A cell holds at most ``cap`` units, regrows ``regeneration_rate``
units per tick (accumulated fractionally, so 0.1 means one unit every ten
ticks) and, once emptied, waits ``cooldown`` ticks before regrowing.

An alternative form describes resources by density instead: ``{spawn_rate, types:
[{good, quantity: [lo, hi]}]}``.  Each type becomes one entry with
``count = round(spawn_rate * width * height)`` cells (halves rounded up),
``amount = [lo, hi]`` drawn per cell and ``cap = hi`` (a cell never regrows
above the largest stock it could start with).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationInfo, field_validator, model_validator

from .base import (
    NonNegInt,
    NonNegReal,
    PosInt,
    SpawnRegion,
    StrictModel,
    WholeAmount,
    amount_bounds,
    check_region,
    check_whole_units,
    current_frame,
    problem,
    region_cells,
    round_half_up,
    show,
)


class ResourceSpec(StrictModel):
    """``count`` resource cells of one good placed at random inside ``spawn_region``."""

    KEY_ALIASES = {"good": "commodity", "max_amount": "cap", "regeneration_cooldown": "cooldown"}

    commodity: Literal["A", "B"]
    spawn_region: SpawnRegion | None = None
    count: NonNegInt
    cap: PosInt = 5
    amount: WholeAmount | None = None
    regeneration_rate: NonNegReal = 0.1
    cooldown: NonNegInt = 0

    @field_validator("spawn_region")
    @classmethod
    def _region_inside_grid(cls, region: SpawnRegion | None) -> SpawnRegion | None:
        return check_region(region)

    @field_validator("count")
    @classmethod
    def _fits_region(cls, count: int, info: ValidationInfo) -> int:
        if "spawn_region" not in info.data:
            return count
        cells = region_cells(info.data["spawn_region"])
        if cells is not None and count > cells:
            raise problem(f"got {count}, more cells than the spawn region has ({cells})")
        return count

    @field_validator("cap")
    @classmethod
    def _cap_whole_units(cls, cap: int, info: ValidationInfo) -> int:
        if "commodity" in info.data:
            check_whole_units(info.data["commodity"], (cap,))
        return cap

    @field_validator("amount")
    @classmethod
    def _amount_within_cap(cls, amount: Any, info: ValidationInfo) -> Any:
        if amount is None:
            return amount
        cap, bounds = info.data.get("cap"), amount_bounds(amount)
        if cap is not None and bounds[1] > cap:
            raise problem(f"got {show(amount)}; a cell cannot start above its cap ({cap})")
        if "commodity" in info.data:
            check_whole_units(info.data["commodity"], bounds)
        return amount

    @model_validator(mode="after")
    def _full_by_default(self) -> "ResourceSpec":
        if self.amount is None:
            self.amount = self.cap
        return self


def check_cells_available(resources: list[ResourceSpec]) -> list[ResourceSpec]:
    """Reject entries that together need more cells than their region has.

    Each cell holds at most one resource, so the entries whose regions lie
    inside a region R can use at most ``cells(R)`` cells.  (A necessary
    condition; for regions that merely overlap, placement order can still
    matter, and the world builder reports that case.)
    """
    frame = current_frame()
    if not frame.has_grid:
        return resources
    regions = [spec.spawn_region or (0, 0, frame.width - 1, frame.height - 1) for spec in resources]
    for outer in dict.fromkeys(regions):
        inside = [i for i, r in enumerate(regions) if _contains(outer, r)]
        total, cells = sum(resources[i].count for i in inside), region_cells(outer)
        if len(inside) > 1 and total > cells:
            entries = ", ".join(f"resources[{i}]" for i in inside)
            raise problem(
                f"{entries} together need {total} cells inside {show(list(outer))}, which has only "
                f"{cells}; a cell holds at most one resource"
            )
    return resources


def _contains(outer: tuple[int, ...], inner: tuple[int, ...]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


SPAWN_RATE_KEYS = ("spawn_rate", "types")


def resources_from_spawn_rate(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Turn the alternative ``{spawn_rate, types}`` mapping into a list of raw resource entries."""
    unknown = sorted(set(spec) - set(SPAWN_RATE_KEYS))
    if unknown:
        raise problem(f"unknown key '{unknown[0]}' in the spawn-rate form (allowed keys: {', '.join(SPAWN_RATE_KEYS)})")
    rate, types = spec.get("spawn_rate"), spec.get("types")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise problem(f"spawn_rate: got {show(rate)}; expected a fraction of the grid's cells in [0, 1]")
    if not isinstance(types, list) or not types:
        raise problem(f"types: got {show(types)}; expected a non-empty list of {{good, quantity: [lo, hi]}}")
    frame = current_frame()
    if not frame.has_grid:
        raise problem("the spawn-rate form needs a valid grid to turn spawn_rate into a number of cells")
    count = round_half_up(rate * frame.width * frame.height)
    return [_entry_from_type(i, t, count) for i, t in enumerate(types)]


def _entry_from_type(index: int, resource_type: Any, count: int) -> dict[str, Any]:
    if not isinstance(resource_type, dict) or "quantity" not in resource_type:
        raise problem(f"types[{index}]: got {show(resource_type)}; each type needs a good and quantity: [lo, hi]")
    entry = dict(resource_type)
    quantity = entry.pop("quantity")
    high = quantity[-1] if isinstance(quantity, list) and quantity else quantity
    entry.setdefault("count", count)
    entry.setdefault("cap", high)
    entry["amount"] = quantity
    return entry


def normalise_resources(raw: Any) -> Any:
    """Accept a list of resource entries as is; convert the alternative spawn-rate form into one."""
    return resources_from_spawn_rate(raw) if isinstance(raw, dict) else raw

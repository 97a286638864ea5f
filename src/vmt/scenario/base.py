"""Shared pieces of the scenario models: strict base model, ranges, regions.

Every model in the scenario layer forbids unknown keys (a misspelt key is an
error, never silently ignored) and renames documented aliases to their
canonical key before validation.  Checks that need another part of the file
(is a spawn region inside the grid? is an endowment a multiple of its good's
unit?) read a :class:`ScenarioFrame` that :class:`~vmt.scenario.model.Scenario`
extracts from the raw mapping before validating it, so that every problem is
reported in one pass at its exact key path.
"""

from __future__ import annotations

import contextvars
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Iterable

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, Strict, model_validator
from pydantic_core import PydanticCustomError

Int = Annotated[int, Strict()]
NonNegInt = Annotated[int, Strict(), Field(ge=0)]
PosInt = Annotated[int, Strict(), Field(ge=1)]
NonNegReal = Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
PosReal = Annotated[float, Strict(), Field(gt=0, allow_inf_nan=False)]
UnitInterval = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
#: A seed of the run's random streams (stored as a signed 64-bit integer).
Seed = Annotated[int, Strict(), Field(ge=0, le=2**63 - 1)]


def clamp_to_grid(radius: int) -> int:
    """A distance in cells, clamped to the grid's Manhattan diameter.

    Every cell is within ``(width - 1) + (height - 1)`` steps of every other,
    so a larger radius means the same thing; clamping keeps a radius of 10^9
    from costing 10^9 of anything.
    """
    frame = current_frame()
    return min(radius, frame.width + frame.height - 2) if frame.has_grid else radius


#: A Manhattan distance in cells (vision, interaction, broadcast, movement).
Radius = Annotated[int, Strict(), Field(ge=0, le=2**62), AfterValidator(clamp_to_grid)]

#: Inclusive cell rectangle ``[x0, y0, x1, y1]``.
SpawnRegion = tuple[Int, Int, Int, Int]

#: Default minor units: fine enough that rounding a payment moves a trade's
#: price by at most 0.1%, and graded (each pair's second good finer than its
#: first: A <-> B, A <-> M, B <-> M) so that the grid of post prices, one
#: minor unit of the second good per minor unit of the first, is 1e-4 B per
#: A, 1e-7 M per A and 1e-3 M per B (see docs/scenarios.md).
DEFAULT_UNITS = {"A": 0.01, "B": 1e-6, "M": 1e-9}
DEFAULT_LAMBDA_BOUNDS = (0.01, 100.0)
#: Relative tolerance when checking that a real quantity is a whole number of minor units.
UNIT_TOLERANCE = 1e-9


def problem(text: str, kind: str = "vmt_invalid") -> PydanticCustomError:
    """A validation error whose message is ``text`` verbatim (no template expansion)."""
    return PydanticCustomError(kind, "{detail}", {"detail": text})


def show(value: Any) -> str:
    """Render a value the way a YAML author wrote it, shortened to about 80 characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**60:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, str):
        return _clip(repr(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {show(v)}" for k, v in value.items())
        return _clip("{" + inner + "}")
    if isinstance(value, (list, tuple)):
        return _clip("[" + ", ".join(show(v) for v in value) + "]")
    if isinstance(value, BaseModel):
        return show(value.model_dump())
    return _clip(repr(value))


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class StrictModel(BaseModel):
    """Base of every scenario model: unknown keys forbidden, aliases renamed.

    Validators are built at a model's first use (``defer_build``), not at
    import: a run validates the top-level scenario, whose schema embeds the
    nested models, so start-up no longer builds a validator and serializer
    for every nested model as well (about 50 ms of a warm start).

    ``KEY_ALIASES`` maps an accepted alias (e.g. ``max_amount``) to
    the canonical key (``cap``); giving both is an error rather than a silent
    choice.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)
    KEY_ALIASES: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _rename_aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not cls.KEY_ALIASES:
            return data
        renamed = dict(data)
        for alias, canonical in cls.KEY_ALIASES.items():
            if alias not in renamed:
                continue
            if canonical in renamed:
                raise problem(f"both '{canonical}' and its alias '{alias}' are given; keep one")
            renamed[canonical] = renamed.pop(alias)
        return renamed


def _quantity(value: Any, integral: bool) -> float | int | None:
    """One quantity >= 0 (an int for whole-unit quantities, else a float), or None if invalid."""
    kinds = (int,) if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not 0 <= value < math.inf:
        return None
    return int(value) if integral else float(value)


def parse_amount(value: Any, integral: bool = False) -> float | int | tuple:
    """A fixed quantity ``x`` or a uniform range ``[lo, hi]`` (kept as the tuple ``(lo, hi)``)."""
    kind = "whole numbers >= 0" if integral else "finite numbers >= 0"
    if not isinstance(value, (list, tuple)):
        quantity = _quantity(value, integral)
        if quantity is None:
            single = "a whole number >= 0" if integral else "a finite number >= 0"
            raise problem(f"got {show(value)}; expected {single} or a range [lo, hi]")
        return quantity
    ends = [_quantity(v, integral) for v in value]
    if len(ends) != 2 or None in ends:
        raise problem(f"got {show(value)}; a range is written [lo, hi] with lo and hi {kind}")
    if ends[0] > ends[1]:
        raise problem(f"got {show(value)}; a range [lo, hi] needs lo <= hi")
    return tuple(ends)


def amount_bounds(amount: float | int | tuple) -> tuple[float, float]:
    """``(lo, hi)`` of a fixed amount or a range."""
    return tuple(amount) if isinstance(amount, tuple) else (amount, amount)


def _amount_json(amount: float | int | tuple) -> float | int | list:
    return list(amount) if isinstance(amount, tuple) else amount


#: A real quantity >= 0 or a range ``[lo, hi]`` of them (endowments).
Amount = Annotated[Any, PlainValidator(parse_amount), PlainSerializer(_amount_json, when_used="json")]
#: A whole number of units >= 0 or a range of them (resource stocks).
WholeAmount = Annotated[
    Any, PlainValidator(lambda v: parse_amount(v, integral=True)), PlainSerializer(_amount_json, when_used="json")
]


@dataclass(frozen=True)
class ScenarioFrame:
    """What nested validators need to know about the rest of the file.

    Fields are ``None`` when that part of the raw file is itself invalid (its
    own error is reported; dependent checks are skipped rather than guessed).
    """

    width: int | None = None
    height: int | None = None
    units: dict[str, float | None] = field(default_factory=lambda: dict(DEFAULT_UNITS))
    lambda_bounds: tuple[float, float] | None = DEFAULT_LAMBDA_BOUNDS

    @property
    def has_grid(self) -> bool:
        return self.width is not None and self.height is not None


_FRAME: contextvars.ContextVar[ScenarioFrame | None] = contextvars.ContextVar("scenario_frame", default=None)


def current_frame() -> ScenarioFrame:
    """The frame of the scenario being validated (an empty frame outside one)."""
    return _FRAME.get() or ScenarioFrame(units={g: None for g in DEFAULT_UNITS}, lambda_bounds=None)


def enter_frame(frame: ScenarioFrame) -> contextvars.Token:
    return _FRAME.set(frame)


def leave_frame(token: contextvars.Token) -> None:
    _FRAME.reset(token)


def check_region(region: SpawnRegion | None) -> SpawnRegion | None:
    """Reject a region whose corners are out of order or outside the grid."""
    if region is None:
        return None
    x0, y0, x1, y1 = region
    if x0 > x1 or y0 > y1:
        raise problem(f"got {show(list(region))}; write [x0, y0, x1, y1] with x0 <= x1 and y0 <= y1")
    frame = current_frame()
    if frame.has_grid and (min(x0, y0) < 0 or x1 >= frame.width or y1 >= frame.height):
        raise problem(
            f"got {show(list(region))}, which is outside the {frame.width}x{frame.height} grid "
            f"(cells x in 0..{frame.width - 1}, y in 0..{frame.height - 1})"
        )
    return region


def region_cells(region: SpawnRegion | None) -> int | None:
    """Number of cells of an inclusive region (the whole grid when ``None``); ``None`` if unknown."""
    if region is not None:
        x0, y0, x1, y1 = region
        return (x1 - x0 + 1) * (y1 - y0 + 1)
    frame = current_frame()
    return frame.width * frame.height if frame.has_grid else None


def is_whole_units(quantity: float, unit: float) -> bool:
    """True when ``quantity / unit`` is an integer within :data:`UNIT_TOLERANCE` (relative).

    A ratio beyond 2**62 minor units (or infinite) is not: it could not be held.
    """
    ratio = quantity / unit
    if not abs(ratio) <= 2**62:
        return False
    return abs(ratio - round(ratio)) <= UNIT_TOLERANCE * max(1.0, abs(ratio))


def check_whole_units(good: str, quantities: Iterable[float]) -> None:
    """Raise unless every quantity of ``good`` is a whole number of the good's minor unit."""
    unit = current_frame().units.get(good)
    if unit is None:
        return
    bad = [q for q in quantities if not is_whole_units(q, unit)]
    if bad and not abs(bad[0] / unit) <= 2**62:
        raise problem(
            f"got {bad[0]:g}, which is {bad[0] / unit:g} minor units of {good} ({unit:g} each, see "
            f"units.{good}); quantities are held as 64-bit integers, so keep it below {2**62 * unit:.3g}"
        )
    if bad:
        raise problem(
            f"got {bad[0]:g}, which is not a multiple of the unit of {good} ({unit:g}, "
            f"see units.{good}); quantities are held as whole minor units"
        )


def round_half_up(value: float) -> int:
    """Round to the nearest integer, halves upward (not Python's banker's rounding)."""
    return int(math.floor(value + 0.5))

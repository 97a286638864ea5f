"""Simulation parameters: one place for every default (``params:`` in a scenario).

Groups of parameters:

* movement and perception -- ``vision_radius``, ``interaction_radius``,
  ``move_budget_per_tick`` (Manhattan steps per tick);
* trade -- ``beta`` (per-tick discount applied to distant opportunities),
  ``trade_cooldown_ticks``, ``max_trade_quantity``, ``quote_spread``;
* money -- ``lambda_money``, the marginal utility of money in the
  quasilinear utility ``u(A, B) + lambda * M``, kept inside ``lambda_bounds``;
* institutions -- ``exchange_regime`` (which goods trade against which) and
  ``institution`` (who trades with whom), plus the weights of the mixed institution;
* market areas and price learning -- act under ``institution: price_signals``;
* telemetry -- snapshot intervals.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Strict, ValidationInfo, field_validator, model_validator

from .base import DEFAULT_LAMBDA_BOUNDS, NonNegInt, PosInt, PosReal, Radius, StrictModel, UnitInterval, problem, show

EXCHANGE_REGIMES = ("barter", "money", "mixed")
INSTITUTIONS = ("bilateral", "price_signals", "centralized", "mixed_bilateral_centralized")

Discount = Annotated[float, Strict(), Field(gt=0, le=1, allow_inf_nan=False)]
Spread = Annotated[float, Strict(), Field(ge=0, lt=1, allow_inf_nan=False)]

#: Parameters of market areas and price learning (used by ``price_signals``).
PRICE_SIGNAL_PARAMS = (
    "market_formation_threshold",
    "market_dissolution_threshold",
    "market_dissolution_patience",
    "market_radius",
    "broadcast_radius",
    "price_learning_rate",
    "price_window",
    "lambda_bounds",
)
#: The original split between market posts and bilateral trade (used by ``mixed_bilateral_centralized``).
INSTITUTION_WEIGHT_PARAMS = ("centralized_weight", "bilateral_weight")


class Params(StrictModel):
    """Every tunable of a run, with its default (see docs/scenarios.md)."""

    KEY_ALIASES = {
        "move_budget": "move_budget_per_tick",
        "trade_cooldown": "trade_cooldown_ticks",
        "money_utility": "lambda_money",
    }

    ticks: NonNegInt = 200
    vision_radius: Radius = 5
    interaction_radius: Radius = 1
    move_budget_per_tick: Radius = 1
    beta: Discount = 0.95
    trade_cooldown_ticks: NonNegInt = 5
    forage_rate: Annotated[int, Strict(), Field(ge=1, le=2**40)] = 1
    exchange_regime: Literal["barter", "money", "mixed"] = "barter"
    institution: Literal["bilateral", "price_signals", "centralized", "mixed_bilateral_centralized"] = "bilateral"
    lambda_bounds: tuple[PosReal, PosReal] = DEFAULT_LAMBDA_BOUNDS
    lambda_money: PosReal = 1.0
    quote_spread: Spread = 0.0
    max_trade_quantity: Annotated[int, Strict(), Field(ge=1, le=2**40)] = 5
    snapshot_interval: PosInt = 1
    resource_snapshot_interval: PosInt = 10
    market_formation_threshold: PosInt = 5
    market_dissolution_threshold: NonNegInt = 3
    market_dissolution_patience: PosInt = 5
    market_radius: Radius = 3
    broadcast_radius: Radius | None = None
    price_learning_rate: UnitInterval = 0.1
    price_window: PosInt = 1
    centralized_weight: UnitInterval | None = None
    bilateral_weight: UnitInterval | None = None

    @model_validator(mode="before")
    @classmethod
    def _institution_written_as_regime(cls, data: Any) -> Any:
        """An alternative form writes an institution under ``exchange_regime``; move it to ``institution``.

        Market posts trade goods against each other and against money, so
        such a file gets ``exchange_regime: mixed``.
        """
        if not isinstance(data, dict) or data.get("exchange_regime") not in INSTITUTIONS:
            return data
        institution = data["exchange_regime"]
        if data.get("institution", institution) != institution:
            raise problem(
                f"exchange_regime {institution!r} is an institution but institution is "
                f"{show(data['institution'])}; give the institution once, under 'institution'"
            )
        return {**data, "institution": institution, "exchange_regime": "mixed"}

    @field_validator("lambda_bounds")
    @classmethod
    def _bounds_ordered(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        if bounds[0] > bounds[1]:
            raise problem(f"got [{bounds[0]:g}, {bounds[1]:g}]; write [lo, hi] with 0 < lo <= hi")
        return bounds

    @field_validator("lambda_money")
    @classmethod
    def _lambda_within_bounds(cls, value: float, info: ValidationInfo) -> float:
        bounds = info.data.get("lambda_bounds")
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            raise problem(f"got {value:g}, outside params.lambda_bounds [{bounds[0]:g}, {bounds[1]:g}]")
        return value

    @field_validator("market_dissolution_threshold")
    @classmethod
    def _dissolves_below_formation(cls, value: int, info: ValidationInfo) -> int:
        formation = info.data.get("market_formation_threshold")
        if formation is not None and value >= formation:
            raise problem(
                f"got {value}; must be below market_formation_threshold ({formation}) "
                "so that a market does not dissolve as soon as it forms"
            )
        return value

    @field_validator("bilateral_weight")
    @classmethod
    def _weights_sum_to_one(cls, value: float | None, info: ValidationInfo) -> float | None:
        other = info.data.get("centralized_weight")
        if value is not None and other is not None and abs(value + other - 1.0) > 1e-9:
            raise problem(f"got {value:g}; with centralized_weight {other:g} the two shares must sum to 1")
        return value

    def explicitly_set(self, names: tuple[str, ...]) -> list[str]:
        """Those of ``names`` that the scenario file set (directly or through an alias)."""
        return [n for n in names if n in self.model_fields_set]

"""What the order-driven mechanisms (``cda``, ``call``) share: strategy and price bounds.

Participants submit limit orders made by a trader strategy
(:mod:`vmt.markets.posts.strategies`) from their own reservation prices;
``price_floor`` and ``price_ceiling`` (real units; defaults: one tick and
``ceiling_factor`` times the post's current price) bound the random draws
of the zero-intelligence strategies.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from vmt.markets.posts.mechanisms.base import BoundedReal, MechanismParams
from vmt.markets.posts.state import to_ticks
from vmt.markets.posts.strategies import get_strategy, strategy_names
from vmt.scenario.base import show


class OrderDrivenParams(MechanismParams):
    strategy: str = "zi_c"
    price_floor: BoundedReal | None = None
    price_ceiling: BoundedReal | None = None
    ceiling_factor: float = Field(4.0, gt=1.0, le=1e6)

    @model_validator(mode="after")
    def _floor_below_ceiling(self) -> "OrderDrivenParams":
        if self.price_floor is not None and self.price_ceiling is not None and self.price_floor >= self.price_ceiling:
            raise ValueError(f"price_floor ({self.price_floor:g}) must be below price_ceiling "
                             f"({self.price_ceiling:g}); these bounds contradict each other")
        return self

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, name: str) -> str:
        try:
            get_strategy(name)
        except ValueError:
            raise ValueError(f"unknown trader strategy {show(name)}; valid: {', '.join(strategy_names())}") from None
        return name

    def bounds(self, reference: int, tick_size: float) -> tuple[int, int]:
        """(floor, ceiling) in ticks around the reference price ``reference`` (ticks)."""
        floor = 1 if self.price_floor is None else to_ticks(self.price_floor, tick_size)
        if self.price_ceiling is None:
            ceiling = max(floor + 1, int(round(self.ceiling_factor * reference)))
        else:
            ceiling = to_ticks(self.price_ceiling, tick_size)
        return floor, max(floor, ceiling)

"""Market posts: fixed places on the grid where a mechanism clears orders.

Accepted and validated now; the simulation activates them.
Radii are Manhattan distances in cells: agents see a post within
``visibility_radius``, trade at it within ``interaction_radius`` and hear its
prices within ``broadcast_radius``.  ``mechanism_type`` names a mechanism in
the (higher-layer) mechanism registry and is checked by the simulation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from .base import Int, NonNegInt, Radius, StrictModel, current_frame, problem, show

Commodity = Literal["A", "B", "M"]


class MarketPost(StrictModel):
    """One market post; ``id`` defaults to its position in ``market_posts``."""

    KEY_ALIASES = {"mechanism": "mechanism_type"}

    id: NonNegInt | None = None
    location: tuple[Int, Int]
    visibility_radius: Radius = 10
    interaction_radius: Radius = 3
    broadcast_radius: Radius = 15
    mechanism_type: str = "walrasian"
    commodities: list[Commodity] = Field(default_factory=lambda: ["A", "B", "M"])
    mechanism_params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("location")
    @classmethod
    def _inside_grid(cls, location: tuple[int, int]) -> tuple[int, int]:
        frame = current_frame()
        x, y = location
        if frame.has_grid and not (0 <= x < frame.width and 0 <= y < frame.height):
            raise problem(
                f"got {show(list(location))}, outside the {frame.width}x{frame.height} grid "
                f"(x in 0..{frame.width - 1}, y in 0..{frame.height - 1})"
            )
        return location

    @field_validator("commodities")
    @classmethod
    def _at_least_a_pair(cls, commodities: list[str]) -> list[str]:
        if len(set(commodities)) != len(commodities) or len(commodities) < 2:
            raise problem(f"got {show(commodities)}; list at least two different goods among A, B, M")
        return commodities


def number_posts(posts: list[MarketPost]) -> list[MarketPost]:
    """Give each post without an id its list position; reject shared ids or shared cells."""
    for index, post in enumerate(posts):
        if post.id is None:
            post.id = index
    _reject_duplicates(posts, lambda p: p.id, "have the same id")
    _reject_duplicates(posts, lambda p: tuple(p.location), "are on the same cell")
    return posts


def _reject_duplicates(posts: list[MarketPost], key, what: str) -> None:
    first_at: dict[Any, int] = {}
    for index, post in enumerate(posts):
        value = key(post)
        previous = first_at.setdefault(value, index)
        if previous != index:
            shown = show(list(value)) if isinstance(value, tuple) else show(value)
            raise problem(
                f"market_posts[{previous}] and market_posts[{index}] {what} ({shown}); "
                "each post needs its own id and its own cell"
            )

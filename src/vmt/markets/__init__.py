"""Market institutions on the grid: market areas (price signals) and
market posts (centralized exchange).

``build_components(scenario, world, rng)`` returns the components the
scenario's ``params.institution`` calls for; the registry maps each
institution to a builder, and an institution whose components are not
implemented yet runs as ``bilateral`` (``Scenario.inactive_features`` says so).
"""

from __future__ import annotations

from typing import Callable

from vmt.markets.base import MarketComponent

InstitutionBuilder = Callable[..., list[MarketComponent]]

_INSTITUTIONS: dict[str, InstitutionBuilder] = {"bilateral": lambda scenario, world, rng: []}


def register_institution(name: str):
    def decorate(builder: InstitutionBuilder) -> InstitutionBuilder:
        _INSTITUTIONS[name] = builder
        return builder

    return decorate


def institution_names() -> list[str]:
    return sorted(_INSTITUTIONS)


def build_components(scenario, world, rng) -> list[MarketComponent]:
    name = scenario.params.institution
    builder = _INSTITUTIONS.get(name, _INSTITUTIONS["bilateral"])
    return builder(scenario, world, rng)


__all__ = ["MarketComponent", "build_components", "institution_names", "register_institution"]

from vmt.markets import posts as _posts, price_signals as _price_signals  # noqa: E402,F401  (register the institutions)

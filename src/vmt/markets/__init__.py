"""Market institutions on the grid: market areas (price signals) and
market posts (centralized exchange).

``build_components(scenario, world, rng)`` returns the components the
scenario's ``params.institution`` calls for; the registry maps each
institution to a builder, and an institution whose components are not
implemented yet runs as ``bilateral`` (``Scenario.inactive_features`` says so).
"""

from __future__ import annotations

import importlib
from typing import Callable

from vmt.markets.base import MarketComponent

InstitutionBuilder = Callable[..., list[MarketComponent]]

_INSTITUTIONS: dict[str, InstitutionBuilder] = {"bilateral": lambda scenario, world, rng: []}

#: The built-in institutions, by the module that registers their builder. It is imported when a
#: run first needs it, so a bilateral run loads neither the posts (and their mechanisms) nor the
#: market areas.
_BUILT_IN_MODULES = {"centralized": "vmt.markets.posts", "mixed_bilateral_centralized": "vmt.markets.posts",
                     "price_signals": "vmt.markets.price_signals"}


def register_institution(name: str):
    def decorate(builder: InstitutionBuilder) -> InstitutionBuilder:
        _INSTITUTIONS[name] = builder
        return builder

    return decorate


def institution_names() -> list[str]:
    return sorted({*_INSTITUTIONS, *_BUILT_IN_MODULES})


def build_components(scenario, world, rng) -> list[MarketComponent]:
    name = scenario.params.institution
    if name not in _INSTITUTIONS and name in _BUILT_IN_MODULES:
        importlib.import_module(_BUILT_IN_MODULES[name])
    builder = _INSTITUTIONS.get(name, _INSTITUTIONS["bilateral"])
    return builder(scenario, world, rng)


__all__ = ["MarketComponent", "build_components", "institution_names", "register_institution"]

"""Protocols register here by kind and name, with a pydantic model of their
parameters. A scenario names a protocol; :func:`create_protocol` validates
its parameters and builds it, and an unknown name is an error listing the
valid ones — never an if/elif chain ending in "invalid method".

Other packages add protocols through the ``vmt.plugins`` entry-point group
(:mod:`vmt.plugins`), loaded the first time a kind is listed or a name is
missing; each entry records where it came from (``source``). The contract a
protocol meets is documented in ``docs/extending.md``; bargaining rules in
plain Python or numba register through :mod:`vmt.protocols.contract`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from vmt import plugins
from vmt.scenario.base import show

KINDS = ("search", "matching", "bargaining")


class ProtocolParams(BaseModel):
    """Base of every protocol's parameter model: unknown keys and non-finite numbers are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ProtocolError(ValueError):
    """A protocol name or parameter the registry cannot accept."""


@dataclass(frozen=True)
class ProtocolEntry:
    kind: str
    name: str
    params_model: type[ProtocolParams]
    factory: Callable[[ProtocolParams], object]
    summary: str
    source: str = plugins.BUILT_IN  # "vmt", or the distribution of the plug-in that registered it


_REGISTRY: dict[str, dict[str, ProtocolEntry]] = {kind: {} for kind in KINDS}

#: The built-in protocols by kind and name, and the module that registers each:
#: imported when the name is first asked for (a run imports only the three it
#: uses), or all of a kind when the kind is listed.
BUILT_IN_MODULES: dict[tuple[str, str], str] = {
    ("search", "distance_discounted"): "vmt.protocols.search.distance_discounted",
    ("search", "random_walk"): "vmt.protocols.search.random_walk",
    ("search", "market_aware"): "vmt.protocols.search.market_aware",
    ("matching", "three_pass"): "vmt.protocols.matching.three_pass",
    ("matching", "greedy_surplus"): "vmt.protocols.matching.greedy_surplus",
    ("matching", "random"): "vmt.protocols.matching.random_matching",
    ("bargaining", "compensating_block"): "vmt.protocols.bargaining.compensating_block",
    ("bargaining", "nash"): "vmt.protocols.bargaining.nash",
    ("bargaining", "pairwise_walrasian"): "vmt.protocols.bargaining.pairwise_walrasian",
    ("bargaining", "split_difference"): "vmt.protocols.bargaining.split_difference",
    ("bargaining", "take_it_or_leave_it"): "vmt.protocols.bargaining.take_it_or_leave_it",
}


def _import_built_in(kind: str, name: str) -> None:
    """Import the module that registers built-in ``name`` of ``kind`` (nothing for other names)."""
    module = BUILT_IN_MODULES.get((kind, name))
    if module is not None:
        importlib.import_module(module)


def _import_built_ins(kind: str) -> None:
    for built_in_kind, name in BUILT_IN_MODULES:
        if built_in_kind == kind:
            _import_built_in(kind, name)


def register(kind: str, name: str, params_model: type[ProtocolParams] = ProtocolParams):
    """Class/function decorator: ``@register("search", "random_walk", Params)``."""

    def decorate(factory):
        if BUILT_IN_MODULES.get((kind, name), factory.__module__) != factory.__module__:
            _import_built_in(kind, name)  # a built-in's name is taken even before its module is imported
        if name in _REGISTRY[kind]:
            raise ProtocolError(f"{kind} protocol {name!r} registered twice")
        summary = (factory.__doc__ or "").strip().splitlines()[0] if factory.__doc__ else ""
        _REGISTRY[kind][name] = ProtocolEntry(kind, name, params_model, factory, summary,
                                              plugins.current_source())
        return factory

    return decorate


def unregister(kind: str, name: str) -> None:
    """Remove protocol ``name`` of ``kind`` (e.g. to register a changed rule
    again in the same session); unknown names are an error."""
    get_entry(kind, name)
    del _REGISTRY[kind][name]


def protocol_names(kind: str) -> list[str]:
    """Every registered name of ``kind``, plug-ins included."""
    _import_built_ins(kind)
    plugins.load_plugins()
    return sorted(_REGISTRY[kind])


def protocol_entries(kind: str) -> list[ProtocolEntry]:
    """Every entry of ``kind`` by name, plug-ins included."""
    return [_REGISTRY[kind][name] for name in protocol_names(kind)]


def get_entry(kind: str, name: str) -> ProtocolEntry:
    """The entry of ``name``; an unknown name is an error listing the valid ones."""
    if kind not in _REGISTRY:
        raise ProtocolError(f"unknown protocol kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    if name not in _REGISTRY[kind]:
        _import_built_in(kind, name)
    if name not in _REGISTRY[kind]:
        plugins.load_plugins()
    try:
        return _REGISTRY[kind][name]
    except KeyError:
        raise ProtocolError(f"protocols.{kind}: unknown {kind} protocol {show(name)}; "
                            f"valid names: {_valid_names(kind)}{plugins.failures_note()}") from None


def _valid_names(kind: str) -> str:
    """``a, b, c`` with plug-ins' names marked ``name (plug-in from dist)``."""
    return ", ".join(e.name if e.source == plugins.BUILT_IN else f"{e.name} (plug-in from {e.source})"
                     for e in protocol_entries(kind))


def create_protocol(kind: str, name: str, params: dict | None = None):
    """Validate ``params`` against the protocol's model and build it."""
    entry = get_entry(kind, name)
    try:
        validated = entry.params_model(**(params or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"protocols.{kind}.params.{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            f" (got {show(err.get('input'))})"
            for err in exc.errors()
        )
        raise ProtocolError(f"{kind} protocol {show(name)}: {problems}") from None
    return entry.factory(validated)

"""Protocols register here by kind and name, with a pydantic model of their
parameters. A scenario names a protocol; :func:`create_protocol` validates
its parameters and builds it, and an unknown name is an error listing the
valid ones — never an if/elif chain ending in "invalid method".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pydantic import BaseModel, ConfigDict, ValidationError

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


_REGISTRY: dict[str, dict[str, ProtocolEntry]] = {kind: {} for kind in KINDS}


def register(kind: str, name: str, params_model: type[ProtocolParams] = ProtocolParams):
    """Class/function decorator: ``@register("search", "random_walk", Params)``."""

    def decorate(factory):
        if name in _REGISTRY[kind]:
            raise ProtocolError(f"{kind} protocol {name!r} registered twice")
        summary = (factory.__doc__ or "").strip().splitlines()[0] if factory.__doc__ else ""
        _REGISTRY[kind][name] = ProtocolEntry(kind, name, params_model, factory, summary)
        return factory

    return decorate


def protocol_names(kind: str) -> list[str]:
    return sorted(_REGISTRY[kind])


def get_entry(kind: str, name: str) -> ProtocolEntry:
    if kind not in _REGISTRY:
        raise ProtocolError(f"unknown protocol kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    try:
        return _REGISTRY[kind][name]
    except KeyError:
        valid = ", ".join(protocol_names(kind))
        raise ProtocolError(f"protocols.{kind}: unknown {kind} protocol {show(name)}; valid names: {valid}") from None


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

"""Which search, matching and bargaining protocols a run uses, by name.

The protocol registry lives in a higher layer (``vmt.protocols``), so the
scenario keeps names as strings and the simulation checks them against the
registry.  Names are stored as written; :attr:`ProtocolSpec.resolved_name`
applies the documented aliases (older spellings):

* ``legacy`` -> ``three_pass`` (matching) and ``compensating_block``
  (bargaining): an older naming calls the pre-existing protocols "legacy";
* ``market_aware_search`` / ``market_aware`` -> ``market_aware`` (search).

:attr:`ProtocolSpec.active_name` names a fallback for a protocol that is not
active in this version (none at present).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from .base import StrictModel

DEFAULT_PROTOCOLS = {"search": "distance_discounted", "matching": "three_pass", "bargaining": "compensating_block"}

#: (slot, name as written) -> registry name.
PROTOCOL_ALIASES = {
    ("matching", "legacy"): "three_pass",
    ("bargaining", "legacy"): "compensating_block",
    ("search", "market_aware_search"): "market_aware",
}
#: (slot, registry name) -> protocol used instead while the named one is not active.
INACTIVE_PROTOCOLS: dict[tuple[str, str], str] = {}


class ProtocolSpec(StrictModel):
    """A protocol name with optional parameters and the version it was written for.

    ``version`` is recorded (it travels with the scenario into telemetry) but
    not checked against the implementation.
    """

    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    version: str | None = None
    slot: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @property
    def resolved_name(self) -> str:
        """The registry name after aliases (``legacy`` etc.)."""
        return PROTOCOL_ALIASES.get((self.slot, self.name), self.name)

    @property
    def active_name(self) -> str:
        """The protocol the simulation runs: ``resolved_name`` or its fallback if not active."""
        return INACTIVE_PROTOCOLS.get((self.slot, self.resolved_name), self.resolved_name)


class SearchSpec(ProtocolSpec):
    """How agents rank targets (partners, resources, posts)."""

    slot: ClassVar[str] = "search"


class MatchingSpec(ProtocolSpec):
    """How agents form exclusive trading pairs."""

    slot: ClassVar[str] = "matching"


class BargainingSpec(ProtocolSpec):
    """How a pair agrees on a trade."""

    slot: ClassVar[str] = "bargaining"


class Protocols(StrictModel):
    """The three protocol slots; each accepts a bare name or ``{name, params, version}``."""

    search: SearchSpec = Field(default_factory=lambda: SearchSpec(name=DEFAULT_PROTOCOLS["search"]))
    matching: MatchingSpec = Field(default_factory=lambda: MatchingSpec(name=DEFAULT_PROTOCOLS["matching"]))
    bargaining: BargainingSpec = Field(default_factory=lambda: BargainingSpec(name=DEFAULT_PROTOCOLS["bargaining"]))

    def slots(self) -> dict[str, ProtocolSpec]:
        """Slot name -> spec, in tick order."""
        return {"search": self.search, "matching": self.matching, "bargaining": self.bargaining}

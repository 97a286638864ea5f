"""The engine core: a clock, phases in a fixed order, and hooks.

The engine knows nothing about economics. A phase is a callable taking the
tick number; observers (telemetry, invariant checkers, the viewer) register
hooks and are called with the tick after each phase or tick. The hook
contract:

* ``on("before_tick", fn)``: ``fn(tick)`` before the first phase;
* ``on("after_phase", fn)``: ``fn(tick, phase_name)`` after every phase;
* ``on("after_tick", fn)``: ``fn(tick)`` after the last phase, once the
  clock has been advanced (``engine.tick == tick + 1``).

Hooks run in the order they were registered; a hook must not change state
that later phases read (it observes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

#: The tick of the design, in order.
TICK_ORDER = (
    "perception",
    "decision",
    "movement",
    "trade",
    "forage",
    "regeneration",
    "markets",
    "housekeeping",
)

HOOK_EVENTS = ("before_tick", "after_phase", "after_tick")


@dataclass(frozen=True)
class Phase:
    name: str
    run: Callable[[int], None]


class Engine:
    """Runs ``phases`` once per tick, in the order given, and calls hooks."""

    def __init__(self, phases: list[Phase]):
        names = [p.name for p in phases]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate phase names in {names}")
        self.phases = list(phases)
        self.tick = 0
        self._hooks: dict[str, list[Callable]] = {event: [] for event in HOOK_EVENTS}

    def on(self, event: str, fn: Callable) -> Callable:
        """Register ``fn`` for ``event``; returns ``fn`` (usable as decorator)."""
        if event not in self._hooks:
            raise ValueError(f"unknown hook event {event!r}; valid events: {', '.join(HOOK_EVENTS)}")
        self._hooks[event].append(fn)
        return fn

    def step(self) -> None:
        tick = self.tick
        for fn in self._hooks["before_tick"]:
            fn(tick)
        for phase in self.phases:
            phase.run(tick)
            for fn in self._hooks["after_phase"]:
                fn(tick, phase.name)
        self.tick += 1
        for fn in self._hooks["after_tick"]:
            fn(tick)

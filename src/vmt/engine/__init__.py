"""Engine layer: a clock, an ordered list of phases, and hooks."""

from vmt.engine.engine import Engine, Phase, TICK_ORDER

__all__ = ["Engine", "Phase", "TICK_ORDER"]

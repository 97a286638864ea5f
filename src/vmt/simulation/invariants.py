"""Invariant checks run after every tick in test mode (``check_invariants=True``).

* conservation: agents' total holdings of A, B and M change only by what was
  foraged this tick (trade moves goods, never creates or destroys them);
* non-negativity of every inventory and resource cell;
* no NaN in quotes;
* pairing symmetry: ``partner[partner[i]] == i``.
"""

from __future__ import annotations

import numpy as np


class InvariantViolation(AssertionError):
    pass


class InvariantChecker:
    def __init__(self, sim) -> None:
        self.sim = sim
        self.previous = sim.world.agents.inventory.sum(axis=0)

    def __call__(self, tick: int) -> None:
        world, tick_state = self.sim.world, self.sim.tick_state
        ag = world.agents
        held = ag.inventory.sum(axis=0)
        expected = self.previous + tick_state.harvested
        if not np.array_equal(held, expected):
            raise InvariantViolation(f"tick {tick}: holdings {held} != previous + foraged {expected}")
        self.previous = held
        if (ag.inventory < 0).any() or (world.resources.amount < 0).any():
            raise InvariantViolation(f"tick {tick}: negative inventory or resource amount")
        if np.isnan(ag.ask).any() or np.isnan(ag.bid).any():
            raise InvariantViolation(f"tick {tick}: NaN in quotes")
        paired = np.flatnonzero(ag.partner >= 0)
        if not np.array_equal(ag.partner[ag.partner[paired]], paired):
            raise InvariantViolation(f"tick {tick}: asymmetric pairing")

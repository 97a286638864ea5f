"""Invariant checks run after every phase in test mode (``check_invariants=True``).

* conservation: agents' total holdings of A, B and M change only by what was
  foraged (the trade phase moves goods between agents, never creates or
  destroys them); goods held outside the agents by market components (a
  post's market maker: ``held_outside_agents()``) count with the agents';
* every executed trade strictly raises both traders' utilities;
* non-negativity of every inventory and resource cell; no NaN in quotes;
* pairing symmetry: ``partner[partner[i]] == i``.
"""

from __future__ import annotations

import numpy as np

from vmt.world.valuation import utilities


class InvariantViolation(AssertionError):
    pass


class InvariantChecker:
    """An ``after_phase`` hook; raises :class:`InvariantViolation` at the first breach."""

    def __init__(self, sim) -> None:
        self.sim = sim
        self.held = self._total_held()
        self.utility_before_trade = None

    def __call__(self, tick: int, phase: str) -> None:
        check = getattr(self, f"_after_{phase}", None)
        if check is not None:
            check(tick)

    def _after_movement(self, tick: int) -> None:
        self.utility_before_trade = utilities(self.sim.world)

    def _after_trade(self, tick: int) -> None:
        self._expect_holdings(tick, "trade", np.zeros(3, dtype=np.int64))
        proposals = self.sim.tick_state.proposals
        agreed = proposals.agreed()
        traders = np.concatenate([proposals.buyer[agreed], proposals.seller[agreed]])
        after = utilities(self.sim.world)
        worse = traders[after[traders] <= self.utility_before_trade[traders]]
        if worse.size:
            name = self.sim.protocols["bargaining"][0]
            raise InvariantViolation(f"tick {tick}: bargaining protocol {name!r} made a trade that did not "
                                     f"strictly raise the utility of agents {worse.tolist()}")

    def _after_forage(self, tick: int) -> None:
        self._expect_holdings(tick, "forage", self.sim.tick_state.harvested)

    def _after_housekeeping(self, tick: int) -> None:
        world, ag = self.sim.world, self.sim.world.agents
        if (ag.inventory < 0).any() or (world.resources.amount < 0).any():
            raise InvariantViolation(f"tick {tick}: negative inventory or resource amount")
        if np.isnan(ag.ask).any() or np.isnan(ag.bid).any():
            raise InvariantViolation(f"tick {tick}: NaN in quotes")
        paired = np.flatnonzero(ag.partner >= 0)
        if not np.array_equal(ag.partner[ag.partner[paired]], paired):
            raise InvariantViolation(f"tick {tick}: asymmetric pairing")

    def _total_held(self) -> np.ndarray:
        held = self.sim.world.agents.inventory.sum(axis=0)
        for component in self.sim.tick_state.components:
            held = held + component.held_outside_agents()
        return held

    def _expect_holdings(self, tick: int, phase: str, created: np.ndarray) -> None:
        held = self._total_held()
        if not np.array_equal(held, self.held + created):
            raise InvariantViolation(
                f"tick {tick}, {phase}: total holdings {held.tolist()} != before {self.held.tolist()} "
                f"+ foraged {created.tolist()}"
            )
        self.held = held

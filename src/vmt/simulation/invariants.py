"""Invariant checks run after every phase in test mode (``check_invariants=True``).

* conservation: agents' total holdings of A, B and M change only by what was
  foraged (the trade phase moves goods between agents, never creates or
  destroys them); goods held outside the agents by market components (a
  post's market maker: ``held_outside_agents()``) count with the agents';
* every executed trade strictly raises both traders' utilities;
* non-negativity of every inventory and resource cell; no NaN in quotes;
* pairing symmetry: ``partner[partner[i]] == i``.

The checks are cheap enough to run for 100,000 ticks (the soak): the state
checks are one compiled pass, and utilities are only computed for a tick
that traded.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.world.valuation import utilities

#: What :func:`_state_fault` found, by its return code.
STATE_FAULTS = {1: "negative inventory or resource amount", 2: "NaN in quotes", 3: "asymmetric pairing"}


@njit(cache=True)
def _state_fault(inventory, resource_amount, ask, bid, partner):
    """0 if the state is sound, else the code of the first fault (:data:`STATE_FAULTS`)."""
    for i in range(inventory.shape[0]):
        for g in range(inventory.shape[1]):
            if inventory[i, g] < 0:
                return 1
    for c in range(resource_amount.shape[0]):
        if resource_amount[c] < 0:
            return 1
    for i in range(ask.shape[0]):
        for k in range(ask.shape[1]):
            if np.isnan(ask[i, k]) or np.isnan(bid[i, k]):
                return 2
    for i in range(partner.shape[0]):
        if partner[i] >= 0 and partner[partner[i]] != i:
            return 3
    return 0


class InvariantViolation(AssertionError):
    pass


class InvariantChecker:
    """An ``after_phase`` hook; raises :class:`InvariantViolation` at the first breach."""

    def __init__(self, sim) -> None:
        self.sim = sim
        self.held = self._total_held()
        self.before_trade: tuple[np.ndarray, np.ndarray] | None = None
        self._checks = {"movement": self._after_movement, "trade": self._after_trade,
                        "forage": self._after_forage, "housekeeping": self._after_housekeeping}

    def __call__(self, tick: int, phase: str) -> None:
        check = self._checks.get(phase)
        if check is not None:
            check(tick)

    def _after_movement(self, tick: int) -> None:
        ag = self.sim.world.agents
        self.before_trade = (ag.inventory.copy(), ag.lambda_money.copy())

    def _after_trade(self, tick: int) -> None:
        self._expect_holdings(tick, "trade", np.zeros(3, dtype=np.int64))
        proposals = self.sim.tick_state.proposals
        agreed = proposals.agreed()
        if not agreed.any():
            return
        traders = np.concatenate([proposals.buyer[agreed], proposals.seller[agreed]])
        after = utilities(self.sim.world)
        before = utilities(self.sim.world, *self.before_trade)
        worse = traders[after[traders] <= before[traders]]
        if worse.size:
            name = self.sim.protocols["bargaining"][0]
            raise InvariantViolation(f"tick {tick}: bargaining protocol {name!r} made a trade that did not "
                                     f"strictly raise the utility of agents {worse.tolist()}")

    def _after_forage(self, tick: int) -> None:
        self._expect_holdings(tick, "forage", self.sim.tick_state.harvested)

    def _after_housekeeping(self, tick: int) -> None:
        world, ag = self.sim.world, self.sim.world.agents
        self.sim.tick_state.refresh_quotes()  # quotes as they would be read
        fault = _state_fault(ag.inventory, world.resources.amount, ag.ask, ag.bid, ag.partner)
        if fault:
            raise InvariantViolation(f"tick {tick}: {STATE_FAULTS[fault]}")

    def _total_held(self) -> np.ndarray:
        held = self.sim.world.agents.inventory.sum(axis=0)
        for component in self.sim.tick_state.components:
            held = held + component.held_outside_agents()
        return held

    def _expect_holdings(self, tick: int, phase: str, created: np.ndarray) -> None:
        held = self._total_held()
        if not (held == self.held + created).all():
            raise InvariantViolation(
                f"tick {tick}, {phase}: total holdings {held.tolist()} != before {self.held.tolist()} "
                f"+ foraged {created.tolist()}"
            )
        self.held = held

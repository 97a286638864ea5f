"""Struct-of-arrays state: one array per attribute, one row per agent or cell.

Quantities are ``int64`` minor units (see ``World.units``); prices and
utilities are ``float64`` in real units. Nothing here is a Python object per
agent, so numba kernels can take the arrays directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vmt.economics.families import N_UTILITY_PARAMS

GOODS = ("A", "B", "M")
GOOD_A, GOOD_B, GOOD_M = 0, 1, 2

#: Exchange pairs as (first good, second good); a price is second per first.
PAIRS = ((GOOD_A, GOOD_B), (GOOD_A, GOOD_M), (GOOD_B, GOOD_M))
PAIR_NAMES = ("A<->B", "A<->M", "B<->M")
PAIR_AB, PAIR_AM, PAIR_BM = 0, 1, 2

NO_AGENT = -1


@dataclass
class AgentState:
    """Every agent attribute as an array indexed by agent id.

    ``ask``/``bid`` are quotes (reservation prices widened by the spread) per
    exchange pair, in real units of the pair's second good per real unit of
    its first good. ``partner`` is the agent's current trading partner or
    ``NO_AGENT``; a pair that failed to agree is kept apart until
    ``cooldown_until`` by remembering ``cooldown_partner``.
    """

    x: np.ndarray
    y: np.ndarray
    inventory: np.ndarray  # int64 (n, 3): A, B, M in minor units
    family: np.ndarray  # int64 utility family code
    utility_params: np.ndarray  # float64 (n, N_UTILITY_PARAMS)
    lambda_money: np.ndarray  # float64 marginal utility of money
    group: np.ndarray  # int64 index of the scenario agent group
    ask: np.ndarray = field(default=None)  # float64 (n, 3)
    bid: np.ndarray = field(default=None)  # float64 (n, 3)
    partner: np.ndarray = field(default=None)
    cooldown_partner: np.ndarray = field(default=None)
    cooldown_until: np.ndarray = field(default=None)
    target_x: np.ndarray = field(default=None)
    target_y: np.ndarray = field(default=None)
    quotes_stale: np.ndarray = field(default=None)  # bool: holdings changed

    def __post_init__(self) -> None:
        n = self.n
        assert self.utility_params.shape == (n, N_UTILITY_PARAMS)
        if self.ask is None:
            self.ask = np.full((n, len(PAIRS)), np.inf)
            self.bid = np.zeros((n, len(PAIRS)))
            self.partner = np.full(n, NO_AGENT, dtype=np.int64)
            self.cooldown_partner = np.full(n, NO_AGENT, dtype=np.int64)
            self.cooldown_until = np.zeros(n, dtype=np.int64)
            self.target_x = self.x.copy()
            self.target_y = self.y.copy()
            self.quotes_stale = np.ones(n, dtype=np.bool_)

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def observed_price(self) -> np.ndarray:
        """float64 (n, 3): the last price signal heard per pair, NaN if none.

        Made on first use, with :attr:`observed_tick`: agents hear prices
        only where an institution broadcasts them (market areas, posts), and
        a million agents' signals take 46 MB that bilateral barter never
        reads."""
        return self._heard_prices()[0]

    @property
    def observed_tick(self) -> np.ndarray:
        """int64 (n, 3): the tick the heard price was formed, -1 if none (see :attr:`observed_price`)."""
        return self._heard_prices()[1]

    def _heard_prices(self) -> tuple[np.ndarray, np.ndarray]:
        state = self.__dict__
        if state.get("_observed_price") is None:
            if state.get("observed_price") is not None:  # a checkpoint written when they were fields
                state["_observed_price"], state["_observed_tick"] = state.pop("observed_price"), state.pop("observed_tick")
            else:
                state["_observed_price"] = np.full((self.n, len(PAIRS)), np.nan)
                state["_observed_tick"] = np.full((self.n, len(PAIRS)), -1, dtype=np.int64)
        return state["_observed_price"], state["_observed_tick"]


@dataclass
class ResourceState:
    """Resource cells as arrays indexed by resource id, numbered in cell order.

    ``row_block_first`` indexes them by row and block of cells
    (:func:`vmt.world.spatial.resource_row_index`); the resource on a cell is
    found through it (:func:`vmt.world.spatial.resource_at`), so there is no
    array over every cell of the grid (at ten cells an agent that would be 40
    bytes an agent).
    Regrowth is deterministic: ``regrowth_progress`` accumulates
    ``regeneration_rate`` per tick once ``cooldown_left`` has run out, and
    every whole unit accumulated becomes one unit on the cell, up to ``cap``.
    """

    x: np.ndarray
    y: np.ndarray
    good: np.ndarray  # int64: GOOD_A or GOOD_B
    amount: np.ndarray  # int64 minor units on the cell
    cap: np.ndarray  # int64 minor units
    regeneration_rate: np.ndarray  # float64 minor units per tick
    cooldown: np.ndarray  # int64 ticks after depletion before regrowth
    cooldown_left: np.ndarray
    regrowth_progress: np.ndarray
    row_block_first: np.ndarray  # int32 (height, blocks + 1), see resource_row_index

    @property
    def n(self) -> int:
        return int(self.x.shape[0])


@dataclass
class World:
    """The whole mutable state of one run plus the constants it needs."""

    width: int
    height: int
    units: np.ndarray  # float64 (3,): real size of one minor unit of A, B, M
    agents: AgentState
    resources: ResourceState
    tick: int = 0

    def real_holdings(self) -> np.ndarray:
        """Holdings in real units, shape (n, 3)."""
        return self.agents.inventory * self.units

    def totals(self) -> np.ndarray:
        """Total minor units of A, B, M held by agents plus lying on cells."""
        held = self.agents.inventory.sum(axis=0)
        on_cells = np.zeros(3, dtype=np.int64)
        np.add.at(on_cells, self.resources.good, self.resources.amount)
        return held + on_cells

"""Market areas as a struct-of-arrays, and the parameters that govern them.

An area is a place: a fixed centre cell and a Manhattan radius. It is born
where agents cluster (``detection``), lives while enough agents stay in it,
and keeps its id for life; ids are slots in these arrays and are never
reused, so ``market_id`` in telemetry names one area for the whole run.

Prices (``aggregation``) are kept per area and exchange pair (A<->B, A<->M,
B<->M): a rolling window of the last ``window`` ticks of traded quantities,
and the current price with the tick it was formed (NaN / -1 until the area
has seen a trade in that pair).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_PAIRS = 3
NO_AREA = -1


@dataclass(frozen=True)
class AreaParams:
    """The original market-area parameters (``params`` of a scenario).

    ``formation_threshold`` agents within ``radius`` of a cell (not counting
    members of live areas) found an area there; an area with fewer than
    ``dissolution_threshold`` members for ``patience`` consecutive ticks
    dissolves; agents within ``broadcast_radius`` of a centre hear its
    prices; prices are volume-weighted over the last ``window`` ticks.
    """

    formation_threshold: int = 5
    dissolution_threshold: int = 3
    patience: int = 5
    radius: int = 3
    broadcast_radius: int = 3
    window: int = 1

    @classmethod
    def from_scenario(cls, params) -> "AreaParams":
        radius = int(params.market_radius)
        broadcast = radius if params.broadcast_radius is None else int(params.broadcast_radius)
        return cls(int(params.market_formation_threshold), int(params.market_dissolution_threshold),
                   int(params.market_dissolution_patience), radius, broadcast, int(params.price_window))


class AreaState:
    """Every area ever formed in a run, indexed by id (one row per area)."""

    def __init__(self, window: int, width: int, height: int, capacity: int = 16):
        self.window = int(window)
        self.width, self.height = int(width), int(height)
        self.count = 0  # areas ever formed == the next id
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self.center_x = np.zeros(capacity, np.int64)
        self.center_y = np.zeros(capacity, np.int64)
        self.alive = np.zeros(capacity, np.bool_)
        self.members = np.zeros(capacity, np.int64)
        self.coverage = np.zeros(capacity, np.int64)  # agents within the radius, members or not
        self.below = np.zeros(capacity, np.int64)  # consecutive ticks below the dissolution threshold
        self.formed_tick = np.full(capacity, -1, np.int64)
        self.price = np.full((capacity, N_PAIRS), np.nan)
        self.price_tick = np.full((capacity, N_PAIRS), -1, np.int64)
        self.window_first = np.zeros((capacity, self.window, N_PAIRS))  # real units of the first good
        self.window_second = np.zeros((capacity, self.window, N_PAIRS))  # real units of the second good
        self.window_trades = np.zeros((capacity, self.window, N_PAIRS), np.int64)

    @property
    def capacity(self) -> int:
        return int(self.alive.shape[0])

    def live(self) -> np.ndarray:
        """Ids of the areas alive now, ascending."""
        return np.flatnonzero(self.alive[: self.count])

    def add(self, cells_x: np.ndarray, cells_y: np.ndarray, tick: int) -> np.ndarray:
        """Found areas centred on the given cells; returns their new ids."""
        new = np.arange(self.count, self.count + cells_x.shape[0], dtype=np.int64)
        if new.size and new[-1] >= self.capacity:
            self._grow(int(new[-1]) + 1)
        self.center_x[new], self.center_y[new] = cells_x, cells_y
        self.alive[new] = True
        self.formed_tick[new] = tick
        self.count += new.size
        return new

    def dissolve(self, ids: np.ndarray) -> None:
        self.alive[ids] = False

    def _grow(self, needed: int) -> None:
        old = {name: getattr(self, name) for name in _ARRAYS}
        self._allocate(max(needed, 2 * self.capacity))
        for name, values in old.items():
            getattr(self, name)[: values.shape[0]] = values


_ARRAYS = ("center_x", "center_y", "alive", "members", "coverage", "below", "formed_tick",
           "price", "price_tick", "window_first", "window_second", "window_trades")

"""The fills of one tick at all posts, kept as columns of the ``trades`` table.

A fill made through :meth:`~vmt.markets.posts.exchange.PairMarket.fill` is
one row; a compiled clearing (the continuous double auction's book, the
dealer, the LMSR maker) hands over all the fills of a session as one block
of arrays, so a tick with hundreds of thousands of fills builds no Python
tuple per fill. Rows and blocks keep only what was traded (traders, pair,
minor units, post, cell); :meth:`TradeRows.columns` turns them into real
quantities and prices once per tick, over all of them at once, in the order
they were made: the same table either way.
"""

from __future__ import annotations

import numpy as np

from vmt.world.state import PAIR_NAMES, PAIRS

COLUMNS = ("buyer_id", "seller_id", "pair_type", "quantity_A", "quantity_B", "quantity_M", "price",
           "market_id", "x", "y")
DTYPES = (np.int64, np.int64, object, float, float, float, float, float, np.int64, np.int64)
#: What a fill keeps until :meth:`TradeRows.columns`: traders, pair, minor units of its two goods, post, cell.
_RAW = ("buyer", "seller", "pair", "q1", "q2", "market_id", "x", "y")
_FIRST_GOOD = np.array([first for first, _ in PAIRS], dtype=np.int64)
_SECOND_GOOD = np.array([second for _, second in PAIRS], dtype=np.int64)
_PAIR_NAMES = np.array(PAIR_NAMES, dtype=object)


class TradeRows:
    """Fills of one tick at all posts, as columns of the ``trades`` table."""

    def __init__(self) -> None:
        self._parts: list = []  # lists of raw row tuples and tuples of raw column arrays, in the order made
        self._units = np.ones(3)
        self.count = 0

    def add(self, buyer, seller, k, q1, q2, market_id, x, y, units) -> None:
        """One fill: ``q1`` minor units of pair ``k``'s first good for ``q2`` of its second."""
        if not self._parts or not isinstance(self._parts[-1], list):
            self._parts.append([])
        self._parts[-1].append((buyer, seller, k, q1, q2, market_id, x, y))
        self._units = units
        self.count += 1

    def add_block(self, buyers, sellers, k, q1: np.ndarray, q2: np.ndarray, market_id, x, y, units) -> None:
        """Fills ``q1[i]`` for ``q2[i]`` between ``buyers[i]`` and ``sellers[i]`` at cell ``(x[i], y[i])``:
        :meth:`add` for each, at once (traders and cells may be one for all)."""
        m = np.shape(q1)[0]
        if m == 0:
            return
        self._parts.append(tuple(np.full(m, value, dtype=np.int64) if np.ndim(value) == 0
                                 else np.asarray(value, dtype=np.int64)
                                 for value in (buyers, sellers, k, q1, q2, market_id, x, y)))
        self._units = units
        self.count += m

    @property
    def rows(self) -> list[tuple]:
        """Every fill as a row (``COLUMNS`` order): for inspection and tests."""
        cols = self.columns(0)
        return list(zip(*(cols[name].tolist() for name in COLUMNS)))

    def columns(self, tick: int) -> dict:
        raw = [np.concatenate([_raw_column(part, c) for part in self._parts]) if self._parts
               else np.zeros(0, dtype=np.int64) for c in range(len(_RAW))]
        buyer, seller, pair, q1, q2, market_id, x, y = raw
        first, second = _FIRST_GOOD[pair], _SECOND_GOOD[pair]
        moved_first, moved_second = q1 * self._units[first], q2 * self._units[second]
        moved = [np.where(first == g, moved_first, np.where(second == g, moved_second, 0.0)) for g in range(3)]
        values = (buyer, seller, _PAIR_NAMES[pair], *moved, moved_second / moved_first, market_id, x, y)
        cols = {name: np.asarray(value).astype(dtype) for name, value, dtype in zip(COLUMNS, values, DTYPES)}
        return {"tick": np.full(self.count, tick, dtype=np.int64), **cols}


def _raw_column(part, c: int) -> np.ndarray:
    if isinstance(part, list):
        return np.array([row[c] for row in part], dtype=np.int64)
    return part[c]

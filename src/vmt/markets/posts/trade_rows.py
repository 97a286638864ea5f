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
#: The columns of a block of fills from a compiled clearing (one int64 row per fill): buyer and seller
#: (-1: the market maker), minor units of the first good and of the second good paid, the price the
#: clearing record reports (ticks), and the cell of the trade (the buyer's; the seller's when the maker buys).
FILL_FIELDS = ("buyer", "seller", "q1", "q2", "price", "x", "y")
BUYER, SELLER, Q1, Q2, PRICE, X, Y = range(len(FILL_FIELDS))
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

    def add_block(self, fills: np.ndarray, k: int, market_id: int, units) -> None:
        """The fills of one clearing at once, one :data:`FILL_FIELDS` row each: :meth:`add` for each."""
        if fills.shape[0]:
            self._parts.append((fills, k, market_id))
            self._units = units
            self.count += fills.shape[0]

    def extend(self, other: "TradeRows") -> None:
        """Append ``other``'s fills after these (one post's session into the tick's rows)."""
        self._parts.extend(other._parts)
        self.count += other.count
        if other.count:
            self._units = other._units

    @property
    def rows(self) -> list[tuple]:
        """Every fill as a row (``COLUMNS`` order): for inspection and tests."""
        cols = self.columns(0)
        return list(zip(*(cols[name].tolist() for name in COLUMNS)))

    def columns(self, tick: int) -> dict:
        buyer, seller, pair, q1, q2, market_id, x, y = self._raw()
        first, second = _FIRST_GOOD[pair], _SECOND_GOOD[pair]
        moved_first, moved_second = q1 * self._units[first], q2 * self._units[second]
        moved = [np.where(first == g, moved_first, np.where(second == g, moved_second, 0.0)) for g in range(3)]
        values = (buyer, seller, _PAIR_NAMES[pair], *moved, moved_second / moved_first, market_id, x, y)
        cols = {name: np.asarray(value).astype(dtype) for name, value, dtype in zip(COLUMNS, values, DTYPES)}
        return {"tick": np.full(self.count, tick, dtype=np.int64), **cols}


    def _raw(self) -> list[np.ndarray]:
        """The :data:`_RAW` columns of every fill, in the order made. When every part is a block
        (compiled clearings), the blocks are joined once and the pair and post are repeated per
        block, instead of eight arrays built per block."""
        if not self._parts or not all(isinstance(part, tuple) for part in self._parts):
            return [np.concatenate([_raw_column(part, c) for part in self._parts]) if self._parts
                    else np.zeros(0, dtype=np.int64) for c in range(len(_RAW))]
        fills = np.concatenate([fills for fills, _, _ in self._parts])
        counts = [fills.shape[0] for fills, _, _ in self._parts]
        pair = np.repeat(np.array([k for _, k, _ in self._parts], dtype=np.int64), counts)
        market_id = np.repeat(np.array([m for _, _, m in self._parts], dtype=np.int64), counts)
        return [fills[:, BUYER], fills[:, SELLER], pair, fills[:, Q1], fills[:, Q2], market_id, fills[:, X], fills[:, Y]]


def _raw_column(part, c: int) -> np.ndarray:
    if isinstance(part, list):
        return np.array([row[c] for row in part], dtype=np.int64)
    fills, k, market_id = part
    if c in (2, 5):  # one pair and one post for the whole block
        return np.full(fills.shape[0], k if c == 2 else market_id, dtype=np.int64)
    return fills[:, (BUYER, SELLER, None, Q1, Q2, None, X, Y)[c]]

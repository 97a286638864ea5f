"""The fills of one tick at all posts, kept as columns of the ``trades`` table.

A fill by a single order is one row; a compiled mechanism loop that fills an
order in many slices (the dealer) hands them over as one block of arrays,
so a tick with tens of thousands of slices does not build a Python tuple
per slice. :meth:`TradeRows.columns` puts rows and blocks together in the
order they were made: the same table either way.
"""

from __future__ import annotations

import numpy as np

from vmt.world.state import PAIR_NAMES, PAIRS

COLUMNS = ("buyer_id", "seller_id", "pair_type", "quantity_A", "quantity_B", "quantity_M", "price",
           "market_id", "x", "y")
DTYPES = (np.int64, np.int64, object, float, float, float, float, float, np.int64, np.int64)


class TradeRows:
    """Fills of one tick at all posts, as columns of the ``trades`` table."""

    def __init__(self) -> None:
        self._parts: list = []  # lists of row tuples and dicts of column arrays, in the order made
        self.count = 0

    def add(self, buyer, seller, k, q1, q2, market_id, x, y, units) -> None:
        """One fill: ``q1`` minor units of pair ``k``'s first good for ``q2`` of its second."""
        moved = [0.0, 0.0, 0.0]
        first, second = PAIRS[k]
        moved[first], moved[second] = q1 * units[first], q2 * units[second]
        if not self._parts or not isinstance(self._parts[-1], list):
            self._parts.append([])
        self._parts[-1].append((buyer, seller, PAIR_NAMES[k], *moved, moved[second] / moved[first], market_id, x, y))
        self.count += 1

    def add_slices(self, buyer, seller, k, q1: np.ndarray, q2: np.ndarray, market_id, x, y, units) -> None:
        """Fills ``q1[i]`` for ``q2[i]`` between the same two traders: :meth:`add` for each, at once."""
        first, second = PAIRS[k]
        moved = [np.zeros(q1.shape[0]), np.zeros(q1.shape[0]), np.zeros(q1.shape[0])]
        moved[first], moved[second] = q1 * units[first], q2 * units[second]
        self._parts.append(((buyer, seller, PAIR_NAMES[k]), moved, moved[second] / moved[first], (market_id, x, y)))
        self.count += q1.shape[0]

    def extend(self, other: "TradeRows") -> None:
        """Append ``other``'s fills after these (one post's session into the tick's rows)."""
        self._parts.extend(other._parts)
        self.count += other.count

    @property
    def rows(self) -> list[tuple]:
        """Every fill as a row (``COLUMNS`` order), blocks unpacked: for inspection and tests."""
        out = []
        for part in self._parts:
            out.extend(part if isinstance(part, list) else zip(*_block_columns(part)))
        return out

    def columns(self, tick: int) -> dict:
        parts = [_row_columns(part) if isinstance(part, list) else _block_columns(part) for part in self._parts]
        cols = {name: (np.concatenate([p[c] for p in parts]) if parts else np.zeros(0, dtype=dtype)).astype(dtype)
                for c, (name, dtype) in enumerate(zip(COLUMNS, DTYPES))}
        return {"tick": np.full(self.count, tick, dtype=np.int64), **cols}


def _row_columns(rows: list[tuple]) -> list[np.ndarray]:
    return [np.array([r[c] for r in rows], dtype=dtype) for c, dtype in enumerate(DTYPES)]


def _block_columns(block) -> list[np.ndarray]:
    """A block of slices (traders and pair, quantities moved, prices, post and cell) as columns."""
    (buyer, seller, pair), moved, price, (market_id, x, y) = block
    m = price.shape[0]
    scalars = [np.full(m, value, dtype=dtype) for value, dtype in zip((buyer, seller, pair), DTYPES)]
    place = [np.full(m, value, dtype=dtype) for value, dtype in zip((market_id, x, y), DTYPES[7:])]
    return [*scalars, *moved, price, *place]

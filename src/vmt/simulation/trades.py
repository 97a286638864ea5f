"""The record of executed trades, kept as per-tick column arrays.

Quantities are real units moved; the price is real units of the pair's
second good per real unit of its first (B per A, M per A, M per B).
"""

from __future__ import annotations

import numpy as np

from vmt.protocols.bargaining.common import Proposals
from vmt.world.state import PAIR_NAMES, PAIRS, World

TRADE_COLUMNS = (
    "tick", "buyer_id", "seller_id", "pair_type", "quantity_A", "quantity_B", "quantity_M",
    "price", "market_id", "x", "y",
)


def trade_columns(tick: int, proposals: Proposals, world: World) -> dict[str, np.ndarray]:
    """Columns for the trades agreed this tick (buyer's cell as location)."""
    agreed = proposals.agreed()
    if not agreed.any():  # most ticks of a small economy: no per-pair work
        return _no_trades(proposals, world)
    k = proposals.pair_type[agreed]
    buyer, seller = proposals.buyer[agreed], proposals.seller[agreed]
    q1, q2 = proposals.q1[agreed], proposals.q2[agreed]
    first = np.array([p[0] for p in PAIRS])[k]
    second = np.array([p[1] for p in PAIRS])[k]
    moved = np.zeros((k.size, 3))
    rows = np.arange(k.size)
    moved[rows, first] = q1 * world.units[first]
    moved[rows, second] = q2 * world.units[second]
    return {
        "tick": np.full(k.size, tick, dtype=np.int64),
        "buyer_id": buyer,
        "seller_id": seller,
        "pair_type": np.array(PAIR_NAMES, dtype=object)[k],
        "quantity_A": moved[:, 0],
        "quantity_B": moved[:, 1],
        "quantity_M": moved[:, 2],
        "price": moved[rows, second] / moved[rows, first] if k.size else np.zeros(0),
        "market_id": proposals.market_id[agreed] if proposals.market_id is not None else np.full(k.size, np.nan),
        "x": world.agents.x[buyer],
        "y": world.agents.y[buyer],
    }


def _no_trades(proposals: Proposals, world: World) -> dict[str, np.ndarray]:
    """The columns of :func:`trade_columns` for a tick without trades (same dtypes)."""
    none = np.zeros(0)
    return {
        "tick": np.zeros(0, dtype=np.int64),
        "buyer_id": proposals.buyer[:0],
        "seller_id": proposals.seller[:0],
        "pair_type": np.zeros(0, dtype=object),
        "quantity_A": none,
        "quantity_B": none,
        "quantity_M": none,
        "price": none,
        "market_id": proposals.market_id[:0] if proposals.market_id is not None else none,
        "x": world.agents.x[:0],
        "y": world.agents.y[:0],
    }


def with_component_trades(columns: dict[str, np.ndarray], tick: int, components) -> dict[str, np.ndarray]:
    """``columns`` plus the trades market components made this tick.

    A component that trades itself (market posts) offers ``trade_rows(tick)``:
    the same columns, with its ``market_id``; they are appended after the
    bilateral trades.
    """
    extra = [c.trade_rows(tick) for c in components]
    extra = [e for e in extra if e is not None and len(e["tick"])]
    if not extra:
        return columns
    return {c: np.concatenate([np.asarray(columns[c]), *[np.asarray(e[c]) for e in extra]]) for c in TRADE_COLUMNS}


#: How ``TradeLog`` stores whole-number columns between ticks (a
#: million-agent run trades ~400,000 times a tick, so the log is a large part
#: of its memory); ``frame`` restores int64.
_COMPACT = {"tick": np.int32, "buyer_id": np.int32, "seller_id": np.int32, "x": np.int32, "y": np.int32}


class TradeLog:
    """Accumulates each tick's trade columns in memory for ``trades_df``.

    ``last`` is the latest tick's columns as made (what telemetry writes);
    the kept chunks are stored compactly.
    """

    def __init__(self) -> None:
        self._chunks: list[dict[str, np.ndarray]] = []
        self.count = 0
        self.last: dict[str, np.ndarray] | None = None
        self.last_tick = -1

    def add(self, columns: dict[str, np.ndarray]) -> None:
        self.last = columns
        self.last_tick = int(columns["tick"][0]) if columns["tick"].size else self.last_tick
        if columns["tick"].size:
            self._chunks.append(_compact(columns))
            self.count += int(columns["tick"].size)

    def frame(self) -> "pd.DataFrame":
        import pandas as pd

        if not self._chunks:
            return pd.DataFrame({c: [] for c in TRADE_COLUMNS})
        columns = {c: np.concatenate([ch[c] for ch in self._chunks]) for c in TRADE_COLUMNS}
        for name in _COMPACT:
            columns[name] = columns[name].astype(np.int64)
        return pd.DataFrame(columns)


def _compact(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    kept = dict(columns)
    for name, dtype in _COMPACT.items():
        values = np.asarray(columns[name])
        if values.size and max(values.max(), -values.min()) >= 2**31:  # pragma: no cover - > 2**31 agents or cells
            return dict(columns)
        kept[name] = values.astype(dtype)
    return kept

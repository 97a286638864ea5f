"""Telemetry of market posts: the ``market_posts``, ``market_clears`` and ``market_prices`` rows.

Per clearing (one post, one pair, one tick with participants):

* ``market_clears`` -- the mechanism's :class:`ClearRecord` in real units:
  clearing price (NULL if none was formed), units demanded and supplied,
  units traded, iterations and convergence;
* ``market_prices`` -- the price the post stands at after the tick: the
  volume-weighted average of the tick's fills if any, else the price it
  announces (volume 0), and the bid-ask spread (best ask minus best bid,
  NULL when the mechanism has no book or quotes).

Rows are kept in memory too (:meth:`PostRecords.clears_frame`,
:meth:`PostRecords.prices_frame`) so that a run without telemetry can
still be analysed; orders and trades are kept for the current tick only.
"""

from __future__ import annotations

import json
import math

import numpy as np

from vmt.markets.posts.state import PAIR_LABELS
from vmt.world.state import PAIR_NAMES, PAIRS

CLEAR_COLUMNS = ("tick", "market_id", "commodity", "clearing_price", "demand", "supply", "quantity",
                 "iterations", "converged")
PRICE_COLUMNS = ("tick", "market_id", "pair", "price", "volume", "n_trades", "bid_ask_spread")


def _real(ticks, tick_size: float) -> float:
    return math.nan if ticks is None else ticks * tick_size


class PostRecords:
    """Clearing and price rows of a run (in memory) and the tick's telemetry tables."""

    def __init__(self) -> None:
        self.clears: list[tuple] = []
        self.prices: list[tuple] = []
        self._tick_start = (0, 0)

    def start_tick(self) -> None:
        self._tick_start = (len(self.clears), len(self.prices))

    def add(self, tick: int, market, record, units: np.ndarray) -> None:
        size, unit = market.tick_size, units[PAIRS[market.k][0]]
        self.clears.append((tick, market.market_id, PAIR_LABELS[market.k], _real(record.price, size),
                            record.demanded * unit, record.supplied * unit, record.quantity * unit,
                            int(record.iterations), int(bool(record.converged))))
        vwap = market.vwap_ticks()
        price = vwap if market.volume else record.next_price
        if price is not None:
            self.prices.append((tick, market.market_id, PAIR_NAMES[market.k], price * size, market.volume * unit,
                                market.fills, _real(record.spread, size)))

    def tick_tables(self) -> dict[str, dict]:
        clears, prices = self.clears[self._tick_start[0]:], self.prices[self._tick_start[1]:]
        return {"market_clears": _columns(CLEAR_COLUMNS, clears), "market_prices": _columns(PRICE_COLUMNS, prices)}

    def clears_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(self.clears, columns=list(CLEAR_COLUMNS))

    def prices_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(self.prices, columns=list(PRICE_COLUMNS))


def _columns(names, rows) -> dict:
    return {name: [row[c] for row in rows] for c, name in enumerate(names)}


def post_table(posts) -> dict:
    """The static ``market_posts`` rows."""
    return {
        "market_id": posts.market_id,
        "x": posts.x,
        "y": posts.y,
        "visibility_radius": posts.visibility,
        "interaction_radius": posts.interaction,
        "broadcast_radius": posts.broadcast,
        "mechanism": list(posts.mechanism),
        "commodities": [json.dumps(c) for c in posts.commodities],
    }

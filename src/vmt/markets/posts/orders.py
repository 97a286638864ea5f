"""Orders at market posts: one object per order, checked before it reaches a book.

An order is ``side`` (+1 buy / -1 sell) ``quantity`` minor units of the
first good of exchange pair ``k`` with an optional limit price in ticks
(``None``: a market order at the mechanism's price). Quantities and prices
are integers on the post's grids (``docs/market_posts.md``).

:func:`rejection_reason` names what is wrong with an order, or returns None:
a bad order is recorded as ``rejected`` with that reason and never touches
a book, so a book is unchanged by it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

BUY, SELL = 1, -1
SIDE_NAMES = {BUY: "buy", SELL: "sell"}

FILLED, PARTIAL, UNFILLED, REJECTED = "filled", "partial", "unfilled", "rejected"


@dataclass(eq=False)
class Order:
    """A limit (or market) order; ``filled`` grows as it trades."""

    agent: int
    side: int
    quantity: int
    limit: int | None
    seq: int = 0
    filled: int = 0
    status: str = UNFILLED
    reason: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled

    def finish(self, reason_if_short: str | None = None) -> None:
        """Set the final status from what was filled."""
        if self.status == REJECTED:
            return
        if self.filled >= self.quantity:
            self.status, self.reason = FILLED, None
        else:
            self.status = PARTIAL if self.filled > 0 else UNFILLED
            self.reason = self.reason or reason_if_short


def _is_whole(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def rejection_reason(order: Order, held_first: int, held_second: int) -> str | None:
    """Why ``order`` cannot enter a book, given the trader's holdings (minor units).

    Checks, in order: a known side; a whole, positive quantity; a limit that
    is a whole, positive number of ticks (NaN, infinite, zero or negative
    are refused); a seller holding what it sells; a buyer able to pay for
    the whole order at its limit.
    """
    if order.side not in (BUY, SELL):
        return f"side {order.side!r} is neither buy (+1) nor sell (-1)"
    if not _is_whole(order.quantity) or order.quantity <= 0:
        return f"quantity {order.quantity!r} is not a positive whole number of units"
    if order.limit is not None:
        if not _is_whole(order.limit):
            bad = isinstance(order.limit, float) and not math.isfinite(order.limit)
            return f"limit price {order.limit!r} is {'not a finite number' if bad else 'not a whole number of ticks'}"
        if order.limit <= 0:
            return f"limit price {order.limit!r} is not positive"
    if order.side == SELL and order.quantity > held_first:
        return f"sells {order.quantity} units but holds {held_first}"
    if order.side == BUY and order.limit is not None and order.quantity * order.limit > held_second:
        return f"cannot pay {order.quantity * order.limit} at its limit with {held_second} held"
    return None


class OrderLog:
    """Orders of one tick, kept for the ``market_orders`` table."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, market_id: int, label: str, order: Order, first_unit: float, tick_size: float) -> None:
        limit = math.nan if order.limit is None else order.limit * tick_size
        quantity = order.quantity * first_unit if _is_whole(order.quantity) and order.quantity > 0 else 0.0
        self.rows.append((market_id, order.agent, label, SIDE_NAMES.get(order.side, str(order.side)),
                          quantity, limit, order.status, order.reason))

    def extend(self, other: "OrderLog") -> None:
        """Append ``other``'s orders after these (one post's session into the tick's log)."""
        self.rows.extend(other.rows)

    def columns(self, tick: int) -> dict:
        names = ("market_id", "agent_id", "commodity", "direction", "quantity", "limit_price", "status", "reason")
        cols = {name: [row[c] for row in self.rows] for c, name in enumerate(names)}
        cols["market_id"] = np.array(cols["market_id"], dtype=np.int64)
        cols["agent_id"] = np.array(cols["agent_id"], dtype=np.int64)
        cols["quantity"] = np.array(cols["quantity"], dtype=np.float64)
        cols["limit_price"] = np.array(cols["limit_price"], dtype=np.float64)
        return {"tick": np.full(len(self.rows), tick, dtype=np.int64), **cols}

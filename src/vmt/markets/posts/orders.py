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


#: Order statuses in the order compiled clearings report them (their code is the index; -1: no order).
STATUSES = (FILLED, PARTIAL, UNFILLED, REJECTED)
NO_ORDER, FILLED_CODE, PARTIAL_CODE, UNFILLED_CODE, REJECTED_CODE = -1, 0, 1, 2, 3
#: What a compiled clearing reports per participant, one int64 row of these: side (0: no order),
#: quantity, units filled, status code, refusal code with its two numbers (:data:`REFUSALS`) and the
#: limit in ticks (-1: a market order).
ORDER_FIELDS = ("side", "quantity", "filled", "status", "refusal", "refusal_a", "refusal_b", "limit")
SIDE, QUANTITY, FILLED_UNITS, STATUS, REFUSAL, REFUSAL_A, REFUSAL_B, LIMIT = range(len(ORDER_FIELDS))

#: Why an order or a fill was refused, by the code a compiled clearing reports with two numbers ``(a, b)``.
REFUSALS = {
    1: lambda a, b: f"sells {a} units but holds {b}",
    2: lambda a, b: f"cannot pay {a} at its limit with {b} held",
    3: lambda a, b: f"seller {a} cannot deliver {b} units",
    4: lambda a, b: f"buyer {a} cannot pay {b}",
    5: lambda a, b: f"fill would lower the utility of agent {a}",
}
SELLS_SHORT, CANNOT_PAY_LIMIT, SELLER_SHORT, BUYER_SHORT, LOWERS_UTILITY = REFUSALS


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
        return REFUSALS[SELLS_SHORT](order.quantity, held_first)
    if order.side == BUY and order.limit is not None and order.quantity * order.limit > held_second:
        return REFUSALS[CANNOT_PAY_LIMIT](order.quantity * order.limit, held_second)
    return None


_LOG_COLUMNS = ("market_id", "agent_id", "commodity", "direction", "quantity", "limit_price", "status", "reason")


class OrderLog:
    """Orders of one tick, kept for the ``market_orders`` table.

    Orders come one by one (:meth:`add`) or, from a compiled clearing, as one
    block of arrays (:meth:`add_block`); blocks become rows only when the
    table is asked for (:meth:`columns`), so a run without telemetry never
    builds them.
    """

    def __init__(self) -> None:
        self._parts: list = []  # lists of row tuples and blocks, in the order made

    def add(self, market_id: int, label: str, order: Order, first_unit: float, tick_size: float) -> None:
        limit = math.nan if order.limit is None else order.limit * tick_size
        quantity = order.quantity * first_unit if _is_whole(order.quantity) and order.quantity > 0 else 0.0
        if not self._parts or not isinstance(self._parts[-1], list):
            self._parts.append([])
        self._parts[-1].append((market_id, order.agent, label, SIDE_NAMES.get(order.side, str(order.side)),
                                quantity, limit, order.status, order.reason))

    def add_block(self, market_id: int, label: str, agents: np.ndarray, orders: np.ndarray, first_unit: float,
                  tick_size: float, short_reason: str) -> None:
        """The orders of one clearing: one :data:`ORDER_FIELDS` row per trader in ``agents`` (status
        -1: the trader sent none); an order not filled and not refused gets ``short_reason``."""
        self._parts.append((market_id, label, agents, orders, first_unit, tick_size, short_reason))

    @property
    def rows(self) -> list[tuple]:
        out = []
        for part in self._parts:
            out.extend(part if isinstance(part, list) else _block_rows(*part))
        return out

    def extend(self, other: "OrderLog") -> None:
        """Append ``other``'s orders after these (one post's session into the tick's log)."""
        self._parts.extend(other._parts)

    def columns(self, tick: int) -> dict:
        rows = self.rows
        cols = {name: [row[c] for row in rows] for c, name in enumerate(_LOG_COLUMNS)}
        cols["market_id"] = np.array(cols["market_id"], dtype=np.int64)
        cols["agent_id"] = np.array(cols["agent_id"], dtype=np.int64)
        cols["quantity"] = np.array(cols["quantity"], dtype=np.float64)
        cols["limit_price"] = np.array(cols["limit_price"], dtype=np.float64)
        return {"tick": np.full(len(rows), tick, dtype=np.int64), **cols}


def _block_rows(market_id, label, agents, orders, first_unit, tick_size, short_reason) -> list[tuple]:
    """A block of orders as :meth:`OrderLog.add` would have written them one by one."""
    placed = orders[:, STATUS] != NO_ORDER
    rows = []
    for agent, (side, quantity, _, status, refusal, a, b, limit) in zip(agents[placed].tolist(),
                                                                        orders[placed].tolist()):
        if refusal:
            reason = REFUSALS[refusal](a, b)
        else:
            reason = short_reason if status in (PARTIAL_CODE, UNFILLED_CODE) else None
        rows.append((market_id, agent, label, SIDE_NAMES[side], quantity * first_unit if quantity > 0 else 0.0,
                     math.nan if limit < 0 else limit * tick_size, STATUSES[status], reason))
    return rows

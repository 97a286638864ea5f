"""A price-time priority limit order book: the core of the continuous double auction.

Resting bids are ordered by price, highest first, then by arrival; resting
asks by price, lowest first, then by arrival. An incoming order trades
against the best resting order of the other side for as long as the prices
cross (bid >= ask), each fill at the *resting* order's price for the
smaller of the two remaining quantities; what is left of a limit order
then rests in the book, what is left of a market order (no limit) lapses.

Settlement is the caller's: ``settle(buyer, seller, units, price)``
returns None when the fill was made, or the reason it was refused (e.g. it
would lower a trader's utility). A refused fill stops the incoming order,
which is rejected with that reason (or left partial if it had already
traded); the resting order is untouched, so a refused order leaves the book
as it was. Orders that fail :func:`~vmt.markets.posts.orders.rejection_reason`
never reach the book (the caller checks them first).
"""

from __future__ import annotations

import bisect
from typing import Callable

from vmt.markets.posts.orders import BUY, PARTIAL, REJECTED, Order

Settle = Callable[[int, int, int, int], "str | None"]


class OrderBook:
    """Resting orders of one exchange pair."""

    def __init__(self) -> None:
        self._bids: list[tuple[int, int, Order]] = []  # (-limit, arrival, order)
        self._asks: list[tuple[int, int, Order]] = []  # (limit, arrival, order)
        self._arrivals = 0

    # --------------------------------------------------------- queries
    @property
    def bids(self) -> list[Order]:
        return [entry[2] for entry in self._bids]

    @property
    def asks(self) -> list[Order]:
        return [entry[2] for entry in self._asks]

    def best_bid(self) -> int | None:
        return self._bids[0][2].limit if self._bids else None

    def best_ask(self) -> int | None:
        return self._asks[0][2].limit if self._asks else None

    def spread(self) -> int | None:
        """Best ask minus best bid in ticks; None unless both sides rest."""
        bid, ask = self.best_bid(), self.best_ask()
        return None if bid is None or ask is None else ask - bid

    def snapshot(self) -> tuple:
        """A hashable picture of the book (to check that a refused order changed nothing)."""
        return tuple((o.agent, o.side, o.limit, o.remaining) for o in self.bids + self.asks)

    # -------------------------------------------------------- changes
    def cancel(self, agent: int) -> list[Order]:
        """Withdraw every resting order of ``agent``; returns them."""
        gone = [e[2] for e in self._bids + self._asks if e[2].agent == agent]
        self._bids = [e for e in self._bids if e[2].agent != agent]
        self._asks = [e for e in self._asks if e[2].agent != agent]
        return gone

    def submit(self, order: Order, settle: Settle) -> None:
        """Match ``order`` at resting prices while they cross, then rest what is left."""
        book = self._asks if order.side == BUY else self._bids
        while order.remaining > 0 and book and self._crosses(order, book[0][2]):
            resting = book[0][2]
            units = min(order.remaining, resting.remaining)
            buyer, seller = (order, resting) if order.side == BUY else (resting, order)
            reason = settle(buyer.agent, seller.agent, units, resting.limit)
            if reason is not None:
                order.status, order.reason = (PARTIAL if order.filled else REJECTED), reason
                return
            order.filled += units
            resting.filled += units
            if resting.remaining == 0:
                book.pop(0)
        if order.remaining > 0 and order.limit is not None:
            self._rest(order)

    @staticmethod
    def _crosses(order: Order, resting: Order) -> bool:
        if order.limit is None:
            return True
        return order.limit >= resting.limit if order.side == BUY else order.limit <= resting.limit

    def _rest(self, order: Order) -> None:
        self._arrivals += 1
        if order.side == BUY:
            bisect.insort(self._bids, (-order.limit, self._arrivals, order))
        else:
            bisect.insort(self._asks, (order.limit, self._arrivals, order))

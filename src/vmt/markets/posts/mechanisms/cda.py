"""``cda``: a continuous double auction with a price-time priority order book.

Each tick the participants arrive one at a time in a seeded random order
(drawn from the run's seed, the tick and the post: deterministic). On
arrival a trader sends one limit order made by the post's strategy
(``truthful``, ``zi_c``, ``zi_u``); it trades at once against the book at
the resting orders' prices (:class:`~vmt.markets.posts.orderbook.OrderBook`)
and whatever is left rests. Orders live for one tick -- holdings change
between ticks and a stale order could no longer be honoured -- so the
book is emptied (orders ``expired``) when the tick ends, after its best
bid and ask are recorded for the spread.

The clearing record gives the last trade price (the price the post then
broadcasts), the units bid and offered, the units traded and, as
iterations, the number of orders processed.
"""

from __future__ import annotations

from vmt.markets.posts.exchange import PairMarket
from vmt.markets.posts.mechanisms.base import ClearRecord, Mechanism, register_mechanism
from vmt.markets.posts.mechanisms.order_driven import OrderDrivenParams
from vmt.markets.posts.orderbook import OrderBook
from vmt.markets.posts.orders import BUY
from vmt.markets.posts.strategies import strategy_orders


class CDAParams(OrderDrivenParams):
    pass


@register_mechanism("cda", CDAParams)
class ContinuousDoubleAuction(Mechanism):
    """Continuous double auction: price-time priority, traders in seeded random order."""

    def clear(self, market: PairMarket, price: int) -> ClearRecord:
        floor, ceiling = self.params.bounds(price, market.tick_size)
        orders = strategy_orders(market, self.params.strategy, price, floor, ceiling)
        book, last = OrderBook(), []

        def settle(buyer: int, seller: int, units: int, at: int):
            reason = market.fill(buyer, seller, units, units * at)
            if reason is None:
                last.append(at)
            return reason

        for r in market.rng.permutation(len(orders)):
            if market.submit(orders[r]):
                book.submit(orders[r], settle)
        record = ClearRecord(last[-1] if last else None, iterations=len(orders),
                             best_bid=book.best_bid(), best_ask=book.best_ask())
        accepted = [o for o in orders if o.status != "rejected"]
        record.demanded = sum(o.quantity for o in accepted if o.side == BUY)
        record.supplied = sum(o.quantity for o in accepted if o.side != BUY)
        record.quantity = market.volume
        record.announced = record.price if record.price is not None else price
        market.close("expired unmatched at the end of the tick")
        return record

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

import numpy as np

from vmt.markets.posts.exchange import PairMarket
from vmt.markets.posts.mechanisms.base import ClearRecord, Mechanism, register_mechanism
from vmt.markets.posts.mechanisms.cda_kernels import arriving_orders, cda_session
from vmt.markets.posts.mechanisms.maker_kernels import order_totals
from vmt.markets.posts.mechanisms.order_driven import OrderDrivenParams
from vmt.markets.posts.strategies import strategy_limits
from vmt.markets.posts.trade_rows import FILL_FIELDS, PRICE


class CDAParams(OrderDrivenParams):
    pass


#: Why a cda order was not filled in full, when no fill was refused.
SHORT_REASON = "expired unmatched at the end of the tick"


@register_mechanism("cda", CDAParams)
class ContinuousDoubleAuction(Mechanism):
    """Continuous double auction: price-time priority, traders in seeded random order."""

    def clear(self, market: PairMarket, price: int) -> ClearRecord:
        sides, limits, respects = strategy_limits(market, self.params.strategy, price,
                                                  *self.params.bounds(price, market.tick_size))
        arrival = market.rng.permutation(np.count_nonzero((sides != 0) & (limits > 0)))
        ag = market.world.agents
        agents, orders = arriving_orders(market.ids, sides, limits, arrival, respects, ag.family, ag.utility_params,
                                         ag.lambda_money, ag.inventory, market.world.units, market.k)
        fills, count, best_bid, best_ask = cda_session(
            agents, ag.family, ag.utility_params, ag.lambda_money, ag.inventory, market.world.units, market.k,
            ag.x, ag.y, ag.quotes_stale, orders, np.empty((agents.size + 16, len(FILL_FIELDS)), dtype=np.int64))
        market.record_fills(fills[:count])
        market.record_orders(agents, orders, SHORT_REASON)
        demanded, supplied, _ = order_totals(orders)
        last = int(fills[count - 1, PRICE]) if count else None
        return ClearRecord(last, demanded, supplied, market.volume, iterations=int(agents.size),
                           best_bid=int(best_bid) if best_bid >= 0 else None,
                           best_ask=int(best_ask) if best_ask >= 0 else None,
                           announced=last if last is not None else price)

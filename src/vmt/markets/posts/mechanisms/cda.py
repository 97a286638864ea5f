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
from vmt.markets.posts.mechanisms.base import ClearRecord, Mechanism, Session, participants, register_mechanism
from vmt.markets.posts.mechanisms.cda_kernels import arriving_orders, cda_many, cda_session
from vmt.markets.posts.mechanisms.maker_kernels import order_totals
from vmt.markets.posts.mechanisms.order_driven import OrderDrivenParams
from vmt.markets.posts.orders import ORDER_FIELDS
from vmt.markets.posts.strategies import strategy_limits
from vmt.markets.posts.strategy_kernels import compiled_strategies, strategy_orders_many
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
        last = int(fills[count - 1, PRICE]) if count else None
        return _record(market, orders, last, best_bid, best_ask, price)

    @classmethod
    def clear_many(cls, sessions: list[Session]) -> list[ClearRecord]:
        """Every clearing's strategy orders, arrival order and book in compiled parallel kernels
        (:func:`~vmt.markets.posts.strategy_kernels.strategy_orders_many`, :func:`cda_many`): what
        :meth:`clear` does session by session (a strategy that is not a built-in one: :meth:`clear`)."""
        if len(sessions) < 2 or not compiled_strategies({s.mechanism.params.strategy for s in sessions}):
            return super().clear_many(sessions)
        market, count = sessions[0].market, len(sessions)
        ids, start = participants(sessions)
        sides, limits, quantity, streams = strategy_orders_many(sessions, ids, start)
        fill_start = 2 * start + 16 * np.arange(count + 1)
        agents, orders = np.empty(ids.size, dtype=np.int64), np.empty((ids.size, len(ORDER_FIELDS)), dtype=np.int64)
        fills, ag = np.empty((fill_start[-1], len(FILL_FIELDS)), dtype=np.int64), market.world.agents
        placed, made, best_bid, best_ask = (np.empty(count, dtype=np.int64) for _ in range(4))
        cda_many(ids, start, sides, limits, quantity, streams, market.k, *market.agent_arrays(), ag.x, ag.y,
                 ag.quotes_stale, agents, orders, placed, fill_start, fills, made, best_bid, best_ask)
        if (made < 0).any():
            raise AssertionError("compiled cda fills outgrew their room")
        records = []
        for s, session in enumerate(sessions):
            a, f = start[s], fill_start[s]
            session.market.record_fills(fills[f:f + made[s]])
            session.market.record_orders(agents[a:a + placed[s]], orders[a:a + placed[s]], SHORT_REASON)
            last = int(fills[f + made[s] - 1, PRICE]) if made[s] else None
            records.append(_record(session.market, orders[a:a + placed[s]], last, best_bid[s], best_ask[s],
                                   session.price))
        return records


def _record(market: PairMarket, orders: np.ndarray, last: int | None, best_bid: int, best_ask: int,
            price: int) -> ClearRecord:
    """The clearing's record: last trade price, units bid and offered, units traded, orders processed,
    the book's best bid and ask when the tick ends (-1: none)."""
    demanded, supplied, _ = order_totals(orders)
    return ClearRecord(last, demanded, supplied, market.volume, iterations=int(orders.shape[0]),
                       best_bid=int(best_bid) if best_bid >= 0 else None,
                       best_ask=int(best_ask) if best_ask >= 0 else None,
                       announced=last if last is not None else price)

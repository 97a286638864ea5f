"""``call``: a periodic call auction at one uniform clearing price.

Every ``call_interval`` ticks the participants each send one limit order
(made by the post's strategy, as in the ``cda``) and the auction clears
them all at once at the price ``p`` that maximises the volume
``min(D(p), S(p))`` -- ``D(p)`` the units bid at limits ``>= p``, ``S(p)``
those offered at limits ``<= p``; among the prices with that volume, the
smallest imbalance ``|D - S|``, then the one nearest the post's previous
price, then the lowest. Everyone trades at ``p``: bids are served highest
limit first and asks lowest first, equal limits in arrival order, and the
marginal order may be filled in part. On the other ticks participants wait
(no clearing, no record). Between calls nobody trades, which is what sets
a call market apart from the continuous one.

The calls of one pair at all posts are priced and executed in one parallel
kernel (:mod:`.call_kernels`); :meth:`CallAuction.clear` is the same rule in
Python, the reference it is tested against.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from vmt.markets.posts.exchange import PairMarket
from vmt.markets.posts.mechanisms.base import ClearRecord, Mechanism, Session, participants, register_mechanism
from vmt.markets.posts.mechanisms.call_kernels import NO_PRICE, call_books_many, call_many
from vmt.markets.posts.mechanisms.order_driven import OrderDrivenParams
from vmt.markets.posts.orders import (BUY, FILLED_UNITS, LIMIT, ORDER_FIELDS, QUANTITY, REJECTED, REJECTED_CODE, SIDE,
                                      STATUS, Order)
from vmt.markets.posts.rationing import pair_fills
from vmt.markets.posts.strategies import strategy_arrays, strategy_orders
from vmt.markets.posts.strategy_kernels import compiled_strategies, strategy_orders_many
from vmt.markets.posts.trade_rows import FILL_FIELDS

#: Why a call order was not filled in full, when it was not refused.
SHORT_REASON = "not served at the uniform price"


class CallParams(OrderDrivenParams):
    call_interval: int = Field(1, ge=1)  # ticks between calls


def uniform_price(orders: list[Order], previous: int) -> tuple[int | None, int, int]:
    """(price, demand, supply) of the volume-maximising uniform price; price None if no volume."""
    best, best_key = None, None
    for p in sorted({o.limit for o in orders}):
        demand = sum(o.quantity for o in orders if o.side == BUY and o.limit >= p)
        supply = sum(o.quantity for o in orders if o.side != BUY and o.limit <= p)
        key = (-min(demand, supply), abs(demand - supply), abs(p - previous), p)
        if min(demand, supply) > 0 and (best_key is None or key < best_key):
            best, best_key = (p, demand, supply), key
    return best if best is not None else (None, 0, 0)


def _served(orders: list[Order], volume: int) -> list[int]:
    """Units each order (already in priority order) gets when ``volume`` units are shared."""
    out = []
    for order in orders:
        units = min(order.quantity, volume)
        out.append(units)
        volume -= units
    return out


@register_mechanism("call", CallParams)
class CallAuction(Mechanism):
    """Periodic call auction at one uniform, volume-maximising price."""

    def clear(self, market: PairMarket, price: int) -> ClearRecord | None:
        if market.tick % self.params.call_interval != 0:
            return None
        orders = [o for o in self._orders(market, price) if o.status != REJECTED]
        clearing, demand, supply = uniform_price(orders, price)
        if clearing is not None:
            self._execute(market, orders, clearing, min(demand, supply))
        return self._record(market, orders, clearing, demand, supply, price)

    @classmethod
    def clear_many(cls, sessions: list[Session]) -> list[ClearRecord | None]:
        """Every call's orders by its strategy, prices and fills in compiled parallel kernels
        (:func:`~vmt.markets.posts.strategy_kernels.strategy_orders_many`, :func:`call_books_many`;
        a strategy that is not a built-in one makes its orders in Python, :func:`call_many`):
        what :meth:`clear` does session by session."""
        calling = [s for s in sessions if s.market.tick % s.mechanism.params.call_interval == 0]
        if len(calling) < 2:
            return super().clear_many(sessions)
        if compiled_strategies({s.mechanism.params.strategy for s in calling}):
            records = cls._clear_compiled(calling)
        else:
            records = cls._clear_books(calling)
        return [records.get(id(s)) for s in sessions]

    @classmethod
    def _clear_compiled(cls, calling: list[Session]) -> dict:
        market, count = calling[0].market, len(calling)
        ids, start = participants(calling)
        sides, limits, quantity, _ = strategy_orders_many(calling, ids, start)
        agents, orders = np.empty(ids.size, dtype=np.int64), np.empty((ids.size, len(ORDER_FIELDS)), dtype=np.int64)
        fills, ag = np.empty((ids.size, len(FILL_FIELDS)), dtype=np.int64), market.world.agents
        placed, price, demand, supply, made, best_bid, best_ask = (np.empty(count, dtype=np.int64) for _ in range(7))
        call_books_many(ids, start, sides, limits, quantity, np.array([s.price for s in calling], np.int64), market.k,
                        *market.agent_arrays(), ag.x, ag.y, ag.quotes_stale, agents, orders, placed, price, demand,
                        supply, made, best_bid, best_ask, fills)
        records = {}
        for c, session in enumerate(calling):
            a = start[c]
            session.market.record_fills(fills[a:a + made[c]])
            session.market.record_orders(agents[a:a + placed[c]], orders[a:a + placed[c]], SHORT_REASON)
            clearing = int(price[c]) if price[c] != NO_PRICE else None
            records[id(session)] = ClearRecord(
                clearing, int(demand[c]), int(supply[c]), session.market.volume, iterations=1,
                best_bid=int(best_bid[c]) if best_bid[c] >= 0 else None,
                best_ask=int(best_ask[c]) if best_ask[c] >= 0 else None,
                announced=clearing if clearing is not None else session.price)
        return records

    @classmethod
    def _clear_books(cls, calling: list[Session]) -> dict:
        """Each call's orders from its strategy in Python (its own generator), then every call's
        checks, price and fills in one parallel kernel (:func:`call_many`)."""
        books = [s.mechanism._book(s.market, s.price) for s in calling]
        start = np.cumsum([0] + [agents.size for agents, _ in books])
        agents, orders = np.concatenate([b[0] for b in books]), np.concatenate([b[1] for b in books])
        market, count = calling[0].market, len(calling)
        price, demand, supply, made = (np.empty(count, dtype=np.int64) for _ in range(4))
        fills, ag = np.empty((agents.size, len(FILL_FIELDS)), dtype=np.int64), market.world.agents
        call_many(start, agents, orders, np.array([s.price for s in calling], np.int64), market.k,
                  *market.agent_arrays(), ag.x, ag.y, ag.quotes_stale, price, demand, supply, made, fills)
        records = {}
        for c, session in enumerate(calling):
            a, b = start[c], start[c + 1]
            session.market.record_fills(fills[a:a + made[c]])
            session.market.record_orders(agents[a:b], orders[a:b], SHORT_REASON)
            clearing = int(price[c]) if price[c] != NO_PRICE else None
            records[id(session)] = cls._described(session.market, orders[a:b], clearing, int(demand[c]),
                                                  int(supply[c]), session.price)
        return records

    def _book(self, market: PairMarket, price: int) -> tuple[np.ndarray, np.ndarray]:
        """The participants' orders by the strategy: (traders, :data:`ORDER_FIELDS` rows)."""
        floor, ceiling = self.params.bounds(price, market.tick_size)
        agents, sides, quantities, limits = strategy_arrays(market, self.params.strategy, price, floor, ceiling)
        orders = np.zeros((agents.size, len(ORDER_FIELDS)), dtype=np.int64)
        orders[:, SIDE], orders[:, QUANTITY], orders[:, LIMIT] = sides, quantities, limits
        return agents, orders

    @staticmethod
    def _described(market: PairMarket, orders: np.ndarray, clearing: int | None, demand: int, supply: int,
                   price: int) -> ClearRecord:
        """:meth:`_record` from order rows: the best unserved bid and ask of the accepted orders."""
        waiting = (orders[:, STATUS] != REJECTED_CODE) & (orders[:, QUANTITY] > orders[:, FILLED_UNITS])
        bids = orders[waiting & (orders[:, SIDE] == BUY), LIMIT]
        asks = orders[waiting & (orders[:, SIDE] != BUY), LIMIT]
        return ClearRecord(clearing, demand, supply, market.volume, iterations=1,
                           best_bid=int(bids.max()) if bids.size else None,
                           best_ask=int(asks.min()) if asks.size else None,
                           announced=clearing if clearing is not None else price)

    def _orders(self, market: PairMarket, price: int) -> list[Order]:
        """The participants' orders by the strategy, each submitted (checked and recorded)."""
        floor, ceiling = self.params.bounds(price, market.tick_size)
        orders = strategy_orders(market, self.params.strategy, price, floor, ceiling)
        for order in orders:
            market.submit(order)
        return orders

    @staticmethod
    def _record(market: PairMarket, orders: list[Order], clearing: int | None, demand: int, supply: int,
                price: int) -> ClearRecord:
        """Close the session and describe the call: price, volumes, best unserved bid and ask."""
        market.close(SHORT_REASON)
        bids = [o.limit for o in orders if o.side == BUY and o.remaining > 0]
        asks = [o.limit for o in orders if o.side != BUY and o.remaining > 0]
        return ClearRecord(clearing, demand, supply, market.volume, iterations=1,
                           best_bid=max(bids) if bids else None, best_ask=min(asks) if asks else None,
                           announced=clearing if clearing is not None else price)

    @staticmethod
    def _execute(market: PairMarket, orders: list[Order], price: int, volume: int) -> None:
        bids = sorted((o for o in orders if o.side == BUY and o.limit >= price), key=lambda o: (-o.limit, o.seq))
        asks = sorted((o for o in orders if o.side != BUY and o.limit <= price), key=lambda o: (o.limit, o.seq))
        by_agent = {o.agent: o for o in bids + asks}
        bought, sold = _served(bids, volume), _served(asks, volume)
        for buyer, seller, units in pair_fills([o.agent for o in bids], bought, [o.agent for o in asks], sold):
            if market.fill(buyer, seller, units, units * price) is None:
                by_agent[buyer].filled += units
                by_agent[seller].filled += units

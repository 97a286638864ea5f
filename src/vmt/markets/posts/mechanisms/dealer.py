"""``dealer``: a market maker with inventory and cash.

The dealer quotes around a reference price ``r`` (ticks), skewed by its
inventory ``I`` of the good against its opening stock ``I0``::

    mid = r exp(-gamma (I - I0) / max(I0, 1))
    bid = floor(mid (1 - s)),  ask = max(bid + 1, ceil(mid (1 + s)))

``s = half_spread``, ``gamma = inventory_skew``: a dealer long in the good
lowers both quotes to sell it off, a short one raises them. After every
tick the reference itself drifts the same way,
``r <- r exp(-eta (I - I0) / max(I0, 1))`` (``eta = reference_drift``),
so a persistent imbalance moves the dealer's prices until the flow of
buyers and sellers balances: price discovery through inventory. The
reference starts at ``reference_price`` (default: the post's opening
price). The dealer never sells a unit it does not hold nor buys one it
cannot pay for (:mod:`.maker`).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from vmt.markets.posts.exchange import PairMarket
from vmt.markets.posts.mechanisms.base import BoundedReal, ClearRecord, Session, participants, register_mechanism
from vmt.markets.posts.compiled_stream import compilable_seed
from vmt.markets.posts.mechanisms.dealer_kernels import (LOTS_PER_ORDER, OUTGREW, dealer_many, dealer_mid, dealer_quotes,
                                                         dealer_session, inventory_imbalance)
from vmt.markets.posts.mechanisms.maker import MakerMechanism, MakerParams, stock_target
from vmt.markets.posts.orders import ORDER_FIELDS
from vmt.markets.posts.trade_rows import FILL_FIELDS
from vmt.world.state import GOODS, PAIRS

#: Rows of fills a batch of dealer sessions makes room for: this many per participant, plus a spare few.
#: A dealer fills an order slice by slice (about 40 fills per participant at the benchmark's units, up to
#: 200); the room is reserved, not written, so only the rows a session fills cost memory.
FILL_ROOM = (256, 64)
#: The reference price stays within [1, this] ticks, however long an imbalance lasts.
_MAX_REFERENCE_TICKS = 1e12


class DealerParams(MakerParams):
    half_spread: float = Field(0.05, ge=0.0, lt=1.0)
    inventory_skew: float = Field(0.5, ge=0.0, le=100.0)  # gamma
    reference_drift: float = Field(0.1, ge=0.0, le=100.0)  # eta, per tick
    reference_price: BoundedReal | dict[str, BoundedReal] | None = None


@register_mechanism("dealer", DealerParams)
class Dealer(MakerMechanism):
    """Dealer quoting bid/ask around a reference price, skewed by its inventory."""

    def __init__(self, params: DealerParams, setup) -> None:
        super().__init__(params, setup)
        self.target = {k: stock_target(params, setup, k) for k in setup.pairs}
        self.reference = {k: self._opening_reference(params, setup, k) for k in setup.pairs}

    @staticmethod
    def _opening_reference(params: DealerParams, setup, k: int) -> float:
        given = params.reference_price
        if isinstance(given, dict):
            given = given.get(GOODS[PAIRS[k][0]])
        return given / setup.tick_size[k] if given is not None else float(setup.opening_ticks[k])

    def lot_size(self, remaining: int) -> int:
        """A thirty-second of what is left of the order: the quote moves at least 32 times per order.

        The dealer's price is linear in the quantity at one quote and its skew
        depends on the inventory relative to the opening stock, so slicing an
        order changes nothing but how often the quote is refreshed; fills per
        order stay bounded whatever the accounting unit.
        """
        return max(1, remaining // LOTS_PER_ORDER)

    def _imbalance(self, k: int) -> float:
        return inventory_imbalance(self.account.holdings[PAIRS[k][0]], self.target[k])

    def mid(self, k: int) -> float:
        return dealer_mid(self.reference[k], self.account.holdings[PAIRS[k][0]], self.target[k],
                          self.params.inventory_skew)

    def bid_payment(self, k: int) -> int | None:
        bid = dealer_quotes(self.mid(k), self.params.half_spread)[0]
        return bid if bid >= 1 else None

    def ask_payment(self, k: int) -> int | None:
        return dealer_quotes(self.mid(k), self.params.half_spread)[1]

    def quoted_price(self, k: int) -> int:
        return max(1, round(self.mid(k)))

    def end_of_tick(self, k: int) -> None:
        drifted = self.reference[k] * math.exp(-self.params.reference_drift * self._imbalance(k))
        self.reference[k] = min(max(drifted, 1.0), _MAX_REFERENCE_TICKS)

    def clear(self, market: PairMarket, price: int) -> ClearRecord:
        """The shared market-maker session (:meth:`MakerMechanism.clear`) in one compiled call."""
        market.maker, k, ag = self.account, market.k, market.world.agents
        arrival = market.ids[market.rng.permutation(market.ids.size)]
        orders, fills = self.session_buffers(arrival.size)
        fills, count, status = dealer_session(
            arrival, ag.family, ag.utility_params, ag.lambda_money, ag.inventory, market.world.units, k, ag.x, ag.y,
            ag.quotes_stale, self.account.holdings, self.reference[k], self.target[k], self.params.inventory_skew,
            self.params.half_spread, orders, fills)
        return self.settle_session(market, arrival, orders, fills[:count], status)

    @classmethod
    def clear_many(cls, sessions: list[Session]) -> list[ClearRecord]:
        """Every post's dealer session of one pair in one parallel kernel (:func:`dealer_many`; each
        post has its own dealer and no trader is at two), then each session settled as :meth:`clear`
        settles it; a session whose fills outgrew their room in the kernel runs alone afterwards."""
        if len(sessions) < 2 or not all(compilable_seed(s.market.rng.seed) for s in sessions):
            return super().clear_many(sessions)
        market, count, k = sessions[0].market, len(sessions), sessions[0].market.k
        ids, start = participants(sessions)
        dealers = [s.mechanism for s in sessions]
        held = np.array([d.account.holdings for d in dealers], dtype=np.int64).reshape(count, 3)
        arrival, orders = np.empty(ids.size, dtype=np.int64), np.zeros((ids.size, len(ORDER_FIELDS)), dtype=np.int64)
        fill_start = FILL_ROOM[0] * start + FILL_ROOM[1] * np.arange(count + 1)
        fills, made, status = np.empty((fill_start[-1], len(FILL_FIELDS)), np.int64), *np.empty((2, count), np.int64)
        ag = market.world.agents
        dealer_many(ids, start, np.array([s.market.rng.seed for s in sessions], np.int64).reshape(count, 4),
                    *market.agent_arrays(), k, ag.x, ag.y, ag.quotes_stale, held,
                    np.array([d.reference[k] for d in dealers], float), np.array([d.target[k] for d in dealers], np.int64),
                    np.array([d.params.inventory_skew for d in dealers], float),
                    np.array([d.params.half_spread for d in dealers], float), arrival, orders, fill_start, fills, made,
                    status)
        records = []
        for s, (session, dealer) in enumerate(zip(sessions, dealers)):
            if status[s] == OUTGREW:
                records.append(dealer.clear(session.market, session.price))
                continue
            session.market.maker, dealer.account.holdings[:] = dealer.account, held[s]
            a, b, f = start[s], start[s + 1], fill_start[s]
            records.append(dealer.settle_session(session.market, arrival[a:b], orders[a:b], fills[f:f + made[s]],
                                                 status[s]))
        return records

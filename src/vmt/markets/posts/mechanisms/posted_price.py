"""``posted_price``: the post names a price, everyone trades at it, the price follows excess demand.

Every tick the post's price ``p`` is posted; each participant asks for its
demand at ``p`` (:meth:`PairMarket.demand`), the short side is served in
full and the long side rationed (:mod:`..rationing`). Units demanded and
supplied accumulate; once ``price_update_frequency`` ticks (alias
``revision_interval``) have passed since the last revision, the price is
revised from the accumulated excess demand,

    p <- round(p exp(kappa (D - S) / max(D + S, 1))),

by at least one tick when ``D != S`` (``kappa = adjustment_speed``), and
the sums start again. A store with a price tag that it reprices now and
then: "price posting", with the post as the price setter.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from vmt.markets.posts.exchange import PairMarket, demand_many
from vmt.markets.posts.mechanisms.base import (
    ClearRecord,
    Mechanism,
    MechanismParams,
    Session,
    participants,
    register_mechanism,
    trade_at_one_price,
)
from vmt.markets.posts.mechanisms.one_price import settle_at_prices

SHORT_REASON = "rationed: the long side at the posted price"


class PostedPriceParams(MechanismParams):
    price_update_frequency: int = Field(5, ge=1, alias="revision_interval")  # ticks between revisions
    adjustment_speed: float = Field(0.2, gt=0.0, le=100.0)  # kappa


@register_mechanism("posted_price", PostedPriceParams)
class PostedPrice(Mechanism):
    """A posted price, revised every k ticks from accumulated excess demand."""

    def __init__(self, params, setup) -> None:
        super().__init__(params, setup)
        self.pending = {k: [0, 0] for k in setup.pairs}  # demanded, supplied since the last revision
        self.revised_at = {k: 0 for k in setup.pairs}

    def clear(self, market: PairMarket, price: int) -> ClearRecord:
        demanded, supplied = trade_at_one_price(market, market.demand(price), price, SHORT_REASON)
        return self._record(market, price, demanded, supplied)

    @classmethod
    def clear_many(cls, sessions: list[Session]) -> list[ClearRecord]:
        """Every session's demand in one parallel call, then one compiled settlement
        (:func:`settle_at_prices`): the records and fills of :meth:`clear` one by one."""
        if len(sessions) < 2:
            return super().clear_many(sessions)
        market = sessions[0].market
        ids, start = participants(sessions)
        prices, demand = np.array([s.price for s in sessions], dtype=np.int64), np.empty(ids.size, dtype=np.int64)
        demand_many(ids, start, *market.agent_arrays(), market.k, prices, demand)
        totals = settle_at_prices(sessions, [demand[start[r]:start[r + 1]] for r in range(len(sessions))],
                                  prices.tolist(), SHORT_REASON)
        return [s.mechanism._record(s.market, s.price, *total) for s, total in zip(sessions, totals)]

    def _record(self, market: PairMarket, price: int, demanded: int, supplied: int) -> ClearRecord:
        record = ClearRecord(price, demanded, supplied, market.volume, iterations=1)
        record.announced = self._revise(market.k, market.tick, price, demanded, supplied)
        return record

    def _revise(self, k: int, tick: int, price: int, demanded: int, supplied: int) -> int:
        pending = self.pending[k]
        pending[0] += demanded
        pending[1] += supplied
        if tick - self.revised_at[k] < self.params.price_update_frequency:
            return price
        excess, gross = pending[0] - pending[1], max(pending[0] + pending[1], 1)
        self.pending[k], self.revised_at[k] = [0, 0], tick
        moved = int(round(price * math.exp(self.params.adjustment_speed * excess / gross)))
        if moved == price and excess != 0:
            moved = price + (1 if excess > 0 else -1)
        return max(1, moved)

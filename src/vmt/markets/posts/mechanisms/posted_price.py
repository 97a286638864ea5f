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

from pydantic import Field

from vmt.markets.posts.exchange import PairMarket
from vmt.markets.posts.mechanisms.base import (
    ClearRecord,
    Mechanism,
    MechanismParams,
    register_mechanism,
    trade_at_one_price,
)


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
        demanded, supplied = trade_at_one_price(market, market.demand(price), price,
                                                "rationed: the long side at the posted price")
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

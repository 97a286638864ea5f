"""The ``price_signals`` institution: markets as information hubs.

Every agent keeps trading bilaterally; market areas form where agents
cluster, turn the trades made inside them into prices, and broadcast them;
agents learn from what they hear. There is no auctioneer. Per tick:

* perception (``after_perception``): agents near an area hear its prices,
  formed in the previous tick's markets phase;
* trade (``after_trade``): areas are detected at the positions where the
  tick's trades were made (agents do not move again before the markets
  phase) and each trade is tagged with its area, so the ``trades`` table
  carries ``market_id``;
* markets (``after_markets``): the tick's trades inside each area enter its
  volume-weighted price;
* housekeeping (``after_housekeeping``, before quotes are refreshed):
  agents learn reference prices and lambda from this tick's signals.

The learned reference prices are handed to the bargaining protocol as price
anchors. See ``docs/price_signals.md``.
"""

from __future__ import annotations

import numpy as np

from vmt.markets import register_institution
from vmt.markets.areas import (
    AreaDetector,
    AreaParams,
    AreaState,
    Detection,
    broadcast,
    record_trades,
    tag_trades,
    update_prices,
    window_totals,
)
from vmt.markets.base import MarketComponent
from vmt.markets.learning import learn_from_signals
from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.world.state import PAIR_NAMES, PAIRS

_FIRST = np.array([p[0] for p in PAIRS])
_SECOND = np.array([p[1] for p in PAIRS])


class PriceSignals(MarketComponent):
    """Market areas, their prices and broadcasts, and price learning."""

    def __init__(self, world, params: AreaParams, learning_rate: float, lambda_bounds: tuple[float, float]):
        self.world, self.params = world, params
        self.learning_rate, self.lambda_bounds = float(learning_rate), tuple(lambda_bounds)
        self.areas = AreaState(params.window, world.width, world.height)
        self.detector = AreaDetector(params, world.width, world.height)
        n = world.agents.n
        self.member = np.full(n, -1, np.int64)
        self.heard = np.zeros((n, 3), np.bool_)
        self.reference_price = np.full((n, 3), np.nan)
        self.detection = Detection(self.member, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        self._trade_area = np.zeros(0, np.int64)
        self._proposals = None

    @classmethod
    def from_scenario(cls, scenario, world) -> "PriceSignals":
        p = scenario.params
        return cls(world, AreaParams.from_scenario(p), p.price_learning_rate, p.lambda_bounds)

    # -- phases ---------------------------------------------------------------
    def after_perception(self, tick: int, tick_state) -> None:
        bargainer = tick_state.bargaining
        if isinstance(bargainer, BilateralBargainer) and bargainer.anchor_price is None:
            bargainer.anchor_price = self.reference_price  # the learned prices anchor bargaining
        ag = self.world.agents
        self.heard = broadcast(self.areas, ag.x, ag.y, self.member, self.params.broadcast_radius,
                               ag.observed_price, ag.observed_tick)

    def after_trade(self, tick: int, tick_state) -> None:
        ag = self.world.agents
        self.detection = self.detector.step(self.areas, ag.x, ag.y, tick)
        self.member = self.detection.member
        proposals = tick_state.proposals
        self._trade_area, proposals.market_id = tag_trades(self.member, proposals.buyer, proposals.seller,
                                                           proposals.pair_type)
        self._proposals = proposals

    def after_markets(self, tick: int, tick_state) -> None:
        if self._proposals is None:
            return
        p, units = self._proposals, self.world.units
        record_trades(self.areas, self._trade_area, p.pair_type, p.q1, p.q2, units[_FIRST], units[_SECOND], tick)
        update_prices(self.areas, tick)

    def after_housekeeping(self, tick: int, tick_state) -> None:
        learn_from_signals(self.world, self.heard, self.reference_price, tick_state.pair_active,
                           self.learning_rate, self.lambda_bounds)

    # -- telemetry ------------------------------------------------------------
    def telemetry_rows(self, tick: int) -> dict[str, dict]:
        return {"market_areas": self._area_rows(tick), "market_prices": self._price_rows(tick)}

    def _area_rows(self, tick: int) -> dict:
        a, det = self.areas, self.detection
        live = a.live()
        ids = np.concatenate([live, det.dissolved])
        members = np.concatenate([a.members[live], det.dissolved_coverage])
        event = np.full(ids.size, None, dtype=object)
        event[np.isin(ids, det.formed)] = "formed"
        event[live.size:] = "dissolved"
        return {"tick": np.full(ids.size, tick, np.int64), "market_id": ids,
                "center_x": a.center_x[ids].astype(float), "center_y": a.center_y[ids].astype(float),
                "radius": np.full(ids.size, float(self.params.radius)), "members": members, "event": event}

    def _price_rows(self, tick: int) -> dict:
        a = self.areas
        live = a.live()
        volume, trades = window_totals(a, live)
        rows, pairs = np.nonzero(np.isfinite(a.price[live]))
        ids = live[rows]
        return {"tick": np.full(ids.size, tick, np.int64), "market_id": ids,
                "pair": np.array(PAIR_NAMES, dtype=object)[pairs], "price": a.price[ids, pairs],
                "volume": volume[rows, pairs], "n_trades": trades[rows, pairs],
                "bid_ask_spread": np.full(ids.size, np.nan)}


@register_institution("price_signals")
def build_price_signals(scenario, world, rng) -> list[MarketComponent]:
    """One :class:`PriceSignals` component; it draws no random numbers."""
    return [PriceSignals.from_scenario(scenario, world)]

"""``walrasian``: a tatonnement auctioneer on the participants' real demand functions.

A common shortcut turns each agent's demand into ±10% limit orders and adjusted
the price by the excess of those orders; that is not Walras' auctioneer
(the orders are not the demand curve, and the limits are arbitrary). Here
the auctioneer asks every participant, at each trial price ``p`` (ticks),
for its *actual* discrete demand ``q_i(p)`` (:meth:`PairMarket.demand`:
the whole units whose marginal utility gain at ``p`` is positive), and
adjusts the price by aggregate excess demand ``z(p) = sum_i q_i(p)``:

1. tatonnement: ``p <- round(p exp(kappa z(p) / V(p)))``, with ``V`` the
   gross volume asked, ``sum_i |q_i(p)|`` (so a step is at most a factor
   ``exp(kappa)``), moving at least one tick, until ``z`` changes sign;
2. then bisection on the tick grid between the last price with excess
   demand and the first with excess supply, until ``z = 0``, or the two
   are adjacent ticks, or their relative distance is below
   ``price_tolerance``.

Each evaluation of ``z`` is one iteration; ``max_iterations`` bounds them.
The clearing is recorded with ``converged = 0`` when the search ends
without a bracket narrower than the tolerance, or when demand and supply at
the trading price differ by more than discreteness explains: more than one
minor unit per participant (each one's demand is rounded to whole minor
units), for instance because the price grid of one minor unit of the second
good per minor unit of the first is too coarse for the economy. The price
resolution is relative: ``price_tolerance`` (default 1e-4 of the price), on
a grid that the default units make 1e-4 B per A, 1e-7 M per A and 1e-3 M
per B (docs/scenarios.md). Of the two bracketing prices the
auctioneer trades at the one with the larger volume ``min(D, S)`` (then the
smaller ``|z|``, then the lower price), *after* the search: no trade happens
out of equilibrium.

Whole units rarely clear exactly at one price; the long side is then
rationed proportionally with largest remainders (:mod:`..rationing`), and
every fill is part of the trader's own demand at the clearing price, so
it raises (never lowers) its utility.

With money a post trading ``[A, B, M]`` clears A against M and then B
against M, each given the holdings left by the other (partial equilibrium
market by market, in pair order).

The search runs as one compiled call per clearing (:mod:`.tatonnement`);
:meth:`WalrasianAuctioneer.search_in_python` is the same rule step by step
in Python, kept as the reference the kernel is tested against and as the
fallback when a price would overflow the kernel's integers.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from vmt.markets.posts.exchange import PairMarket
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
from vmt.markets.posts.mechanisms.tatonnement import OVERFLOW, tatonnement, tatonnement_many


SHORT_REASON = "rationed: the long side at the clearing price"


class WalrasianParams(MechanismParams):
    adjustment_speed: float = Field(0.5, gt=0.0, le=100.0)  # kappa: log-price step per unit of relative excess demand
    price_tolerance: float = Field(1e-4, ge=0.0)  # stop when the bracket's relative width is below this
    max_iterations: int = Field(100, ge=1, le=100_000)


class _Search:
    """Evaluations of aggregate demand at trial prices (cached)."""

    def __init__(self, market: PairMarket) -> None:
        self.market, self.seen = market, {}

    def demand(self, price: int):
        if price not in self.seen:
            self.seen[price] = self.market.demand(price)
        return self.seen[price]

    def excess(self, price: int) -> int:
        return int(self.demand(price).sum())

    def volume(self, price: int) -> int:
        d = self.demand(price)
        return min(int(d[d > 0].sum()), int(-d[d < 0].sum()))

    @property
    def iterations(self) -> int:
        return len(self.seen)


@register_mechanism("walrasian", WalrasianParams)
class WalrasianAuctioneer(Mechanism):
    """Tatonnement on real (discrete) demand; trades only at the price found."""

    def clear(self, market: PairMarket, price: int) -> ClearRecord:
        demand = np.empty(market.ids.size, dtype=np.int64)
        p = self.params
        final, converged, iterations = tatonnement(market.ids, *market.agent_arrays(), market.k, max(1, int(price)),
                                                   p.adjustment_speed, p.price_tolerance, p.max_iterations, demand)
        if final == OVERFLOW:
            return self.search_in_python(market, price)
        return self._trade(market, demand, int(final), bool(converged), int(iterations))

    @classmethod
    def clear_many(cls, sessions: list[Session]) -> list[ClearRecord]:
        """Every session's search in one parallel call (:func:`tatonnement_many`), then each
        session trades at its price, in order: the records and fills of :meth:`clear` one by one."""
        if len(sessions) < 2:
            return super().clear_many(sessions)
        market = sessions[0].market
        ids, start = participants(sessions)
        demand, count = np.empty(ids.size, dtype=np.int64), len(sessions)
        final, converged, iterations = np.empty(count, np.int64), np.empty(count, np.bool_), np.empty(count, np.int64)
        settings = lambda name, kind: np.array([getattr(s.mechanism.params, name) for s in sessions], kind)  # noqa: E731
        tatonnement_many(ids, start, *market.agent_arrays(), market.k,
                         np.array([max(1, int(s.price)) for s in sessions], np.int64), settings("adjustment_speed", float),
                         settings("price_tolerance", float), settings("max_iterations", np.int64),
                         demand, final, converged, iterations)
        searched = [r for r in range(count) if final[r] != OVERFLOW]
        records = {r: sessions[r].mechanism.search_in_python(sessions[r].market, sessions[r].price)
                   for r in range(count) if final[r] == OVERFLOW}
        if searched:
            totals = settle_at_prices([sessions[r] for r in searched], [demand[start[r]:start[r + 1]] for r in searched],
                                      [int(final[r]) for r in searched], SHORT_REASON)
            for r, (demanded, supplied) in zip(searched, totals):
                records[r] = cls._record(sessions[r].market, int(final[r]), demanded, supplied, bool(converged[r]),
                                         int(iterations[r]))
        return [records[r] for r in range(count)]

    def search_in_python(self, market: PairMarket, price: int) -> ClearRecord:
        """:meth:`clear` with the search run step by step in Python (the reference rule)."""
        search = _Search(market)
        lo, hi, found = self._bracket(search, price)
        if found is None:
            lo, hi, found = self._bisect(search, lo, hi)
        converged = found is not None or self._narrow(lo, hi)
        final = found if found is not None else self._best_of(search, lo, hi, price)
        return self._trade(market, search.demand(final), final, converged, search.iterations)

    def _bracket(self, search: _Search, price: int):
        """Tatonnement steps until excess demand changes sign: (lo, hi, exact or None)."""
        lo = hi = None
        p = max(1, int(price))
        while search.iterations < self.params.max_iterations:
            z = search.excess(p)
            if z == 0:
                return lo, hi, p
            if z > 0:
                lo = p if lo is None else max(lo, p)
            else:
                hi = p if hi is None else min(hi, p)
            if (lo is not None and hi is not None) or (z < 0 and p == 1):
                break
            p = self._step(search, p, z)
        return lo, hi, None

    def _step(self, search: _Search, p: int, z: int) -> int:
        gross = max(int(abs(search.demand(p)).sum()), 1)
        moved = int(round(p * math.exp(self.params.adjustment_speed * z / gross)))
        if moved == p:
            moved = p + (1 if z > 0 else -1)
        return max(1, moved)

    def _bisect(self, search: _Search, lo, hi):
        while lo is not None and hi is not None and not self._narrow(lo, hi) \
                and search.iterations < self.params.max_iterations:
            mid = (lo + hi) // 2
            z = search.excess(mid)
            if z == 0:
                return lo, hi, mid
            lo, hi = (mid, hi) if z > 0 else (lo, mid)
        return lo, hi, None

    def _narrow(self, lo, hi) -> bool:
        if lo is None or hi is None:
            return False
        return abs(hi - lo) <= 1 or abs(hi - lo) / min(lo, hi) <= self.params.price_tolerance

    @staticmethod
    def _best_of(search: _Search, lo, hi, fallback: int) -> int:
        candidates = [p for p in (lo, hi) if p is not None] or [max(1, int(fallback))]
        return min(candidates, key=lambda p: (-search.volume(p), abs(search.excess(p)), p))

    @classmethod
    def _trade(cls, market: PairMarket, demand: np.ndarray, price: int, converged: bool, iterations: int) -> ClearRecord:
        demanded, supplied = trade_at_one_price(market, demand, price, SHORT_REASON)
        return cls._record(market, price, demanded, supplied, converged, iterations)

    @staticmethod
    def _record(market: PairMarket, price: int, demanded: int, supplied: int, converged: bool,
                iterations: int) -> ClearRecord:
        """The clearing's record once it traded: converged only if the imbalance is discreteness."""
        converged = converged and abs(demanded - supplied) <= market.ids.size
        return ClearRecord(price, demanded, supplied, market.volume, iterations, converged)

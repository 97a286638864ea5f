"""``lmsr``: Hanson's logarithmic market scoring rule as the post's market maker.

The library's :class:`~vmt.mechanisms.lmsr.LMSRMarket` prices two Arrow
securities, "the good is worth ``p_max``" and "... worth ``p_min``". One
unit of the good bought from the maker is one share of *high*, one unit
sold to it one share of *low* (two-outcome LMSR: buying a *low* share is
selling a *high* one, up to a constant). With ``q`` the net units the
maker has sold and ``D = p_max - p_min``, its marginal price is

    p(q) = p_min + D exp(q/b) / (1 + exp(q/b)),

starting at the middle of the band. A trader pays for ``n`` units
``n p_min + D C_high(n)`` and receives for them ``n p_min + D (n - C_low(n))``,
``C`` the LMSR cost of ``n`` shares (the integral of ``p(q)`` over the
units); a payment is rounded to whole minor units in the maker's favour
(buyer pays the ceiling, seller gets the floor, after forgiving 1e-9 of a
tick per unit of float noise).

An order is filled in one step: the trader gets the largest number of
units ``n`` whose last unit still strictly raises its utility -- the gain
of unit ``n`` at its exact marginal cost, after the first ``n - 1`` at
theirs -- within what it ordered, what it can pay or deliver and what the
maker holds. That is where buying one unit at a time at the LMSR's
prices would stop (the cost is path-independent, so one purchase of ``n``
shares moves the price exactly as ``n`` purchases of one), found by
bisection in about ``log2 n`` utility evaluations instead of ``n`` fills.
The lot's payment is rounded once, not once per unit: the trader pays (or
gets) the exact integral to within one minor unit, never more (less) than
rounding every unit would have charged (paid).

Valuing the maker's goods at any price in ``[p_min, p_max]``, its loss is
at most ``D`` times the LMSR's worst-case loss in shares, which Hanson's
bound caps at ``b ln n`` with ``n = 2`` outcomes; after every trade the
mechanism asserts ``LMSRMarket.worst_case_loss() <= b ln 2`` (a violation
is a bug and raises). ``liquidity`` ``b`` is in real units of the good;
the band defaults to ``[o (1 - price_band), o (1 + price_band)]`` around
the opening price ``o``. The maker also holds real goods and cash and may
not go short of either (:mod:`.maker`).

Reference: R. Hanson (2003), "Combinatorial information market design".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from pydantic import Field

from vmt.markets.posts.exchange import MAKER, PairMarket
from vmt.markets.posts.mechanisms.base import BoundedReal, ClearRecord, register_mechanism
from vmt.markets.posts.mechanisms.lmsr_kernels import (LOSS_EXCEEDED, largest_worthwhile, lmsr_session, lot_value,
                                                       rounded_payment)
from vmt.markets.posts.mechanisms.maker import MakerMechanism, MakerParams
from vmt.markets.posts.orders import BUY, SELL
from vmt.mechanisms.lmsr import LMSRMarket
from vmt.world.state import PAIRS

HIGH, LOW = "high", "low"


class LMSRParams(MakerParams):
    liquidity: BoundedReal = 10.0  # b, real units of the good
    price_band: float = Field(0.75, gt=0.0, lt=1.0)
    price_min: BoundedReal | None = None
    price_max: BoundedReal | None = None


@register_mechanism("lmsr", LMSRParams)
class LMSRMaker(MakerMechanism):
    """Hanson's LMSR market maker on a price band; worst-case loss b·ln 2 asserted."""

    fills_whole_order = True

    def __init__(self, params: LMSRParams, setup) -> None:
        super().__init__(params, setup)
        self.markets, self.band, self._quotes, self._schedules = {}, {}, {}, {}
        self._log_sum_exps = {k: [np.empty((2, 0)), 0] for k in setup.pairs}  # a compiled session's window
        for k in setup.pairs:
            shares = params.liquidity / setup.units[PAIRS[k][0]]
            self.markets[k] = LMSRMarket((HIGH, LOW), shares)
            self.band[k] = tuple(map(float, self._band(params, setup, k)))

    @staticmethod
    def _band(params: LMSRParams, setup, k: int) -> tuple[float, float]:
        opening = setup.opening_ticks[k]
        lo = params.price_min / setup.tick_size[k] if params.price_min else opening * (1 - params.price_band)
        hi = params.price_max / setup.tick_size[k] if params.price_max else opening * (1 + params.price_band)
        if not 0 < lo < hi:
            raise ValueError(f"lmsr: price band [{lo}, {hi}] ticks must satisfy 0 < price_min < price_max")
        return lo, hi

    def marginal_price(self, k: int) -> float:
        lo, hi = self.band[k]
        return lo + (hi - lo) * float(self.markets[k].prices()[0])

    def lot_values(self, k: int, side: int) -> Callable[[float], float]:
        """``units -> `` exact ticks a trader pays for (``BUY``) or gets for (``SELL``) ``units`` units
        at the current state: the LMSR cost (valid until the next trade)."""
        terms = self.schedule(k, side)
        return lambda units: lot_value(*terms, side, units)

    def schedule(self, k: int, side: int) -> tuple[float, float, float, float, float]:
        """``(p_min, p_max, others, everything, b)`` in ticks and shares: what :func:`lot_value`
        prices lots from (the LMSR's :meth:`~vmt.mechanisms.lmsr.LMSRMarket.cost_terms` of the
        share a side trades). Kept until the next trade: every participant asks for it."""
        if (k, side) not in self._schedules:
            lo, hi = self.band[k]
            terms = self.markets[k].cost_terms(HIGH if side == BUY else LOW)
            self._schedules[k, side] = (float(lo), float(hi), *terms)
        return self._schedules[k, side]

    def lot_value(self, k: int, side: int, units: float) -> float:
        return self.lot_values(k, side)(units)

    @staticmethod
    def rounded_payment(side: int, value: float, units: int) -> int | None:
        """Ticks ``value`` of ``units`` units in whole minor units, rounded in the maker's favour.

        None when a seller would get nothing.
        """
        paid = rounded_payment(side, value, units)
        return None if paid < 0 else int(paid)

    def lot_payment(self, k: int, side: int, units: int) -> int | None:
        """:meth:`lot_value` in whole minor units of the second good (:meth:`rounded_payment`)."""
        return self.rounded_payment(side, self.lot_value(k, side, units), units)

    def ask_payment(self, k: int) -> int | None:
        return self._quote(k, BUY)

    def bid_payment(self, k: int) -> int | None:
        return self._quote(k, SELL)

    def _quote(self, k: int, side: int) -> int | None:
        """One unit's payment, kept until the next trade at pair ``k`` (every participant asks for it)."""
        if (k, side) not in self._quotes:
            self._quotes[k, side] = self.lot_payment(k, side, 1)
        return self._quotes[k, side]

    def quoted_price(self, k: int) -> int:
        return max(1, round(self.marginal_price(k)))

    def traded(self, k: int, agent: int, side: int, units: int = 1) -> None:
        market = self.markets[k]
        market.buy(agent, HIGH if side == BUY else LOW, float(units))
        for kept in (self._quotes, self._schedules):
            kept.pop((k, BUY), None)
            kept.pop((k, SELL), None)
        if market.worst_case_loss() > market.loss_bound * (1 + 1e-12) + 1e-9:
            raise AssertionError(f"LMSR worst-case loss {market.worst_case_loss()} exceeds b ln 2 = {market.loss_bound}")

    def clear(self, market: PairMarket, price: int) -> ClearRecord:
        """The shared market-maker session (:meth:`MakerMechanism.clear` with :meth:`_fill_lot`) in one
        compiled call. The post's LMSR market books the shares sold and the money collected, not which
        trader holds which share: nobody settles the shares of a post."""
        market.maker, k, lmsr = self.account, market.k, self.markets[market.k]
        if not float(lmsr.quantities[1] - lmsr.quantities[0]).is_integer():
            raise AssertionError(f"LMSR share balance {lmsr.quantities} is not a whole number of units")
        arrival = market.ids[market.rng.permutation(market.ids.size)]
        ag, collected = market.world.agents, np.array([lmsr.collected])
        orders, fills = self.session_buffers(arrival.size)
        table, low = self._log_sum_exps[k]  # kept from one session to the next
        fills, count, status, table, low, ask, bid = lmsr_session(
            arrival, ag.family, ag.utility_params, ag.lambda_money, ag.inventory, market.world.units, k, ag.x, ag.y,
            ag.quotes_stale, self.account.holdings, lmsr.quantities, collected, *self.band[k], lmsr.liquidity,
            lmsr.loss_bound, table, low, orders, fills)
        self._log_sum_exps[k], lmsr.collected = (table, low), float(collected[0])
        self._schedules.pop((k, BUY), None)
        self._schedules.pop((k, SELL), None)
        self._quotes[k, BUY], self._quotes[k, SELL] = (None if ask < 0 else ask), (None if bid < 0 else bid)
        if status == LOSS_EXCEEDED:
            raise AssertionError(f"LMSR worst-case loss {lmsr.worst_case_loss()} exceeds b ln 2 = {lmsr.loss_bound}")
        return self.settle_session(market, arrival, orders, fills[:count], status)

    def _fill_lot(self, market: PairMarket, agent: int, side: int, remaining: int, prices: list) -> int:
        """Fill the whole worthwhile part of the order at once (see the module docstring)."""
        lot = _WorthwhileLot(self, market, agent, side)
        units = lot.largest(remaining)
        while units >= 1:  # a refused fill (it should not be) is retried with half the units
            payment = lot.payment(units)
            buyer, seller = (agent, MAKER) if side == BUY else (MAKER, agent)
            if payment is not None and market.fill(buyer, seller, units, payment) is None:
                prices.append(lot.marginal(units))
                self.traded(market.k, agent, side, units)
                return units
            units //= 2
        return 0

    def loss_bound_money(self, k: int) -> float:
        """Hanson's bound in minor units of the second good: ``(p_max - p_min) b ln 2``."""
        lo, hi = self.band[k]
        return (hi - lo) * self.markets[k].loss_bound


class _WorthwhileLot:
    """The units of one order worth filling at the LMSR's prices, found by bisection.

    Unit ``n`` is worth it when the trader can pay (or deliver) the first
    ``n`` units, the maker can deliver (or pay for) them, and receiving unit
    ``n`` at its exact marginal cost, after the first ``n - 1`` at theirs,
    strictly raises the trader's utility. Marginal costs rise with ``n``
    (the LMSR cost is convex) and marginal values fall (utilities are
    quasi-concave), so the units worth it are ``1 .. n*``: bisection finds
    ``n*``. (Rounded marginal payments would jitter by a minor unit from one
    unit to the next and break that order; the exact costs do not.)
    """

    def __init__(self, maker: LMSRMaker, market: PairMarket, agent: int, side: int) -> None:
        self.maker, self.market, self.agent, self.side = maker, market, agent, side
        self.maker_held = market.holdings(MAKER)
        self._lot_values, self._values = maker.lot_values(market.k, side), {0: 0.0}

    def value(self, units: int) -> float:
        """Exact ticks paid (or received) for the first ``units`` units."""
        if units not in self._values:
            self._values[units] = self._lot_values(units)
        return self._values[units]

    def payment(self, units: int) -> int | None:
        return self.maker.rounded_payment(self.side, self.value(units), units)

    def marginal(self, units: int) -> int:
        """Minor units of the second good paid (or received) for unit ``units`` alone, as rounded."""
        return (self.payment(units) or 0) - ((self.payment(units - 1) or 0) if units > 1 else 0)

    def largest(self, most: int) -> int:
        """The largest ``n <= most`` with every unit up to ``n`` worth it (0 if the first is not)."""
        market, agent, ag = self.market, self.agent, self.market.world.agents
        return int(largest_worthwhile(
            ag.family[agent], ag.utility_params[agent], ag.lambda_money[agent], ag.inventory[agent],
            market.world.units, market.first, market.second, self.maker_held[0], self.maker_held[1],
            *self.maker.schedule(market.k, self.side), self.side, int(most)))

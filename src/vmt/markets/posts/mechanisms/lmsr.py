"""``lmsr``: Hanson's logarithmic market scoring rule as the post's market maker.

The library's :class:`~vmt.mechanisms.lmsr.LMSRMarket` prices two Arrow
securities, "the good is worth ``p_max``" and "... worth ``p_min``". One
unit of the good bought from the maker is one share of *high*, one unit
sold to it one share of *low* (two-outcome LMSR: buying a *low* share is
selling a *high* one, up to a constant). With ``q`` the net units the
maker has sold and ``D = p_max - p_min``, its marginal price is

    p(q) = p_min + D exp(q/b) / (1 + exp(q/b)),

starting at the middle of the band. A trader pays for a unit
``p_min + D C_high(1)`` and receives for one ``p_min + D (1 - C_low(1))``,
``C`` the LMSR cost of one share; payments are rounded to whole minor units
in the maker's favour (buyer pays the ceiling, seller gets the floor, after
forgiving 1e-9 of a tick of float noise).

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

import math

from pydantic import Field

from vmt.markets.posts.mechanisms.base import BoundedReal, register_mechanism
from vmt.markets.posts.mechanisms.maker import MakerMechanism, MakerParams
from vmt.markets.posts.orders import BUY
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

    def __init__(self, params: LMSRParams, setup) -> None:
        super().__init__(params, setup)
        self.markets, self.band = {}, {}
        for k in setup.pairs:
            shares = params.liquidity / setup.units[PAIRS[k][0]]
            self.markets[k] = LMSRMarket((HIGH, LOW), shares)
            self.band[k] = self._band(params, setup, k)

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

    def ask_payment(self, k: int) -> int | None:
        lo, hi = self.band[k]
        return math.ceil(lo + (hi - lo) * self.markets[k].cost_to_buy(HIGH, 1.0) - 1e-9)

    def bid_payment(self, k: int) -> int | None:
        lo, hi = self.band[k]
        paid = math.floor(lo + (hi - lo) * (1.0 - self.markets[k].cost_to_buy(LOW, 1.0)) + 1e-9)
        return paid if paid >= 1 else None

    def quoted_price(self, k: int) -> int:
        return max(1, round(self.marginal_price(k)))

    def traded(self, k: int, agent: int, side: int) -> None:
        market = self.markets[k]
        market.buy(agent, HIGH if side == BUY else LOW, 1.0)
        if market.worst_case_loss() > market.loss_bound * (1 + 1e-12) + 1e-9:
            raise AssertionError(f"LMSR worst-case loss {market.worst_case_loss()} exceeds b ln 2 = {market.loss_bound}")

    def loss_bound_money(self, k: int) -> float:
        """Hanson's bound in minor units of the second good: ``(p_max - p_min) b ln 2``."""
        lo, hi = self.band[k]
        return (hi - lo) * self.markets[k].loss_bound

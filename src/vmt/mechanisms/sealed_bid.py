"""Sealed-bid auctions: first-price and second-price (Vickrey), forward and
reverse (procurement), for one item or ``k`` identical units with unit demand.

Every bidder submits one number at once; nobody sees the others' bids.

* Forward auctions sell: the highest bids win. A bid at least equal to the
  reserve qualifies (``bid >= reserve``); ``reserve=None`` means 0.
* Reverse (procurement) auctions buy: the lowest costs win. A cost at most the
  reserve qualifies (``cost <= reserve``); the reserve is the buyer's maximum
  acceptable price and ``reserve=None`` means there is no ceiling.

Pricing with ``k`` units (``k = 1`` for the single-item functions):

* second price / uniform price (Vickrey 1961): every winner pays (forward) the
  larger of the reserve and the (k+1)-th highest bid, or is paid (reverse) the
  smaller of the reserve and the (k+1)-th lowest cost. Bidding one's true
  value (cost) is a weakly dominant strategy.
* first price / pay-as-bid: every winner pays (is paid) its own bid. Bidders
  gain by shading; with ``n`` risk-neutral bidders whose values are i.i.d.
  uniform the symmetric equilibrium bid is ``(n-1)/n * value``.

Tie rule (all functions here): among equal bids the **lowest index wins**,
i.e. the bid submitted first. Winners are listed best first, equal bids in
index order. A reverse second-price auction with no reserve and no
(k+1)-th competitor has an unbounded price; it raises instead of inventing one.

References: W. Vickrey (1961), "Counterspeculation, auctions, and competitive
sealed tenders", J. Finance 16(1) (used for task auctions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vmt.mechanisms._validation import validated_amount, validated_amounts, validated_units
from vmt.mechanisms.errors import MechanismInputError


def _same_price(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@dataclass(frozen=True, eq=False)
class AuctionOutcome:
    """Result of a single-item auction.

    Attributes
    ----------
    winner : int or None
        Index into ``bids`` of the winner; None when nothing is sold (no bid
        met the reserve, or there were no bids).
    price : float
        What the winner pays (forward) or is paid (reverse); NaN if no sale.
    bids : numpy.ndarray
        Read-only copy of the bids (costs, for reverse auctions) as submitted.
    """

    winner: int | None
    price: float
    bids: np.ndarray

    @property
    def sold(self) -> bool:
        """True when the item changed hands."""
        return self.winner is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AuctionOutcome):
            return NotImplemented
        return (self.winner == other.winner and _same_price(self.price, other.price)
                and np.array_equal(self.bids, other.bids))

    def __hash__(self) -> int:
        return hash((self.winner, self.price, self.bids.tobytes()))


@dataclass(frozen=True, eq=False)
class MultiUnitOutcome:
    """Result of a ``k``-unit auction with unit demand.

    Attributes
    ----------
    winners : tuple of int
        Indices of the winning bids, best first (ties in index order).
    prices : numpy.ndarray
        ``prices[j]`` is what ``winners[j]`` pays (forward) or is paid
        (reverse). All equal under uniform pricing.
    units : int
        Units offered (forward) or wanted (reverse); ``len(winners) <= units``.
    bids : numpy.ndarray
        Read-only copy of the bids (costs) as submitted.
    """

    winners: tuple[int, ...]
    prices: np.ndarray
    units: int
    bids: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MultiUnitOutcome):
            return NotImplemented
        return (self.winners == other.winners and self.units == other.units
                and np.array_equal(self.prices, other.prices)
                and np.array_equal(self.bids, other.bids))

    def __hash__(self) -> int:
        return hash((self.winners, self.units, self.prices.tobytes(), self.bids.tobytes()))


def _ranked_winners(scores: np.ndarray, units: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Rank ``scores`` (higher is better) and pick up to ``units`` that reach ``floor``.

    A stable sort of ``-scores`` puts equal scores in index order, which is
    what makes the lowest index win ties. Returns (winners, ranking).
    """
    ranking = np.argsort(-scores, kind="stable")
    best = ranking[:units]
    return best[scores[best] >= floor], ranking


def _uniform_price(scores: np.ndarray, ranking: np.ndarray, units: int, floor: float) -> float:
    """``max(floor, (units+1)-th best score)``: the best losing score sets the price."""
    if ranking.size > units:
        return max(floor, float(scores[ranking[units]]))
    return floor


def _forward(bids, units, reserve, pay_as_bid: bool) -> MultiUnitOutcome:
    bids = validated_amounts(bids, "bid")
    units = validated_units(units)
    floor = validated_amount(reserve, "reserve", allow_none=True) or 0.0
    winners, ranking = _ranked_winners(bids, units, floor)
    if pay_as_bid:
        prices = bids[winners].copy()
    else:
        prices = np.full(winners.size, _uniform_price(bids, ranking, units, floor))
    return MultiUnitOutcome(tuple(int(i) for i in winners), prices, units, bids)


def _reverse(costs, units, reserve, pay_as_bid: bool) -> MultiUnitOutcome:
    """Procurement as a forward auction on ``-cost``: lowest cost ranks first."""
    costs = validated_amounts(costs, "cost")
    units = validated_units(units)
    ceiling = validated_amount(reserve, "reserve", allow_none=True)
    floor = -math.inf if ceiling is None else -ceiling
    winners, ranking = _ranked_winners(-costs, units, floor)
    if pay_as_bid:
        prices = costs[winners].copy()
    else:
        price = -_uniform_price(-costs, ranking, units, floor)
        if winners.size and math.isinf(price):
            raise MechanismInputError(
                f"reverse second-price auction for {units} unit(s) has only "
                f"{winners.size} qualifying cost(s) and no reserve, so the price "
                "(the next-lowest cost) is unbounded: pass reserve=<buyer's "
                "maximum acceptable price>")
        prices = np.full(winners.size, price)
    return MultiUnitOutcome(tuple(int(i) for i in winners), prices, units, costs)


def _single(outcome: MultiUnitOutcome) -> AuctionOutcome:
    if not outcome.winners:
        return AuctionOutcome(None, math.nan, outcome.bids)
    return AuctionOutcome(outcome.winners[0], float(outcome.prices[0]), outcome.bids)


def multi_unit_second_price(bids, units: int, reserve: float | None = None) -> MultiUnitOutcome:
    """Sell ``units`` identical units, one per bidder, at a uniform price.

    The ``units`` highest bids ``>= reserve`` win and each pays
    ``p = max(reserve, b_(units+1))`` where ``b_(j)`` is the j-th highest bid
    (0 if there are not that many bids). Truthful for unit-demand bidders.
    Ties: lowest index wins.

    Parameters
    ----------
    bids : array_like of float
        One non-negative finite bid per bidder.
    units : int
        Number of identical units for sale (>= 1).
    reserve : float, optional
        Seller's minimum price; None means 0.
    """
    return _forward(bids, units, reserve, pay_as_bid=False)


def multi_unit_first_price(bids, units: int, reserve: float | None = None) -> MultiUnitOutcome:
    """Sell ``units`` identical units, one per bidder, pay-as-bid.

    The ``units`` highest bids ``>= reserve`` win; each pays its own bid
    (discriminatory auction). Ties: lowest index wins.
    """
    return _forward(bids, units, reserve, pay_as_bid=True)


def reverse_multi_unit_second_price(costs, units: int, reserve: float | None = None) -> MultiUnitOutcome:
    """Buy ``units`` identical units, one per seller, at a uniform price.

    The ``units`` lowest costs ``<= reserve`` win; each is paid
    ``p = min(reserve, c_(units+1))`` with ``c_(j)`` the j-th lowest cost.
    Truthful for unit-supply sellers. Ties: lowest index wins.

    Raises
    ------
    MechanismInputError
        If somebody wins, ``reserve`` is None and there is no
        (units+1)-th cost, because the price would be unbounded.
    """
    return _reverse(costs, units, reserve, pay_as_bid=False)


def reverse_multi_unit_first_price(costs, units: int, reserve: float | None = None) -> MultiUnitOutcome:
    """Buy ``units`` identical units, one per seller, each paid its own ask."""
    return _reverse(costs, units, reserve, pay_as_bid=True)


def second_price(bids, reserve: float | None = None) -> AuctionOutcome:
    """Vickrey auction: the highest bid ``>= reserve`` wins and pays
    ``max(reserve, second-highest bid)`` (0 stands in for a missing bid or
    reserve). Truthful, individually rational and efficient. Ties: lowest
    index wins (and then pays its own, equal, bid)."""
    return _single(multi_unit_second_price(bids, 1, reserve))


def first_price(bids, reserve: float | None = None) -> AuctionOutcome:
    """First-price sealed bid: the highest bid ``>= reserve`` wins and pays its
    bid. Not truthful (shading pays). Ties: lowest index wins."""
    return _single(multi_unit_first_price(bids, 1, reserve))


def reverse_second_price(costs, reserve: float | None = None) -> AuctionOutcome:
    """Procurement Vickrey auction: the lowest cost ``<= reserve`` wins and is
    paid ``min(reserve, second-lowest cost)``; ``reserve`` is the buyer's
    maximum acceptable price. Ties: lowest index wins.

    Raises
    ------
    MechanismInputError
        If exactly one cost qualifies and ``reserve`` is None (unbounded price).
    """
    return _single(reverse_multi_unit_second_price(costs, 1, reserve))


def reverse_first_price(costs, reserve: float | None = None) -> AuctionOutcome:
    """Procurement first-price auction: the lowest cost ``<= reserve`` wins and
    is paid its own ask. Ties: lowest index wins."""
    return _single(reverse_multi_unit_first_price(costs, 1, reserve))


def uniform_first_price_equilibrium_bid(value, n_bidders: int):
    """Symmetric Bayes-Nash bid ``b(v) = (n-1)/n * v`` of a first-price auction.

    Holds for ``n`` risk-neutral bidders with values i.i.d. uniform on
    ``[0, v_max]`` and no reserve (Vickrey 1961). Used as the "corresponding
    strategy" that makes a Dutch clock reproduce first-price outcomes.
    """
    if isinstance(n_bidders, bool) or not isinstance(n_bidders, (int, np.integer)) or n_bidders < 1:
        raise MechanismInputError(f"n_bidders is {n_bidders!r}: it must be an integer >= 1")
    return (n_bidders - 1) / n_bidders * np.asarray(value, dtype=np.float64)


SEALED_BID_AUCTIONS = {
    "first_price": first_price,
    "second_price": second_price,
    "reverse_first_price": reverse_first_price,
    "reverse_second_price": reverse_second_price,
}


def sealed_bid_auction(name: str):
    """Look up a single-item sealed-bid auction by name (see ``SEALED_BID_AUCTIONS``)."""
    try:
        return SEALED_BID_AUCTIONS[name]
    except KeyError:
        valid = ", ".join(sorted(SEALED_BID_AUCTIONS))
        raise MechanismInputError(f"unknown sealed-bid auction {name!r}; valid names: {valid}") from None

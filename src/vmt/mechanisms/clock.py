"""Open-outcry auctions as discrete price clocks: English (ascending) and Dutch
(descending), and their reverse (procurement) mirrors.

English clock. The price runs ``p_t = start + t * increment``, t = 0, 1, ...
A bidder with private value ``v`` stays in while ``p_t <= v`` (straightforward
bidding, a dominant strategy) and drops out for good at the first tick above
its value. The clock stops at the first tick ``T`` at which at most one bidder
is still in:

* exactly one in: it wins at ``p_T``;
* nobody in (the last bidders all dropped at the same tick): the lowest index
  among them wins at ``p_(T-1)``, the last price they all accepted;
* nobody in at ``t = 0``: no sale (the start price is the reserve).

So the winner pays the second-highest value rounded to the clock grid:
``|price - max(start, v_(2))| <= increment``, the second-price outcome up to
the increment (Milgrom & Weber 1982).

Dutch clock. The price runs ``p_t = max(start - t * decrement, reserve)`` and
stops at the reserve. Each bidder has an acceptance price ``a`` (its
strategy) and calls "mine" at the first tick with ``p_t <= a``. The first
tick at which anybody accepts ends the auction at ``p_t``; simultaneous
acceptances go to the lowest index. If the clock reaches the reserve with no
taker: no sale. With ``a`` set to the bid a bidder would make in a
first-price auction, the Dutch clock reproduces the first-price outcome up to
the decrement (strategic equivalence).

Reverse clocks are the same clocks on negated prices: a descending clock for
procurement (sellers with cost ``c`` stay in while ``p_t >= c``) mirrors the
English clock, an ascending offer clock (a seller accepts when ``p_t >= a``)
mirrors the Dutch clock. The tie rule is lowest index everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vmt.mechanisms._validation import validated_amount, validated_amounts, validated_positive
from vmt.mechanisms.errors import MechanismInputError


@dataclass(frozen=True, eq=False)
class ClockOutcome:
    """Result of a clock auction.

    Attributes
    ----------
    winner : int or None
        Index of the winning bidder, None if no sale.
    price : float
        Clock price at which the item changed hands; NaN if no sale.
    ticks : int
        Number of price steps the clock made before stopping.
    strategies : numpy.ndarray
        Read-only copy of the values (English) or acceptance prices (Dutch).
    """

    winner: int | None
    price: float
    ticks: int
    strategies: np.ndarray

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClockOutcome):
            return NotImplemented
        same_price = self.price == other.price or (math.isnan(self.price) and math.isnan(other.price))
        return (self.winner == other.winner and same_price and self.ticks == other.ticks
                and np.array_equal(self.strategies, other.strategies))

    def __hash__(self) -> int:
        return hash((self.winner, self.price, self.ticks, self.strategies.tobytes()))


def _last_tick_in(value: float, start: float, step: float) -> int:
    """Largest ``t >= 0`` with ``start + t*step <= value``; -1 if ``value < start``.

    Floor division gives the answer up to rounding; the two loops make it
    agree exactly with the price the clock actually shows.
    """
    if value < start:
        return -1
    t = int(math.floor((value - start) / step))
    while start + (t + 1) * step <= value:
        t += 1
    while t > 0 and start + t * step > value:
        t -= 1
    return t


def _english_core(scores: np.ndarray, start: float, step: float) -> ClockOutcome:
    """English clock on raw scores (may be negative, as in the mirrored reverse clock)."""
    last_in = np.array([_last_tick_in(float(v), start, step) for v in scores], dtype=np.int64)
    if last_in.size == 0 or last_in.max() < 0:
        return ClockOutcome(None, math.nan, 0, scores)
    ordered = np.sort(last_in)[::-1]
    top = int(ordered[0])
    stop = (int(ordered[1]) if ordered.size > 1 else -1) + 1
    if top >= stop:
        return ClockOutcome(int(np.argmax(last_in)), start + stop * step, stop, scores)
    winner = int(np.flatnonzero(last_in == top)[0])
    return ClockOutcome(winner, start + top * step, stop, scores)


def english_clock(values, increment: float, start: float = 0.0) -> ClockOutcome:
    """Ascending clock auction with straightforward bidders.

    Parameters
    ----------
    values : array_like of float
        Private values, non-negative and finite.
    increment : float
        Price step (> 0).
    start : float
        Opening price, which acts as the reserve.
    """
    values = validated_amounts(values, "value")
    step = validated_positive(increment, "increment")
    return _english_core(values, validated_amount(start, "start"), step)


def _dutch_price(start: float, step: float, reserve: float, t: int) -> float:
    return max(start - t * step, reserve)


def _first_tick_accepting(accept: float, start: float, step: float, reserve: float, last: int) -> int:
    """First ``t`` with ``p_t <= accept``; ``last + 1`` if the clock never gets that low."""
    if accept >= start:
        return 0
    t = min(last, max(0, int(math.ceil((start - accept) / step))))
    while t > 0 and _dutch_price(start, step, reserve, t - 1) <= accept:
        t -= 1
    while t <= last and _dutch_price(start, step, reserve, t) > accept:
        t += 1
    return t


def _dutch_core(accept: np.ndarray, start: float, step: float, floor: float) -> ClockOutcome:
    """Dutch clock on raw acceptance prices (may be negative when mirrored)."""
    if floor > start:
        raise MechanismInputError(f"reserve {abs(floor)} is on the wrong side of the start price {abs(start)}")
    last = int(math.ceil((start - floor) / step))
    ticks = np.array([_first_tick_accepting(float(a), start, step, floor, last) for a in accept],
                     dtype=np.int64)
    if ticks.size == 0 or ticks.min() > last:
        return ClockOutcome(None, math.nan, last, accept)
    stop = int(ticks.min())
    winner = int(np.flatnonzero(ticks == stop)[0])
    return ClockOutcome(winner, _dutch_price(start, step, floor, stop), stop, accept)


def dutch_clock(acceptance_prices, start: float, decrement: float,
                reserve: float | None = None) -> ClockOutcome:
    """Descending clock auction: the first bidder to accept wins at the clock price.

    Parameters
    ----------
    acceptance_prices : array_like of float
        Price at or below which each bidder accepts (its strategy).
    start : float
        Opening (highest) price.
    decrement : float
        Price step (> 0).
    reserve : float, optional
        Lowest price the clock shows (default 0); must not exceed ``start``.
    """
    accept = validated_amounts(acceptance_prices, "acceptance price")
    start = validated_amount(start, "start")
    step = validated_positive(decrement, "decrement")
    floor = validated_amount(reserve, "reserve", allow_none=True) or 0.0
    return _dutch_core(accept, start, step, floor)


def _unmirrored(outcome: ClockOutcome, strategies: np.ndarray) -> ClockOutcome:
    price = -outcome.price if outcome.winner is not None else math.nan
    return ClockOutcome(outcome.winner, price, outcome.ticks, strategies)


def reverse_english_clock(costs, decrement: float, start: float) -> ClockOutcome:
    """Descending procurement clock: sellers stay in while ``p_t >= cost``.

    The price starts at ``start`` (the buyer's maximum acceptable price) and
    falls by ``decrement``; the last seller in is paid the clock price, the
    second-lowest cost up to the decrement. Computed as :func:`english_clock`
    on ``-cost`` with opening price ``-start``.
    """
    costs = validated_amounts(costs, "cost")
    step = validated_positive(decrement, "decrement")
    start = validated_amount(start, "start")
    return _unmirrored(_english_core(-costs, -start, step), costs)


def reverse_dutch_clock(asks, start: float, increment: float,
                        reserve: float | None = None) -> ClockOutcome:
    """Ascending procurement offer clock: the first seller whose ask the price
    reaches (``p_t >= ask``) is paid ``p_t``.

    The offer starts at ``start`` and rises by ``increment`` up to ``reserve``
    (the buyer's maximum acceptable price; required, since an offer clock with
    no ceiling never has to stop). Mirror of :func:`dutch_clock`.
    """
    asks = validated_amounts(asks, "ask")
    start = validated_amount(start, "start")
    step = validated_positive(increment, "increment")
    if reserve is None:
        raise MechanismInputError("reverse_dutch_clock needs reserve=<buyer's maximum acceptable price>")
    ceiling = validated_amount(reserve, "reserve")
    return _unmirrored(_dutch_core(-asks, -start, step, -ceiling), asks)


CLOCK_AUCTIONS = {
    "english": english_clock,
    "dutch": dutch_clock,
    "reverse_english": reverse_english_clock,
    "reverse_dutch": reverse_dutch_clock,
}

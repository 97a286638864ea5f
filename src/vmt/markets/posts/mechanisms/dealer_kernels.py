"""The dealer's quotes and its slicing of an order, compiled.

One definition of the dealer's price rule (:func:`inventory_imbalance`,
:func:`dealer_mid`, :func:`dealer_quotes`), used by the Python methods of
:class:`~vmt.markets.posts.mechanisms.dealer.Dealer` and by
:func:`dealer_slices`, which serves one trader's order slice by slice
exactly as the shared market-maker loop (:mod:`.maker`) does -- same lots,
same halving, same quotes after every slice, the same utility and
delivery checks as :meth:`~vmt.markets.posts.exchange.PairMarket.fill` --
but in one compiled call instead of tens of Python fills.
"""

from __future__ import annotations

import math

from numba import njit

from vmt.world.valuation import trade_gain

#: Quotes are rounded to ticks after forgiving this much float noise (so 50 x 1.1 is 55).
ROUNDING = 1e-9
#: A dealer fills an order in slices of at most 1/LOTS_PER_ORDER of what remains.
LOTS_PER_ORDER = 32
BUY = 1


@njit(cache=True)
def inventory_imbalance(stock, target):
    """The dealer's stock of the good relative to its opening stock: ``(I - I0) / max(I0, 1)``."""
    return (stock - target) / max(target, 1)


@njit(cache=True)
def dealer_mid(reference, stock, target, inventory_skew):
    """``mid = r exp(-gamma (I - I0) / max(I0, 1))`` in ticks."""
    return reference * math.exp(-inventory_skew * inventory_imbalance(stock, target))


@njit(cache=True)
def dealer_quotes(mid, half_spread):
    """(bid, ask) payments for one unit in ticks; bid 0 when the dealer bids nothing.

    ``bid = floor(mid (1 - s))`` (at least 1, else none), ``ask = max(bid + 1, ceil(mid (1 + s)))``.
    """
    bid = math.floor(mid * (1.0 - half_spread) + ROUNDING)
    if bid < 1:
        bid = 0
    ask = max(math.ceil(mid * (1.0 + half_spread) - ROUNDING), bid + 1)
    return bid, ask


@njit(cache=True)
def _slice_fits(family, params, lam, held, maker_held, units, first, second, side, lot, payment):
    """Whether one slice of ``lot`` units at ``payment`` ticks each is worth it and deliverable."""
    paid = payment * lot
    real = held * units
    if side == BUY:
        gain = trade_gain(family, params, lam, real, first, lot * units[first], second, paid * units[second])
        return gain > 0.0 and maker_held[first] >= lot and held[second] >= paid
    gain = trade_gain(family, params, lam, real, second, paid * units[second], first, lot * units[first])
    return gain > 0.0 and held[first] >= lot and maker_held[second] >= paid


@njit(cache=True)
def dealer_slices(family, params, lam, held, maker_held, units, first, second, side, remaining,
                  reference, target, inventory_skew, half_spread, lots, payments):
    """Serve one order slice by slice; returns the number of slices written to ``lots``/``payments``.

    A slice is a thirty-second of what remains (at least one unit), halved
    until it strictly raises the trader's utility at the current quote and
    both sides can deliver; the order ends when not even one unit fits.
    ``held`` and ``maker_held`` (minor units of A, B, M) are updated as the
    slices are taken. Stops early when ``lots`` is full (call again).
    """
    count = 0
    while remaining > 0 and count < lots.shape[0]:
        lot = min(max(1, remaining // LOTS_PER_ORDER), remaining)
        bid, ask = dealer_quotes(dealer_mid(reference, maker_held[first], target, inventory_skew), half_spread)
        payment = ask if side == BUY else bid
        while lot >= 1 and not (payment >= 1 and _slice_fits(family, params, lam, held, maker_held, units,
                                                             first, second, side, lot, payment)):
            lot //= 2
        if lot < 1:
            break
        held[first] += side * lot
        held[second] -= side * payment * lot
        maker_held[first] -= side * lot
        maker_held[second] += side * payment * lot
        lots[count], payments[count] = lot, payment
        count += 1
        remaining -= lot
    return count

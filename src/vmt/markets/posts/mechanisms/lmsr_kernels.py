"""The LMSR post's search for the units of an order worth filling, compiled.

:class:`~vmt.markets.posts.mechanisms.lmsr._WorthwhileLot` defines the
rule (unit ``n`` is worth it when both sides can deliver the first ``n``
units and unit ``n`` at its exact marginal cost strictly raises the
trader's utility; bisection over ``n``); :func:`largest_worthwhile` runs the
same bisection with the same arithmetic in one compiled call instead of
some twenty Python evaluations per order. The LMSR cost of ``q`` shares is
``b (logaddexp(others, q / b) - everything)``
(:meth:`~vmt.mechanisms.lmsr.LMSRMarket.cost_terms`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from vmt.markets.posts.exchange import gain_after

BUY = 1
#: Float noise forgiven per unit before a payment is rounded for the maker (ticks).
NOISE = 1e-9


@njit(cache=True)
def lot_value(band_lo, band_hi, others, everything, b, side, units):
    """Exact ticks paid (``BUY``) or received for the first ``units`` units."""
    cost = b * (np.logaddexp(others, float(units) / b) - everything)
    if side == BUY:
        return band_lo * units + (band_hi - band_lo) * cost
    return band_lo * units + (band_hi - band_lo) * (units - cost)


@njit(cache=True)
def rounded_payment(side, value, units):
    """``value`` ticks for ``units`` units in whole minor units, in the maker's favour; -1 when a seller gets nothing."""
    if side == BUY:
        return math.ceil(value - NOISE * units)
    paid = math.floor(value + NOISE * units)
    return paid if paid >= 1 else -1


@njit(cache=True)
def _worth(code, params, lam, inventory_row, unit_sizes, first, second, maker_first, maker_second,
           band_lo, band_hi, others, everything, b, side, units):
    total = rounded_payment(side, lot_value(band_lo, band_hi, others, everything, b, side, units), units)
    buyer_cash, seller_stock = (inventory_row[second], maker_first) if side == BUY \
        else (maker_second, inventory_row[first])
    if total < 0 or total > buyer_cash or units > seller_stock:
        return False
    before = units - 1
    paid = lot_value(band_lo, band_hi, others, everything, b, side, before) if before > 0 else 0.0
    cost = lot_value(band_lo, band_hi, others, everything, b, side, units) - paid
    if side == BUY:
        gain = gain_after(code, params, lam, inventory_row, unit_sizes, first, second, float(before), -paid,
                          first, 1.0, second, cost)
    else:
        gain = gain_after(code, params, lam, inventory_row, unit_sizes, first, second, float(-before), paid,
                          second, cost, first, 1.0)
    return gain > 0.0


@njit(cache=True)
def largest_worthwhile(code, params, lam, inventory_row, unit_sizes, first, second, maker_first, maker_second,
                       band_lo, band_hi, others, everything, b, side, most):
    """The largest ``n <= most`` with every unit up to ``n`` worth it (0 if the first is not)."""
    args = (code, params, lam, inventory_row, unit_sizes, first, second, maker_first, maker_second,
            band_lo, band_hi, others, everything, b, side)
    if most < 1 or not _worth(*args, 1):
        return 0
    lo, hi = 1, most
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _worth(*args, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo

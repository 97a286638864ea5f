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
from numba import njit, objmode

from vmt.markets.posts.exchange import gain_after
from vmt.markets.posts.mechanisms.maker_kernels import (add_fill, close_order, maker_side, move, place_market_order,
                                                        trade_gain_of, undeliverable)
from vmt.markets.posts.orders import NO_ORDER, STATUS
from vmt.protocols.gains import pair_goods

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


#: Share balances on either side of the current one whose log-sum-exp a session computes at once.
WINDOW = 256
#: A session whose maker's worst-case loss passes ``b ln 2`` reports this status (a bug).
LOSS_EXCEEDED = -3


def log_sum_exps(low: int, count: int, b: float) -> np.ndarray:
    """``everything`` of :meth:`~vmt.mechanisms.lmsr.LMSRMarket.cost_terms` for buying the *high*
    share (row 0) and the *low* share (row 1), at the share balances ``D = q_low - q_high`` in
    ``[low, low + count)``.

    The same numbers as ``cost_terms``, which computes one state at a time: numpy's exp and log,
    elementwise, on the same operands (``ln(exp(0 - t) + exp(d - t)) + t``, ``t = max(0, d)``,
    ``d = D / b`` for *high*, ``(0 - D) / b`` for *low*). Compiled exp and log may differ from
    numpy's vectorised ones in the last bit, so a compiled session takes these from numpy.
    """
    balance = np.arange(low, low + count, dtype=np.float64)
    out = np.empty((2, count))
    for row, scaled in enumerate((balance / b, (0.0 - balance) / b)):
        top = np.maximum(scaled, 0.0)
        out[row] = top + np.log(np.exp(0.0 - top) + np.exp(scaled - top))
    return out


@njit(cache=True)
def _log_sum_exps_at(table, low, b, balance):
    """``(table, low)`` covering share balance ``balance`` (a fresh window from numpy when it is outside)."""
    if balance < low or balance >= low + table.shape[1]:
        low = balance - WINDOW
        with objmode(table="float64[:, ::1]"):
            table = log_sum_exps(low, 2 * WINDOW + 1, b)
    return table, low


@njit(cache=True)
def _fill_worthwhile_lot(code, params, lam, row, maker_held, units, first, second, terms, side, units_wanted):
    """Fill the largest worthwhile lot of an order (``_fill_lot``): ``(units, payment)``, (0, 0) if none."""
    band_lo, band_hi, others, everything, b = terms
    n = largest_worthwhile(code, params, lam, row, units, first, second, maker_held[first], maker_held[second],
                           band_lo, band_hi, others, everything, b, side, units_wanted)
    while n >= 1:  # a refused fill (it should not be) is retried with half the units
        paid = rounded_payment(side, lot_value(band_lo, band_hi, others, everything, b, side, n), n)
        buyer, seller = (row, maker_held) if side == BUY else (maker_held, row)
        if paid >= 0 and undeliverable(buyer, seller, first, second, n, paid) == 0 and \
                trade_gain_of(code, params, lam, row, units, first, second, side, n, paid) >= 0.0:
            move(buyer, seller, first, second, n, paid)
            return n, paid
        n //= 2
    return 0, 0


@njit(cache=True)
def _schedules(shares, table, low, band_lo, band_hi, b):
    """``(table, low, buy, sell)``: the :meth:`~vmt.markets.posts.mechanisms.lmsr.LMSRMaker.schedule`
    terms of buying from and selling to the maker at ``shares`` (the window moved if need be)."""
    balance = int(shares[1] - shares[0])
    table, low = _log_sum_exps_at(table, low, b, balance)
    buy = (band_lo, band_hi, (shares[1] - shares[0]) / b, table[0, balance - low], b)
    sell = (band_lo, band_hi, (shares[0] - shares[1]) / b, table[1, balance - low], b)
    return table, low, buy, sell


@njit(cache=True)
def _quotes(buy, sell):
    """(ask, bid): one unit's payment to buy and to sell, rounded for the maker (-1: none)."""
    return rounded_payment(BUY, lot_value(*buy, BUY, 1), 1), rounded_payment(-BUY, lot_value(*sell, -BUY, 1), 1)


@njit(cache=True)
def _book(shares, collected, terms, side, n, loss_bound):
    """Book ``n`` shares bought (*high* when the trader buys, *low* when it sells) as
    :meth:`~vmt.mechanisms.lmsr.LMSRMarket.buy` does; whether the worst-case loss passes ``b ln 2``."""
    shares[0 if side == BUY else 1] += float(n)
    collected[0] += terms[4] * (np.logaddexp(terms[2], float(n) / terms[4]) - terms[3])
    return max(shares[0], shares[1]) - collected[0] > loss_bound * (1 + 1e-12) + 1e-9


@njit(cache=True)
def lmsr_session(arrival, family, params, lam, inventory, units, k, x, y, stale, maker_held, shares, collected,
                 band_lo, band_hi, b, loss_bound, table, low, orders, fills):
    """One tick of the LMSR maker at one pair: every participant in ``arrival`` order is served as
    :meth:`~vmt.markets.posts.mechanisms.maker.MakerMechanism._serve` and
    :meth:`~vmt.markets.posts.mechanisms.lmsr.LMSRMaker._fill_lot` serve it, and each fill is booked
    as :meth:`~vmt.mechanisms.lmsr.LMSRMarket.buy` books it (``shares`` sold of *high* and *low*,
    ``collected[0]``). ``table`` holds the log-sum-exps of the share balances from ``low`` on
    (:func:`log_sum_exps`; kept by the caller from one session to the next). Writes ``orders`` and
    returns ``(fills, count, status, table, low, ask, bid)``, the last two the quotes the session
    leaves (-1: none); status :data:`LOSS_EXCEEDED` if the worst-case loss passes ``b ln 2`` (a bug)."""
    first, second = pair_goods(k)
    count, status = 0, 0
    for r in range(arrival.shape[0]):
        i, row = arrival[r], orders[r]
        row[STATUS] = NO_ORDER
        table, low, buy, sell = _schedules(shares, table, low, band_lo, band_hi, b)
        ask, bid = _quotes(buy, sell)
        side, payment = maker_side(family[i], params[i], lam[i], inventory[i], units, first, second, ask, bid)
        wanted = 0 if side == 0 else place_market_order(family[i], params[i], lam[i], inventory[i], units, k,
                                                        first, side, payment, row)
        if wanted == 0:
            continue
        terms = buy if side == BUY else sell
        n, paid = _fill_worthwhile_lot(family[i], params[i], lam[i], inventory[i], maker_held, units, first, second,
                                       terms, side, wanted)
        close_order(row, n)
        if n == 0:
            continue
        before = rounded_payment(side, lot_value(*terms, side, n - 1), n - 1) if n > 1 else 0
        buyer, seller = (i, -1) if side == BUY else (-1, i)
        fills, count = add_fill(fills, count, buyer, seller, n, paid, paid - max(before, 0), x, y, stale)
        if _book(shares, collected, terms, side, n, loss_bound):
            status = LOSS_EXCEEDED
            break
    table, low, buy, sell = _schedules(shares, table, low, band_lo, band_hi, b)
    ask, bid = _quotes(buy, sell)
    return fills, count, status, table, low, ask, bid

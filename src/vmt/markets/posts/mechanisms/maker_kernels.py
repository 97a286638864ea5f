"""What the compiled sessions of the market posts share: the order and fill rules.

The checks and moves of :meth:`~vmt.markets.posts.exchange.PairMarket.submit`
and :meth:`~vmt.markets.posts.exchange.PairMarket.fill` that every compiled
clearing (one price, call, CDA, dealer, LMSR) applies are here once:
:func:`admitted_order`, :func:`undeliverable`, :func:`trade_gain_of`,
:func:`move`, :func:`add_fill`, :func:`close_order`.

A market-maker session (dealer, LMSR) walks the participants in their
seeded arrival order and does for each what
:meth:`~vmt.markets.posts.mechanisms.maker.MakerMechanism._serve` does in
Python: the side whose one-unit quote strictly raises the trader's
utility, the market order for its demand at that quote, the check that a
seller holds what it sells, then the mechanism's own filling. It moves the
traders' and the maker's holdings in place and reports, per participant, a
row of :data:`ORDER_FIELDS` and, per fill, a row of :data:`FILL_FIELDS`; the
Python side turns those into trade rows, order rows and the clearing record
in bulk.

The rules of :meth:`~vmt.markets.posts.exchange.PairMarket.fill` are
:func:`undeliverable` (both sides hold what they give) and
:func:`trade_gain_of` ``>= 0`` (no trader's utility falls).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.markets.posts.exchange import gain_after
from vmt.markets.posts.orders import (BUY, BUYER_SHORT, CANNOT_PAY_LIMIT, FILLED_CODE, FILLED_UNITS, LIMIT,
                                      PARTIAL_CODE, QUANTITY, NO_ORDER, REFUSAL, REFUSAL_A, REFUSAL_B, REJECTED_CODE,
                                      SELLER_SHORT, SELLS_SHORT, SIDE, STATUS, UNFILLED_CODE)
from vmt.markets.posts.trade_rows import BUYER, PRICE, Q1, Q2, SELLER, X, Y
from vmt.protocols.search.market_aware import max_units, units_demanded

#: A session that finds its own fills breaking the settlement rules reports this status (a bug).
BROKEN = -2


@njit(cache=True)
def trade_gain_of(code, params, lam, inventory_row, units, first, second, side, q1, q2):
    """Utility change of a trader buying (``side`` +1) or selling ``q1`` units of the first good for ``q2``
    of the second, from its holdings now (:meth:`PairMarket.gain`)."""
    if side == BUY:
        return gain_after(code, params, lam, inventory_row, units, first, second, 0.0, 0.0,
                          first, float(q1), second, float(q2))
    return gain_after(code, params, lam, inventory_row, units, first, second, 0.0, 0.0,
                      second, float(q2), first, float(q1))


@njit(cache=True)
def maker_side(code, params, lam, inventory_row, units, first, second, ask, bid):
    """(side, payment): buy at ``ask`` if one unit strictly pays, else sell at ``bid``; (0, 0) if neither.
    A quote below one minor unit is no quote."""
    if ask >= 1 and trade_gain_of(code, params, lam, inventory_row, units, first, second, 1, 1, ask) > 0.0:
        return 1, ask
    if bid >= 1 and trade_gain_of(code, params, lam, inventory_row, units, first, second, -1, 1, bid) > 0.0:
        return -1, bid
    return 0, 0


@njit(cache=True)
def place_market_order(code, params, lam, inventory_row, units, k, first, side, payment, row):
    """The trader's market order for its demand at ``payment`` (strict gains) into ``row``; its quantity
    (0: no order, or a refused one)."""
    wanted = units_demanded(code, params, lam, inventory_row, units, k, payment, side,
                            max_units(inventory_row, k, payment, side), True)
    if wanted == 0:
        return 0
    row[SIDE], row[QUANTITY], row[LIMIT] = side, wanted, -1
    if side != BUY and wanted > inventory_row[first]:
        row[STATUS], row[REFUSAL], row[REFUSAL_A], row[REFUSAL_B] = REJECTED_CODE, SELLS_SHORT, wanted, \
            inventory_row[first]
        return 0
    row[STATUS] = UNFILLED_CODE
    return wanted


@njit(cache=True)
def admitted_order(inventory, first, second, agent, row):
    """The checks of :func:`~vmt.markets.posts.orders.rejection_reason` that depend on the holdings:
    a seller holds what it sells, a buyer can pay for the whole order at its limit."""
    quantity, limit = row[QUANTITY], row[LIMIT]
    if row[SIDE] != BUY and quantity > inventory[agent, first]:
        row[REFUSAL], row[REFUSAL_A], row[REFUSAL_B] = SELLS_SHORT, quantity, inventory[agent, first]
    elif row[SIDE] == BUY and quantity * limit > inventory[agent, second]:
        row[REFUSAL], row[REFUSAL_A], row[REFUSAL_B] = CANNOT_PAY_LIMIT, quantity * limit, inventory[agent, second]
    else:
        return True
    row[STATUS] = REJECTED_CODE
    return False


@njit(cache=True)
def undeliverable(buyer_row, seller_row, first, second, q1, q2):
    """Why a fill of ``q1`` for ``q2`` cannot be delivered (a refusal code), 0 if both sides hold enough."""
    if seller_row[first] < q1:
        return SELLER_SHORT
    if buyer_row[second] < q2:
        return BUYER_SHORT
    return 0


@njit(cache=True)
def move(buyer_row, seller_row, first, second, q1, q2):
    """Settle a fill: ``q1`` of the first good to the buyer, ``q2`` of the second to the seller."""
    buyer_row[first] += q1
    seller_row[first] -= q1
    buyer_row[second] -= q2
    seller_row[second] += q2


@njit(cache=True)
def with_room(rows, count):
    """``rows`` with room for a row at ``count``: itself, or a copy twice as long when full."""
    if count < rows.shape[0]:
        return rows
    bigger = np.empty((2 * rows.shape[0], rows.shape[1]), dtype=rows.dtype)
    bigger[:count] = rows[:count]
    return bigger


@njit(cache=True)
def close_order(row, filled):
    """Record ``filled`` units against the order in ``row`` and its final status (filled, partial, unfilled)."""
    row[FILLED_UNITS] = filled
    row[STATUS] = FILLED_CODE if filled >= row[QUANTITY] else (PARTIAL_CODE if filled > 0 else UNFILLED_CODE)


@njit(cache=True)
def add_fill(fills, count, buyer, seller, q1, q2, price, x, y, stale):
    """Write a fill as row ``count`` of ``fills`` (:data:`~vmt.markets.posts.trade_rows.FILL_FIELDS`:
    the cell is the buyer's, the seller's when the maker, -1, buys) and mark the traders' quotes
    stale, as :meth:`~vmt.markets.posts.exchange.PairMarket.fill` does; returns ``(fills, count + 1)``."""
    fills = with_room(fills, count)
    cell = buyer if buyer >= 0 else seller
    fills[count, BUYER], fills[count, SELLER], fills[count, Q1], fills[count, Q2] = buyer, seller, q1, q2
    fills[count, PRICE], fills[count, X], fills[count, Y] = price, x[cell], y[cell]
    for agent in (buyer, seller):
        if agent >= 0:
            stale[agent] = True
    return fills, count + 1


@njit(cache=True)
def order_totals(orders):
    """(units demanded, units supplied, orders accepted) over the orders a clearing accepted."""
    demanded, supplied, accepted = 0, 0, 0
    for r in range(orders.shape[0]):
        if orders[r, STATUS] != NO_ORDER and orders[r, STATUS] != REJECTED_CODE:
            accepted += 1
            if orders[r, SIDE] == BUY:
                demanded += orders[r, QUANTITY]
            else:
                supplied += orders[r, QUANTITY]
    return demanded, supplied, accepted

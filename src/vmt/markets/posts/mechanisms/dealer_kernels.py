"""The dealer's quotes and its slicing of an order, compiled.

One definition of the dealer's price rule (:func:`inventory_imbalance`,
:func:`dealer_mid`, :func:`dealer_quotes`), used by the Python methods of
:class:`~vmt.markets.posts.mechanisms.dealer.Dealer` and by
:func:`dealer_slices`, which serves one trader's order slice by slice
exactly as the shared market-maker loop (:mod:`.maker`) does -- same lots,
same halving, same quotes after every slice, the same utility and
delivery checks as :meth:`~vmt.markets.posts.exchange.PairMarket.fill` --
and :func:`dealer_session`, which serves a pair's whole tick, participant
after participant, in one compiled call.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from vmt.markets.posts.compiled_stream import STREAM_WORDS, clearing_stream, permutation_into
from vmt.markets.posts.mechanisms.maker_kernels import (BROKEN, add_fill, close_order, maker_side, move,
                                                        place_market_order, trade_gain_of, undeliverable)
from vmt.markets.posts.orders import NO_ORDER, STATUS
from vmt.markets.posts.trade_rows import Q1, Q2
from vmt.protocols.gains import pair_goods
from vmt.world.valuation import holdings_utility, trade_gain_from

#: Quotes are rounded to ticks after forgiving this much float noise (so 50 x 1.1 is 55).
ROUNDING = 1e-9
#: A dealer fills an order in slices of at most 1/LOTS_PER_ORDER of what remains.
LOTS_PER_ORDER = 32
BUY = 1
MAKER = -1  # the market maker as a trade's counterparty


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
def _slice_fits(family, params, lam, held, real, utility, maker_held, units, first, second, side, lot, payment):
    """Whether one slice of ``lot`` units at ``payment`` ticks each is deliverable and worth it:
    ``trade_gain > 0`` from the trader's real holdings ``real``, whose utility is ``utility``."""
    paid = payment * lot
    if side == BUY:
        return maker_held[first] >= lot and held[second] >= paid and trade_gain_from(
            family, params, lam, real, utility, first, lot * units[first], second, paid * units[second]) > 0.0
    return held[first] >= lot and maker_held[second] >= paid and trade_gain_from(
        family, params, lam, real, utility, second, paid * units[second], first, lot * units[first]) > 0.0


@njit(cache=True)
def dealer_slices(family, params, lam, held, maker_held, units, first, second, side, remaining,
                  reference, target, inventory_skew, half_spread, agent, x, y, stale, fills, count):
    """Serve one order slice by slice, appending a fill row per slice to ``fills`` from row
    ``count`` (:func:`~.maker_kernels.add_fill`); returns ``(fills, count)``.

    A slice is a thirty-second of what remains (at least one unit), halved
    until it strictly raises the trader's utility at the current quote and
    both sides can deliver; the order ends when not even one unit fits.
    ``held`` and ``maker_held`` (minor units of A, B, M) move as the slices
    are taken.
    """
    while remaining > 0:
        lot = min(max(1, remaining // LOTS_PER_ORDER), remaining)
        bid, ask = dealer_quotes(dealer_mid(reference, maker_held[first], target, inventory_skew), half_spread)
        payment = ask if side == BUY else bid
        real = (held[0] * units[0], held[1] * units[1], held[2] * units[2])
        utility = holdings_utility(family, params, lam, real[0], real[1], real[2])
        while lot >= 1 and not (payment >= 1 and _slice_fits(family, params, lam, held, real, utility, maker_held,
                                                             units, first, second, side, lot, payment)):
            lot //= 2
        if lot < 1:
            break
        buyer, seller = (held, maker_held) if side == BUY else (maker_held, held)
        move(buyer, seller, first, second, lot, payment * lot)
        buyer_id, seller_id = (agent, MAKER) if side == BUY else (MAKER, agent)
        fills, count = add_fill(fills, count, buyer_id, seller_id, lot, payment * lot, payment, x, y, stale)
        remaining -= lot
    return fills, count


@njit(cache=True)
def dealer_session(arrival, family, params, lam, inventory, units, k, x, y, stale, maker_held, reference, target,
                   inventory_skew, half_spread, orders, fills):
    """One tick of the dealer at one pair: every participant in ``arrival`` order is served as
    :meth:`~vmt.markets.posts.mechanisms.maker.MakerMechanism._serve` serves it, its order sliced
    by :func:`dealer_slices`. Writes ``orders`` (one row per participant) and returns
    ``(fills, count, status)``; status :data:`BROKEN` if an order's slices together break the
    settlement rules (a bug)."""
    first, second = pair_goods(k)
    count = 0
    for r in range(arrival.shape[0]):
        i, row = arrival[r], orders[r]
        row[STATUS] = NO_ORDER
        bid, ask = dealer_quotes(dealer_mid(reference, maker_held[first], target, inventory_skew), half_spread)
        side, payment = maker_side(family[i], params[i], lam[i], inventory[i], units, first, second, ask, bid)
        wanted = 0 if side == 0 else place_market_order(family[i], params[i], lam[i], inventory[i], units, k,
                                                        first, side, payment, row)
        if wanted == 0:
            continue
        before, maker_before, start = inventory[i].copy(), maker_held.copy(), count
        fills, count = dealer_slices(family[i], params[i], lam[i], inventory[i], maker_held, units, first, second,
                                     side, wanted, reference, target, inventory_skew, half_spread, i, x, y, stale,
                                     fills, count)
        close_order(row, fills[start:count, Q1].sum())
        if count > start and _slices_break_rules(family[i], params[i], lam[i], before, maker_before, units,
                                                 first, second, side, fills[start:count]):
            return fills, count, BROKEN
    return fills, count, 0


@njit(cache=True)
def _slices_break_rules(family, params, lam, before, maker_before, units, first, second, side, slices):
    """Whether an order's slices, taken together from the holdings ``before`` them, break the rules of
    one fill (:meth:`~vmt.markets.posts.exchange.PairMarket.fill`): a check against bugs."""
    q1, q2 = slices[:, Q1].sum(), slices[:, Q2].sum()
    buyer, seller = (before, maker_before) if side == BUY else (maker_before, before)
    return undeliverable(buyer, seller, first, second, q1, q2) != 0 or \
        trade_gain_of(family, params, lam, before, units, first, second, side, q1, q2) < 0.0


#: A session whose fills outgrew the room a batch gave it reports this status; it is undone and run again alone.
OUTGREW = -4


@njit(cache=True, parallel=True)
def dealer_many(ids, start, seeds, family, params, lam, inventory, units, k, x, y, stale, maker_held, reference,
                target, inventory_skew, half_spread, arrival, orders, fill_start, fills, made, status):
    """:func:`dealer_session` at many posts at once (no trader at two, each post its own dealer):
    session ``s``'s participants ``ids[start[s]:start[s + 1]]`` arrive in the order its stream
    (``seeds[s]``) permutes them (written to ``arrival``), its order rows go to ``orders`` from row
    ``start[s]`` and its fills to ``fills`` from row ``fill_start[s]``. A session whose fills
    outgrow that room is undone (its traders' and dealer's holdings restored; the quotes it marked
    stale are marked again when it runs alone) and reports :data:`OUTGREW`."""
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        stream = np.zeros(STREAM_WORDS, dtype=np.uint64)
        clearing_stream(seeds[s, 0], seeds[s, 1], seeds[s, 2], seeds[s, 3], stream)
        order = np.empty(b - a, dtype=np.int64)
        permutation_into(stream, order)
        held_before = np.empty((b - a, 3), dtype=np.int64)
        for q in range(b - a):
            arrival[a + q] = ids[a + order[q]]
            held_before[q] = inventory[arrival[a + q]]
        maker_before = maker_held[s].copy()
        room = fills[fill_start[s]:fill_start[s + 1]]
        used, made[s], status[s] = dealer_session(arrival[a:b], family, params, lam, inventory, units, k, x, y,
                                                  stale, maker_held[s], reference[s], target[s], inventory_skew[s],
                                                  half_spread[s], orders[a:b], room)
        if used.shape[0] != room.shape[0]:
            for q in range(b - a):
                inventory[arrival[a + q]] = held_before[q]
            maker_held[s] = maker_before
            made[s], status[s] = 0, OUTGREW

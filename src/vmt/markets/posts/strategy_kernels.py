"""The built-in trader strategies' orders for many clearings at once, compiled.

:func:`~vmt.markets.posts.strategies.strategy_arrays` makes one clearing's
orders with a few NumPy calls and the clearing's seeded generator; at a
million agents a tick opens a thousand clearings, and that Python, not the
arithmetic, was the cost of an order-driven post. :func:`strategy_orders_many`
makes the orders of all of one pair's clearings, the built-in strategies
(``truthful``, ``zi_c``, ``zi_u``) only: each participant's one-unit
reservation prices and the sign of its demand at the post's price in one
parallel kernel, its side from them (in NumPy, as
:func:`~vmt.markets.posts.strategies.choose_sides` decides it), then its
limit -- drawn from the clearing's own stream
(:mod:`~vmt.markets.posts.compiled_stream`, draw for draw the generator's)
-- and its quantity in a second. The limits, quantities and the streams'
states after the draws are those of the Python rule, which stays the
reference (tested against it).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.posts.compiled_stream import STREAM_WORDS, bounded, clearing_stream
from vmt.markets.posts.exchange import _reservation_loop, _units_one
from vmt.markets.posts.orders import BUY
from vmt.markets.posts.strategies import BUILT_IN, _demand_signs, get_strategy, sides_from

#: The built-in strategies by the code the kernels know them by.
STRATEGY_CODES = {"truthful": 0, "zi_c": 1, "zi_u": 2}
TRUTHFUL, ZI_C, ZI_U = 0, 1, 2


def compiled_strategies(names) -> bool:
    """Whether every strategy in ``names`` is a built-in one (not replaced) the kernels make orders for."""
    return all(name in STRATEGY_CODES and get_strategy(name)[0] is BUILT_IN[name] for name in names)


@njit(cache=True, parallel=True)
def _reservations_and_signs(ids, start, reference, k, family, params, lam, inventory, units, tick_size, ask, bid,
                            wanted):
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        _reservation_loop(ids[a:b], family, params, lam, inventory, units, k, tick_size, ask[a:b], bid[a:b])
        _demand_signs(ids[a:b], family, params, lam, inventory, units, k, reference[s], wanted[a:b])


@njit(cache=True, inline="always")
def _uniform_tick(stream, lo, hi):
    """:func:`~vmt.markets.posts.strategies._uniform_ticks` for one trader: a draw on [lo, hi], or 0
    when ``hi < lo`` (the generator then draws on [0, 0], which takes nothing from its stream)."""
    return bounded(stream, lo, hi) if hi >= lo else 0


@njit(cache=True, inline="always")
def _limit(code, stream, side, ask, bid, floor, ceiling):
    """One trader's limit by strategy ``code`` (as the registered Python strategies compute it)."""
    if code == TRUTHFUL:
        return bid if side == BUY else ask
    if code == ZI_C:
        if side == BUY:
            return _uniform_tick(stream, min(floor, bid), bid)
        return _uniform_tick(stream, ask, max(ceiling, ask))
    return _uniform_tick(stream, floor, ceiling)


@njit(cache=True, parallel=True)
def _limits_and_quantities(ids, start, sides, ask, bid, code, floor, ceiling, seeds, k, family, params, lam,
                           inventory, units, streams, limits, quantity):
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        stream = streams[s]
        clearing_stream(seeds[s, 0], seeds[s, 1], seeds[s, 2], seeds[s, 3], stream)
        for r in range(a, b):
            limits[r] = _limit(code[s], stream, sides[r], ask[r], bid[r], floor[s], ceiling[s])
        for r in range(a, b):
            quantity[r] = 1
            if code[s] != ZI_U and sides[r] != 0 and limits[r] > 0:
                i = ids[r]
                quantity[r] = max(1, _units_one(family[i], params[i], lam[i], inventory[i], units, k, limits[r],
                                                sides[r], False))


def strategy_orders_many(sessions, ids: np.ndarray, start: np.ndarray):
    """(sides, limits, quantities, streams) of every participant ``ids`` (session ``s`` owns
    ``ids[start[s]:start[s + 1]]``, all of one pair) by its post's built-in strategy; a trader
    orders when its side is not 0 and its limit positive. ``streams`` holds each clearing's
    stream after the strategy's draws (what it would draw next)."""
    market, count = sessions[0].market, len(sessions)
    reference = np.array([s.price for s in sessions], dtype=np.int64)
    bounds = np.array([s.mechanism.params.bounds(s.price, s.market.tick_size) for s in sessions],
                      dtype=np.int64).reshape(count, 2)
    code = np.array([STRATEGY_CODES[s.mechanism.params.strategy] for s in sessions], dtype=np.int64)
    seeds = np.array([s.market.rng.seed for s in sessions], dtype=np.int64).reshape(count, 4)
    ask, bid, wanted = (np.empty(ids.size, dtype=np.int64) for _ in range(3))
    arrays = market.agent_arrays()
    _reservations_and_signs(ids, start, reference, market.k, *arrays, market.tick_size, ask, bid, wanted)
    sides = sides_from(wanted, ask, bid, np.repeat(reference, np.diff(start)))
    limits, quantity = np.empty(ids.size, dtype=np.int64), np.empty(ids.size, dtype=np.int64)
    streams = np.empty((count, STREAM_WORDS), dtype=np.uint64)
    _limits_and_quantities(ids, start, sides, ask, bid, code, bounds[:, 0], bounds[:, 1], seeds, market.k, *arrays,
                           streams, limits, quantity)
    return sides, limits, quantity, streams

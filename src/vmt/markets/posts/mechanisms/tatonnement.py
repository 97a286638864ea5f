"""The Walrasian auctioneer's price search as one compiled call per clearing.

:mod:`.walrasian` states the rule (tatonnement steps until aggregate excess
demand changes sign, then bisection on the tick grid, the better of the two
bracketing prices if no price clears exactly). Run in Python, each trial
price is a round trip into a compiled demand loop, and with a handful of
participants per post the round trips, not the demand evaluations, were the
cost of a clearing. :func:`tatonnement` runs the whole search inside one
kernel, step for step as the Python rule (same trial prices, same rounding
of ``p exp(kappa z / V)``, the same count of distinct prices evaluated), and
hands back the price, whether the search converged, its iterations and each
participant's demand at that price.

A search that would step past :data:`PRICE_LIMIT` ticks (only an absurd
``adjustment_speed`` on a tiny economy gets there) returns
:data:`OVERFLOW`; the caller then runs the same rule in Python, whose
integers do not overflow.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from vmt.markets.posts.exchange import demand_at

NO_PRICE = -1
#: Status of a search that stepped past PRICE_LIMIT (int64 ticks would overflow).
OVERFLOW = -2
PRICE_LIMIT = 2.0**62


@njit(cache=True)
def _evaluate(price, seen_price, seen_stats, count, ids, family, params, lam, inventory, units, k, scratch):
    """Index of ``price`` among the prices evaluated so far, evaluating it first if new.
    Returns (index, count of prices evaluated)."""
    for s in range(count):
        if seen_price[s] == price:
            return s, count
    z, gross, volume = demand_at(ids, family, params, lam, inventory, units, k, price, scratch)
    seen_price[count] = price
    seen_stats[count, 0], seen_stats[count, 1], seen_stats[count, 2] = z, gross, volume
    return count, count + 1


@njit(cache=True)
def _narrow(lo, hi, tolerance):
    if lo == NO_PRICE or hi == NO_PRICE:
        return False
    return abs(hi - lo) <= 1 or abs(hi - lo) / min(lo, hi) <= tolerance


@njit(cache=True)
def _step(p, z, gross, kappa):
    """The tatonnement step from ``p`` with excess demand ``z`` (NO_PRICE past the limit)."""
    moved_real = p * math.exp(kappa * z / max(gross, 1))
    if not moved_real < PRICE_LIMIT:
        return NO_PRICE
    moved = int(round(moved_real))
    if moved == p:
        moved = p + (1 if z > 0 else -1)
    return max(1, moved)


@njit(cache=True)
def tatonnement(ids, family, params, lam, inventory, units, k, price, kappa, tolerance, max_iterations, demand):
    """The Walrasian search of :mod:`.walrasian` for one clearing.

    Returns ``(final price or OVERFLOW, search converged, iterations)`` and
    writes each participant's demand at the final price into ``demand``.
    """
    seen_price = np.empty(max_iterations + 1, dtype=np.int64)
    seen_stats = np.empty((max_iterations + 1, 3), dtype=np.int64)
    count, lo, hi, found = 0, NO_PRICE, NO_PRICE, NO_PRICE
    p = max(1, price)
    while count < max_iterations:  # tatonnement steps until z changes sign
        s, count = _evaluate(p, seen_price, seen_stats, count, ids, family, params, lam, inventory, units, k, demand)
        z = seen_stats[s, 0]
        if z == 0:
            found = p
            break
        if z > 0:
            lo = p if lo == NO_PRICE else max(lo, p)
        else:
            hi = p if hi == NO_PRICE else min(hi, p)
        if (lo != NO_PRICE and hi != NO_PRICE) or (z < 0 and p == 1):
            break
        p = _step(p, z, seen_stats[s, 1], kappa)
        if p == NO_PRICE:
            return OVERFLOW, False, count
    while found == NO_PRICE and lo != NO_PRICE and hi != NO_PRICE and not _narrow(lo, hi, tolerance) \
            and count < max_iterations:  # bisection on the tick grid
        mid = (lo + hi) // 2
        s, count = _evaluate(mid, seen_price, seen_stats, count, ids, family, params, lam, inventory, units, k, demand)
        if seen_stats[s, 0] == 0:
            found = mid
        elif seen_stats[s, 0] > 0:
            lo = mid
        else:
            hi = mid
    converged = found != NO_PRICE or _narrow(lo, hi, tolerance)
    final = found
    if final == NO_PRICE:
        final, count = _best_of(lo, hi, price, seen_price, seen_stats, count, ids, family, params, lam, inventory,
                                units, k, demand)
    demand_at(ids, family, params, lam, inventory, units, k, final, demand)
    return final, converged, count


@njit(cache=True)
def _best_of(lo, hi, fallback, seen_price, seen_stats, count, ids, family, params, lam, inventory, units, k, scratch):
    """Of the bracketing prices, the one with the larger volume, then the smaller ``|z|``,
    then the lower price (the fallback price if there is none)."""
    best, best_key = NO_PRICE, (0, 0, 0)
    for p in (lo, hi) if lo != NO_PRICE or hi != NO_PRICE else (max(1, fallback), NO_PRICE):
        if p == NO_PRICE:
            continue
        s, count = _evaluate(p, seen_price, seen_stats, count, ids, family, params, lam, inventory, units, k, scratch)
        key = (-seen_stats[s, 2], abs(seen_stats[s, 0]), p)
        if best == NO_PRICE or key < best_key:
            best, best_key = p, key
    return best, count


@njit(cache=True, parallel=True)
def tatonnement_many(ids, start, family, params, lam, inventory, units, k, price, kappa, tolerance, max_iterations,
                     demand, final, converged, iterations):
    """:func:`tatonnement` for many clearings of pair ``k`` with no participant in common
    (clearing ``s`` has participants ``ids[start[s]:start[s + 1]]``), in parallel: each
    iteration writes only its own clearing's slots."""
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        final[s], converged[s], iterations[s] = tatonnement(
            ids[a:b], family, params, lam, inventory, units, k, price[s], kappa[s], tolerance[s],
            max_iterations[s], demand[a:b])

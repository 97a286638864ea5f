"""Rationing at one price, and turning the two sides' quantities into bilateral fills.

When whole units cannot clear exactly at the price a mechanism settles on
(Walrasian, posted price), the *short side* trades everything it asked for
and the *long side* is rationed **proportionally with largest remainders**:
with ``Q`` units to share among requests ``q_i`` (``sum q_i = L > Q``),
each trader first gets ``floor(q_i Q / L)``; the units left over go one
each to the largest fractional remainders ``q_i Q / L - floor(.)``, ties
broken by a seeded random order drawn once per clearing. Nobody gets more
than it asked for, so every partial fill is a prefix of the trader's
demand and stays individually rational (marginal gains fall along the
price line). This is the rule of a uniform-price exchange that cannot
split units; it treats equal requests equally up to one unit.

:func:`pairs_in_turn` then walks buyers and sellers in turn (a two-pointer
merge) and cuts their quantities into fills ``(buyer, seller, units)``; at
one price it does not matter who trades with whom, and the walk makes the
trades table deterministic. It is compiled because the compiled clearings
(one price, call) walk with it; :func:`pair_fills` is the same walk for the
Python rules, by trader id.
"""

from __future__ import annotations

import numpy as np
from numba import njit


def ration(requests: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Share ``total`` units among ``requests`` (whole units) by largest remainders.

    Returns ``requests`` itself when it fits (``sum(requests) <= total``).
    """
    requests = np.asarray(requests, dtype=np.int64)
    asked = int(requests.sum())
    if asked <= total:
        return requests.copy()
    scaled = requests * total  # exact integer arithmetic: share_i = scaled_i / asked
    granted, remainder = scaled // asked, scaled % asked
    left = total - int(granted.sum())
    if left > 0:
        tie_break = rng.permutation(requests.size)
        order = np.lexsort((tie_break, -remainder))
        granted[order[:left]] += 1
    return granted


@njit(cache=True)
def pairs_in_turn(bought, sold):
    """The fills of buyers' units ``bought`` against sellers' ``sold``, each side taken in its
    order: rows ``(buyer's position, seller's position, units)``. Every fill exhausts a buyer or
    a seller, so there are fewer rows than traders."""
    need, have = bought.copy(), sold.copy()
    pairs = np.empty((need.shape[0] + have.shape[0], 3), dtype=np.int64)
    count, b, s = 0, 0, 0
    while b < need.shape[0] and s < have.shape[0]:
        if need[b] == 0:
            b += 1
            continue
        if have[s] == 0:
            s += 1
            continue
        units = min(need[b], have[s])
        pairs[count, 0], pairs[count, 1], pairs[count, 2] = b, s, units
        need[b] -= units
        have[s] -= units
        count += 1
    return pairs[:count]


def pair_fills(buyers, bought, sellers, sold) -> list[tuple[int, int, int]]:
    """Cut equal totals ``sum(bought) == sum(sold)`` into (buyer, seller, units) fills, buyers
    and sellers named by id (:func:`pairs_in_turn`)."""
    bought, sold = np.asarray(bought, dtype=np.int64), np.asarray(sold, dtype=np.int64)
    if int(bought.sum()) != int(sold.sum()):
        raise ValueError(f"sides do not balance: {int(bought.sum())} bought vs {int(sold.sum())} sold")
    buyers, sellers = np.asarray(buyers, dtype=np.int64), np.asarray(sellers, dtype=np.int64)
    return [(int(buyers[b]), int(sellers[s]), int(units)) for b, s, units in pairs_in_turn(bought, sold)]


def clear_at_price(demand: np.ndarray, ids: np.ndarray, rng: np.random.Generator):
    """Who buys and sells how much at one price, given signed demands.

    Returns ``(fills, demanded, supplied, granted)``: fills as in
    :func:`pair_fills`, total units demanded and supplied, and each
    participant's granted (signed) quantity after rationing the long side.
    """
    buy = np.flatnonzero(demand > 0)
    sell = np.flatnonzero(demand < 0)
    demanded, supplied = int(demand[buy].sum()), int(-demand[sell].sum())
    traded = min(demanded, supplied)
    bought = ration(demand[buy], traded, rng)
    sold = ration(-demand[sell], traded, rng)
    granted = np.zeros_like(demand)
    granted[buy], granted[sell] = bought, -sold
    return pair_fills(ids[buy], bought, ids[sell], sold), demanded, supplied, granted

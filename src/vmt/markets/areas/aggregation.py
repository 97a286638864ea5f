"""Area prices: the volume-weighted average price of the trades made inside.

A trade belongs to an area when *both* its parties are members of it
("find which market contains this trade"). With ``q1`` the real
quantity of the pair's first good and ``q2`` of its second, a trade's price
is ``q2/q1`` and its volume ``q1``, so the volume-weighted average price of
the trades in a window is

    VWAP = sum_t (q2_t / q1_t) q1_t / sum_t q1_t = sum_t q2_t / sum_t q1_t.

Each area keeps the last ``window`` ticks of these sums per exchange pair
(a ring buffer indexed by ``tick % window``); its current price is the VWAP
over the window when the window holds a trade, and otherwise the last price
it had (with the tick that price was formed).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.areas.state import NO_AREA, AreaState


def tag_trades(member: np.ndarray, buyer: np.ndarray, seller: np.ndarray,
               pair_type: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The area of each proposal (``NO_AREA`` unless it was agreed, ``pair_type
    >= 0``, and both parties are members of the same area), and the same as
    the float ``market_id`` column of the trade log (NaN for no area)."""
    area = np.empty(pair_type.shape[0], np.int64)
    market_id = np.empty(pair_type.shape[0])
    _tag(member, buyer, seller, pair_type, area, market_id)
    return area, market_id


def record_trades(areas: AreaState, area_of_trade: np.ndarray, pair_type: np.ndarray, q1: np.ndarray,
                  q2: np.ndarray, first_unit: np.ndarray, second_unit: np.ndarray, tick: int) -> None:
    """Put this tick's trades in the areas' window slot for ``tick``, in real
    quantities: ``q1 * first_unit[k]`` and ``q2 * second_unit[k]`` for pair
    ``k`` (minor units times the size of the pair's goods' minor units).
    Trades without an area (``NO_AREA``) are skipped."""
    slot = tick % areas.window
    areas.window_first[:, slot] = 0.0
    areas.window_second[:, slot] = 0.0
    areas.window_trades[:, slot] = 0
    _accumulate(area_of_trade, pair_type, q1, q2, first_unit, second_unit, slot,
                areas.window_first, areas.window_second, areas.window_trades)


def update_prices(areas: AreaState, tick: int) -> None:
    """Set each live area's current price to its window VWAP where the window
    holds trades; keep the last price (and its tick) elsewhere."""
    live = areas.live()
    first = areas.window_first[live].sum(axis=1)
    second = areas.window_second[live].sum(axis=1)
    traded = first > 0.0
    rows, pairs = np.nonzero(traded)
    areas.price[live[rows], pairs] = second[rows, pairs] / first[rows, pairs]
    areas.price_tick[live[rows], pairs] = tick


def window_totals(areas: AreaState, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Volume (real units of the first good) and trade count over the window, (len(ids), 3)."""
    return areas.window_first[ids].sum(axis=1), areas.window_trades[ids].sum(axis=1)


@njit(cache=True, parallel=True)
def _tag(member, buyer, seller, pair_type, area, market_id):
    for p in prange(pair_type.shape[0]):
        a = NO_AREA
        if pair_type[p] >= 0 and member[buyer[p]] == member[seller[p]]:
            a = member[buyer[p]]
        area[p] = a
        market_id[p] = a if a >= 0 else np.nan


@njit(cache=True)
def _accumulate(area_of_trade, pair_type, q1, q2, first_unit, second_unit, slot, w_first, w_second, w_trades):
    # serial, in trade order: the window's float sums come out the same every run
    for t in range(area_of_trade.shape[0]):
        a = area_of_trade[t]
        if a < 0:
            continue
        k = pair_type[t]
        w_first[a, slot, k] += q1[t] * first_unit[k]
        w_second[a, slot, k] += q2[t] * second_unit[k]
        w_trades[a, slot, k] += 1

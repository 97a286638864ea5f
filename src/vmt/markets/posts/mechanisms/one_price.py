"""Trading at one price, for many posts at once: :func:`~.base.trade_at_one_price` compiled.

The one-price mechanisms (``walrasian``, ``posted_price``) end every
clearing the same way: each participant's demand at the price becomes an
order, the long side is rationed by largest remainders
(:mod:`..rationing`), buyers and sellers are paired in id order, and every
fill is settled under :meth:`PairMarket.fill`'s rules (both sides can
deliver, neither loses utility). In Python that is a few hundred
microseconds of objects per clearing, more than the clearing's arithmetic;
:func:`settle_at_prices` does all of one pair's clearings in one parallel
kernel (no participant is in two) and writes their orders and trades to
each session's logs as :func:`~.base.trade_at_one_price` would, row for
row.

The only random draw, the tie-break permutation of the rationed side, comes
from each clearing's own seeded stream, drawn in Python exactly when the
Python rule draws it (:func:`_tie_breaks`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets.posts.exchange import gain_after
from vmt.markets.posts.orders import FILLED, PARTIAL, REJECTED, SIDE_NAMES, UNFILLED
from vmt.markets.posts.state import PAIR_LABELS
from vmt.world.state import PAIRS

# Order outcomes written by the kernel.
_UNFILLED, _PARTIAL, _FILLED, _SHORT_SELLER, _SHORT_BUYER = 0, 1, 2, 3, 4


@njit(cache=True)
def _sides(demand):
    """(units demanded, units supplied, size of the long side if its rationing needs a tie-break, else 0)."""
    demanded = supplied = buyers = sellers = 0
    for q in demand:
        if q > 0:
            demanded, buyers = demanded + q, buyers + 1
        elif q < 0:
            supplied, sellers = supplied - q, sellers + 1
    traded = min(demanded, supplied)
    for sign, asked, count in ((1, demanded, buyers), (-1, supplied, sellers)):
        if asked > traded:
            granted = 0
            for q in demand:
                if q * sign > 0:
                    granted += (q * sign * traded) // asked
            if traded - granted > 0:
                return demanded, supplied, count
    return demanded, supplied, 0


@njit(cache=True, parallel=True)
def _tie_break_sizes(demand, start, size):
    for s in prange(start.shape[0] - 1):
        size[s] = _sides(demand[start[s]:start[s + 1]])[2]


@njit(cache=True)
def _ration(requests, total, tie_break):
    """:func:`~..rationing.ration` with the tie-break permutation given."""
    asked = requests.sum()
    if asked <= total:
        return requests.copy()
    scaled = requests * total
    granted, remainder = scaled // asked, scaled % asked
    left = total - granted.sum()
    if left > 0:
        order = np.arange(requests.shape[0])
        for a in range(1, order.shape[0]):  # insertion sort by (remainder descending, tie-break)
            r, b = order[a], a
            while b > 0 and (remainder[order[b - 1]] < remainder[r] or
                             (remainder[order[b - 1]] == remainder[r] and tie_break[order[b - 1]] > tie_break[r])):
                order[b] = order[b - 1]
                b -= 1
            order[b] = r
        for a in range(left):
            granted[order[a]] += 1
    return granted


@njit(cache=True)
def _settle(ids, demand, price, k, tie_break, family, params, lam, inventory, units, quotes_stale,
            fills, outcome, filled):
    """One clearing: ration, pair in id order, check and move each fill.

    ``fills`` (rows: buyer, seller, units) receives the fills made; returns
    their count. ``outcome``/``filled`` per participant with an order.
    """
    first, second = PAIRS[k]
    buy, sell = np.flatnonzero(demand > 0), np.flatnonzero(demand < 0)
    traded = min(demand[buy].sum(), -demand[sell].sum())
    bought = _ration(demand[buy], traded, tie_break)
    sold = _ration(-demand[sell], traded, tie_break)
    for r in range(ids.shape[0]):  # orders, checked on the holdings before any fill
        filled[r] = 0
        q, i = abs(demand[r]), ids[r]
        outcome[r] = _UNFILLED
        if demand[r] < 0 and q > inventory[i, first]:
            outcome[r] = _SHORT_SELLER
        elif demand[r] > 0 and q * price > inventory[i, second]:
            outcome[r] = _SHORT_BUYER
    made = fill_in_turn(buy, bought, sell, sold, ids, outcome >= _SHORT_SELLER, price, k, family, params, lam,
                        inventory, units, quotes_stale, filled, fills)
    for r in range(ids.shape[0]):
        if outcome[r] == _UNFILLED and filled[r] > 0:
            outcome[r] = _FILLED if filled[r] >= abs(demand[r]) else _PARTIAL
    return made


@njit(cache=True)
def fill_checked(buyer, seller, q1, q2, k, family, params, lam, inventory, units, quotes_stale):
    """:meth:`PairMarket.fill` between two agents, compiled: ``q1`` minor units of pair ``k``'s
    first good for ``q2`` of its second if both can deliver and neither loses utility
    (then their quotes are stale); False, and nothing moved, if refused."""
    first, second = PAIRS[k]
    if q1 <= 0 or q2 < 0 or inventory[seller, first] < q1 or inventory[buyer, second] < q2:
        return False
    for agent, good_in, qty_in, good_out, qty_out in ((buyer, first, q1, second, q2), (seller, second, q2, first, q1)):
        if gain_after(family[agent], params[agent], lam[agent], inventory[agent], units, first, second, 0.0, 0.0,
                      good_in, float(qty_in), good_out, float(qty_out)) < 0.0:
            return False
    inventory[buyer, first] += q1
    inventory[seller, first] -= q1
    inventory[buyer, second] -= q2
    inventory[seller, second] += q2
    quotes_stale[buyer] = quotes_stale[seller] = True
    return True


@njit(cache=True)
def fill_in_turn(buy, bought, sell, sold, agent, blocked, price, k, family, params, lam, inventory, units,
                 quotes_stale, filled, fills):
    """Pair buyers' units ``bought`` (orders ``buy``, in turn) with sellers' ``sold`` (orders
    ``sell``) as :func:`~..rationing.pair_fills` does, and settle each fill at ``price``
    (:func:`fill_checked`) unless either order is ``blocked`` (rejected). ``filled`` per
    order and ``fills`` rows (buyer, seller, units) grow; returns the fills made."""
    made, b, s = 0, 0, 0
    while b < buy.shape[0] and s < sell.shape[0]:
        if bought[b] == 0:
            b += 1
            continue
        if sold[s] == 0:
            s += 1
            continue
        q1 = min(bought[b], sold[s])
        rb, rs = buy[b], sell[s]
        bought[b] -= q1
        sold[s] -= q1
        if blocked[rb] or blocked[rs]:
            continue
        if fill_checked(agent[rb], agent[rs], q1, q1 * price, k, family, params, lam, inventory, units, quotes_stale):
            filled[rb] += q1
            filled[rs] += q1
            fills[made, 0], fills[made, 1], fills[made, 2] = agent[rb], agent[rs], q1
            made += 1
    return made


@njit(cache=True, parallel=True)
def _settle_all(ids, start, demand, price, k, tie_start, tie_breaks, family, params, lam, inventory, units,
                quotes_stale, fills, made, outcome, filled):
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        made[s] = _settle(ids[a:b], demand[a:b], price[s], k, tie_breaks[tie_start[s]:tie_start[s + 1]], family,
                          params, lam, inventory, units, quotes_stale, fills[a:b], outcome[a:b], filled[a:b])


def _tie_breaks(sessions, demand: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each clearing's tie-break permutation of its rationed side, drawn from its own stream
    exactly when :func:`~..rationing.ration` draws it (empty otherwise)."""
    size = np.empty(len(sessions), dtype=np.int64)
    _tie_break_sizes(demand, start, size)
    draws = [s.market.rng.permutation(int(n)) if n else np.zeros(0, dtype=np.int64) for s, n in zip(sessions, size)]
    return np.cumsum([0] + [d.size for d in draws]), np.concatenate(draws).astype(np.int64)


def settle_at_prices(sessions, demands: list[np.ndarray], prices: list[int], short_reason: str) -> list[tuple[int, int]]:
    """Trade each session (all of one pair) at its price, its participants asking for ``demands[s]``.

    Returns each session's (units demanded, units supplied); the fills, the
    sessions' totals and the order and trade rows are those of
    :func:`~.base.trade_at_one_price` session by session.
    """
    market = sessions[0].market
    ids = np.concatenate([s.market.ids for s in sessions]).astype(np.int64)
    start = np.cumsum([0] + [d.size for d in demands])
    demand = np.concatenate(demands).astype(np.int64)
    price = np.array(prices, dtype=np.int64)
    tie_start, tie_breaks = _tie_breaks(sessions, demand, start)
    fills = np.empty((ids.size, 3), dtype=np.int64)
    made = np.empty(len(sessions), dtype=np.int64)
    outcome, filled = np.empty(ids.size, dtype=np.int64), np.empty(ids.size, dtype=np.int64)
    _settle_all(ids, start, demand, price, market.k, tie_start, tie_breaks, *market.agent_arrays(),
                market.world.agents.quotes_stale, fills, made, outcome, filled)
    totals = []
    for s, session in enumerate(sessions):
        a, b = start[s], start[s + 1]
        _log(session, demand[a:b], int(price[s]), fills[a:a + made[s]], outcome[a:b], short_reason)
        totals.append((int(demand[a:b][demand[a:b] > 0].sum()), int(-demand[a:b][demand[a:b] < 0].sum())))
    return totals


_STATUS = {_UNFILLED: UNFILLED, _PARTIAL: PARTIAL, _FILLED: FILLED}


def _log(session, demand, price, fills, outcome, short_reason: str) -> None:
    """The session's orders and trades, as :meth:`PairMarket.fill` and :meth:`PairMarket.close` write them."""
    market = session.market
    ag, units, first = market.world.agents, market.world.units, market.first
    log_fills(session, fills, price)
    label, first_unit, limit = PAIR_LABELS[market.k], units[first], price * market.tick_size
    for r in np.flatnonzero(demand).tolist():
        q, code, agent = abs(int(demand[r])), int(outcome[r]), int(market.ids[r])
        if code == _SHORT_SELLER:
            status, reason = REJECTED, f"sells {q} units but holds {int(ag.inventory[agent, first])}"
        elif code == _SHORT_BUYER:
            status, reason = REJECTED, f"cannot pay {q * price} at its limit with {int(ag.inventory[agent, market.second])} held"
        else:
            status = _STATUS[code]
            reason = None if status == FILLED else short_reason
        session.orders.rows.append((market.market_id, agent, label, SIDE_NAMES[1 if demand[r] > 0 else -1],
                                    q * first_unit, limit, status, reason))


def log_fills(session, fills: np.ndarray, price: int) -> None:
    """Trade rows and session totals of compiled fills (rows: buyer, seller, units) at ``price``,
    as :meth:`PairMarket.fill` leaves them (the row's cell is the buyer's)."""
    market = session.market
    ag, units = market.world.agents, market.world.units
    for buyer, seller, q1 in fills.tolist():
        session.trades.add(buyer, seller, market.k, q1, q1 * price, market.market_id, int(ag.x[buyer]),
                           int(ag.y[buyer]), units)
        market.volume += q1
        market.value += q1 * price
        market.fills += 1

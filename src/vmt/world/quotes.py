"""Quotes: reservation prices per exchange pair, widened by the spread.

For each pair (first good g1, second good g2) an agent's reservation *ask* is
the lowest price (g2 per g1) at which selling one minor unit of g1 does not
lower its utility, and its reservation *bid* the highest price at which buying
one does not (see ``vmt.economics.kernels``). Quotes widen them by the spread
``s``: ``ask_quote = ask·(1 + s)``, ``bid_quote = bid·(1 − s)``, so a trade at
quoted prices never lowers a trader's utility for a one-unit step. Bids are
capped by what the agent can pay. Prices are positive: a negative
reservation price (a quadratic agent past its bliss point would pay to be
rid of a unit, or need paying to take one) is quoted as 0 — such an agent
sells at any positive price and buys at none. Bargaining checks utilities
exactly, so a quote never lets a harmful trade through.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.economics.kernels import parameter_row, reservation_prices_barter, reservation_prices_money
from vmt.world.state import PAIR_AB, PAIR_AM, PAIR_BM
from vmt.world.tuples import triple
from vmt.world.valuation import real_holdings


def refresh_quotes(world, spread: float, pair_active: np.ndarray, only_stale: bool = True) -> None:
    """Recompute quotes of agents whose holdings changed (or of all agents)."""
    ag = world.agents
    mask = ag.quotes_stale if only_stale else np.ones(ag.n, dtype=np.bool_)
    _refresh(
        ag.family, ag.utility_params, ag.lambda_money, ag.inventory, world.units,
        float(spread), pair_active, mask, ag.ask, ag.bid,
    )
    ag.quotes_stale[:] = False


@njit(cache=True, parallel=True)
def _refresh(family, params, lam, inventory, units, spread, pair_active, mask, ask, bid):
    # Rows are read into scalars and tuples and written back element by
    # element, and the unit sizes and active pairs reach the per-agent call
    # as tuples (see vmt.world.tuples).
    unit, active = triple(units), triple(pair_active)
    for i in prange(family.shape[0]):
        if mask[i]:
            asks, bids = _quotes(family[i], parameter_row(params, i), lam[i], real_holdings(inventory, units, i),
                                 unit, spread, active)
            for k in range(3):
                ask[i, k], bid[i, k] = asks[k], bids[k]


@njit(cache=True)
def _quotes(code, p, lam, held, units, spread, pair_active):
    """One agent's (ask, bid) per exchange pair, as 3-tuples, from its real
    holdings (``units``, ``pair_active``: 3-tuples, see :func:`_refresh`)."""
    a, b, m = held
    ask_ab = ask_am = ask_bm = np.inf
    bid_ab = bid_am = bid_bm = 0.0
    if pair_active[PAIR_AB]:
        lo, hi = reservation_prices_barter(code, p, a, b, units[0], units[1])
        ask_ab, bid_ab = lo, min(hi, b / units[0])
    if pair_active[PAIR_AM]:
        lo, hi = reservation_prices_money(code, p, a, b, 0, units[0], lam)
        ask_am, bid_am = lo, min(hi, m / units[0])
    if pair_active[PAIR_BM]:
        lo, hi = reservation_prices_money(code, p, a, b, 1, units[1], lam)
        ask_bm, bid_bm = lo, min(hi, m / units[1])
    return (_widened_ask(ask_ab, spread), _widened_ask(ask_am, spread), _widened_ask(ask_bm, spread)), \
        (_narrowed_bid(bid_ab, spread), _narrowed_bid(bid_am, spread), _narrowed_bid(bid_bm, spread))


@njit(cache=True, inline="always")
def _widened_ask(ask, spread):
    return max(ask, 0.0) * (1.0 + spread)


@njit(cache=True, inline="always")
def _narrowed_bid(bid, spread):
    return max(bid, 0.0) * (1.0 - spread)

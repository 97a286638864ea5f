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

from vmt.economics.kernels import reservation_prices_barter, reservation_prices_money
from vmt.world.state import PAIR_AB, PAIR_AM, PAIR_BM


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
    for i in prange(family.shape[0]):
        if mask[i]:
            _quote_agent(family[i], params[i], lam[i], inventory[i], units, spread, pair_active, ask[i], bid[i])


@njit(cache=True)
def _quote_agent(code, p, lam, inv, units, spread, pair_active, ask, bid):
    a, b, m = inv[0] * units[0], inv[1] * units[1], inv[2] * units[2]
    ask[:] = np.inf
    bid[:] = 0.0
    if pair_active[PAIR_AB]:
        lo, hi = reservation_prices_barter(code, p, a, b, units[0], units[1])
        ask[PAIR_AB], bid[PAIR_AB] = lo, min(hi, b / units[0])
    if pair_active[PAIR_AM]:
        lo, hi = reservation_prices_money(code, p, a, b, 0, units[0], lam)
        ask[PAIR_AM], bid[PAIR_AM] = lo, min(hi, m / units[0])
    if pair_active[PAIR_BM]:
        lo, hi = reservation_prices_money(code, p, a, b, 1, units[1], lam)
        ask[PAIR_BM], bid[PAIR_BM] = lo, min(hi, m / units[1])
    for k in range(3):
        ask[k] = max(ask[k], 0.0) * (1.0 + spread)
        bid[k] = max(bid[k], 0.0) * (1.0 - spread)

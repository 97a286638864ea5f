"""Trader strategies for the order-driven mechanisms (``cda``, ``call``).

A strategy turns a trader's side and one-unit reservation prices (ask
``a``, bid ``b``, in ticks, rounded to the safe side) into a limit price
and a quantity:

* ``truthful`` -- limit at the reservation price (bid ``b``, ask ``a``);
* ``zi_c`` -- zero intelligence, *constrained* (Gode & Sunder 1993): a
  uniform random limit that never crosses the reservation price: buyers
  draw from ``[floor, b]``, sellers from ``[a, ceiling]``;
* ``zi_u`` -- zero intelligence, *unconstrained*: uniform on
  ``[floor, ceiling]`` whatever the trader's values, for one unit.

For ``truthful`` and ``zi_c`` the quantity is the trader's demand at its
own limit (every unit's marginal gain at the limit is >= 0), so any fill at
a price no worse than the limit, for at most that quantity, cannot lower
its utility. A ``zi_u`` order can; at a post on the grid the settlement
refuses such a fill (the order is rejected with the reason), while the
induced-value experiment (:mod:`vmt.markets.posts.experiments`) lets
ZI-U traders lose, as in the classic experiment.

A participant's side is the side of its demand at the post's reference
price; a participant that wants nothing there buys if its bid is closer to
the reference price than its ask (relative distance), else sells.

Reference: D. K. Gode and S. Sunder (1993), "Allocative efficiency of
markets with zero-intelligence traders", J. Political Economy 101(1).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numba import njit

from vmt.markets.posts.orders import BUY, SELL, Order
from vmt.protocols.search.market_aware import max_units, shifted_utility, unit_gain
from vmt.world.valuation import GAIN_TOLERANCE

#: name -> limits(sides, ask, bid, floor, ceiling, rng) -> limit ticks (0 = no order)
Strategy = Callable[..., np.ndarray]
_STRATEGIES: dict[str, tuple[Strategy, bool]] = {}


def register_strategy(name: str, respects_reservation: bool):
    def decorate(fn: Strategy) -> Strategy:
        _STRATEGIES[name] = (fn, respects_reservation)
        return fn

    return decorate


def strategy_names() -> list[str]:
    return sorted(_STRATEGIES)


def get_strategy(name: str) -> tuple[Strategy, bool]:
    try:
        return _STRATEGIES[name]
    except KeyError:
        raise ValueError(f"unknown trader strategy {name!r}; valid strategies: {', '.join(strategy_names())}") from None


def _uniform_ticks(lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integer draws uniform on [lo, hi] (0 where hi < lo)."""
    ok = hi >= lo
    draws = rng.integers(np.where(ok, lo, 0), np.where(ok, hi, 0) + 1)
    return np.where(ok, draws, 0)


@register_strategy("truthful", True)
def truthful(sides, ask, bid, floor, ceiling, rng):
    return np.where(sides == BUY, bid, ask)


@register_strategy("zi_c", True)
def zi_constrained(sides, ask, bid, floor, ceiling, rng):
    lo = np.where(sides == BUY, np.minimum(floor, bid), ask)
    hi = np.where(sides == BUY, bid, np.maximum(ceiling, ask))
    return _uniform_ticks(lo, hi, rng)


@register_strategy("zi_u", False)
def zi_unconstrained(sides, ask, bid, floor, ceiling, rng):
    return _uniform_ticks(np.full(sides.shape, floor), np.full(sides.shape, ceiling), rng)


#: The strategies VMT defines, by name (a plug-in may register others, or replace these).
BUILT_IN = {"truthful": truthful, "zi_c": zi_constrained, "zi_u": zi_unconstrained}


@njit(cache=True)
def _demand_signs(ids, family, params, lam, inventory, units, k, ticks, out):
    """The sign of each trader's demand at ``ticks`` (:meth:`PairMarket.demand`): +1 if one unit
    bought strictly raises its utility, else -1 if one unit sold does, else 0. A demand is positive
    exactly when its first unit is worth it (:func:`units_demanded`), so the sign needs no search."""
    for r in range(ids.shape[0]):
        i, out[r] = ids[r], 0
        base = shifted_utility(family[i], params[i], lam[i], inventory[i], units, 0, 0, 1, 0)
        tolerance = GAIN_TOLERANCE * (1.0 + abs(base))
        for side in (1, -1):
            if max_units(inventory[i], k, ticks, side) > 0 and \
                    unit_gain(family[i], params[i], lam[i], inventory[i], units, k, ticks, side, 1) > tolerance:
                out[r] = side
                break


def choose_sides(market, reference_ticks: int, ask: np.ndarray, bid: np.ndarray) -> np.ndarray:
    """+1 buy / -1 sell / 0 nothing for each participant (see the module docstring)."""
    ag, wanted = market.world.agents, np.empty(market.ids.size, dtype=np.int64)
    _demand_signs(market.ids, ag.family, ag.utility_params, ag.lambda_money, ag.inventory, market.world.units,
                  market.k, int(reference_ticks), wanted)
    return sides_from(wanted, ask, bid, reference_ticks)


def sides_from(wanted: np.ndarray, ask: np.ndarray, bid: np.ndarray, reference_ticks) -> np.ndarray:
    """The sides :func:`choose_sides` gives traders whose demand at the reference price (one for all,
    or one per trader) has the sign ``wanted`` and whose one-unit reservation prices are ``ask``, ``bid``."""
    closer_to_buying = np.log(np.maximum(bid, 1) / reference_ticks) > np.log(reference_ticks / np.maximum(ask, 1))
    fallback = np.where(closer_to_buying, BUY, SELL)
    sides = np.where(wanted != 0, wanted, fallback)
    can_buy, can_sell = bid >= 1, ask >= 1
    return np.where(((sides == BUY) & can_buy) | ((sides == SELL) & can_sell), sides, 0).astype(np.int64)


def strategy_limits(market, strategy: str, reference_ticks: int, floor: int,
                    ceiling: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """(sides, limits, respects_reservation) of every participant: side 0 or limit 0 means no order."""
    limits_of, respects = get_strategy(strategy)
    ask, bid = market.reservation_ticks()
    sides = choose_sides(market, reference_ticks, ask, bid)
    return sides, np.asarray(limits_of(sides, ask, bid, floor, ceiling, market.rng), dtype=np.int64), respects


def strategy_arrays(market, strategy: str, reference_ticks: int, floor: int,
                    ceiling: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(agents, sides, quantities, limits) of one order per participant that has a side, in
    participant (id) order: :func:`strategy_orders` as arrays. A strategy that respects the
    reservation price orders its demand at its own limit (at least one unit), the others one unit."""
    sides, limits, respects = strategy_limits(market, strategy, reference_ticks, floor, ceiling)
    quantity = np.maximum(market.units_at(limits, sides), 1) if respects else np.ones(sides.size, dtype=np.int64)
    keep = (sides != 0) & (limits > 0)
    return market.ids[keep], sides[keep], quantity[keep].astype(np.int64), limits[keep]


def strategy_orders(market, strategy: str, reference_ticks: int, floor: int, ceiling: int) -> list[Order]:
    """One order per participant that has a side, in participant (id) order."""
    agents, sides, quantities, limits = strategy_arrays(market, strategy, reference_ticks, floor, ceiling)
    return [Order(agent, side, quantity, limit, extra={"strategy": strategy})
            for agent, side, quantity, limit in zip(agents.tolist(), sides.tolist(), quantities.tolist(),
                                                     limits.tolist())]

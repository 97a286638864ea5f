"""One exchange pair at one post for one tick: who trades, what they want, settlement.

A mechanism sees the participants only through :class:`PairMarket`:

* what they want -- :meth:`PairMarket.demand` (discrete demand at a price,
  the same kernel the ``market_aware`` search values posts with) and
  :meth:`PairMarket.reservation_ticks` (one-unit reservation prices from
  the economics kernels, rounded to the safe side of the tick grid);
* orders -- :meth:`PairMarket.submit` checks an order
  (:func:`~vmt.markets.posts.orders.rejection_reason`) and records it;
* settlement -- :meth:`PairMarket.fill` moves ``q1`` minor units of the
  first good from seller to buyer and ``q2`` of the second good back,
  at once, after checking that both sides can deliver and that neither
  side's utility falls (``trade_gain >= 0``). A refused fill changes
  nothing and returns the reason. A compiled clearing applies the same
  rules fill by fill itself, moves the holdings, and hands its fills and
  orders over in bulk (:meth:`PairMarket.record_fills`,
  :meth:`PairMarket.record_orders`).

The counterparty ``MAKER`` (-1) is the post's own market maker (dealer,
LMSR), whose goods sit in a :class:`MakerAccount`, not in any agent's
inventory; it may not go short of goods or money.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.economics.kernels import reservation_prices_barter, reservation_prices_money
from vmt.markets.posts.compiled_stream import compilable_seed, numpy_state, seeded_stream, stream_permutation
from vmt.markets.posts.orders import (BUYER_SHORT, LOWERS_UTILITY, REFUSALS, REJECTED, SELLER_SHORT, Order,
                                      OrderLog, rejection_reason)
from vmt.markets.posts.state import PAIR_LABELS
from vmt.markets.posts.trade_rows import Q1, Q2, TradeRows
from vmt.protocols.gains import pair_goods
from vmt.protocols.search.market_aware import best_trade, max_units, units_demanded
from vmt.world.state import GOOD_M, PAIRS
from vmt.world.valuation import trade_gain

MAKER = -1


@njit(cache=True)
def _demand_loop(ids, family, params, lam, inventory, units, k, ticks, out):
    for r in range(ids.shape[0]):
        i = ids[r]
        out[r] = best_trade(family[i], params[i], lam[i], inventory[i], units, k, ticks[r])[0]


@njit(cache=True)
def demand_at(ids, family, params, lam, inventory, units, k, price, out):
    """Each participant's signed discrete demand at one ``price`` (ticks) into ``out``;
    returns (excess demand ``z``, gross volume asked ``V``, tradeable volume ``min(D, S)``)."""
    bought = sold = 0
    for r in range(ids.shape[0]):
        i = ids[r]
        q = best_trade(family[i], params[i], lam[i], inventory[i], units, k, price)[0]
        out[r] = q
        if q > 0:
            bought += q
        else:
            sold -= q
    return bought - sold, bought + sold, min(bought, sold)


@njit(cache=True, parallel=True)
def demand_many(ids, start, family, params, lam, inventory, units, k, price, out):
    """:func:`demand_at` for many sessions (``ids[start[s]:start[s + 1]]`` at ``price[s]``), in parallel."""
    for s in prange(start.shape[0] - 1):
        a, b = start[s], start[s + 1]
        demand_at(ids[a:b], family, params, lam, inventory, units, k, price[s], out[a:b])


@njit(cache=True)
def _units_loop(ids, family, params, lam, inventory, units, k, ticks, sides, strict, out):
    for r in range(ids.shape[0]):
        i, side = ids[r], sides[r]
        if side == 0:
            continue
        cap = max_units(inventory[i], k, ticks[r], side)
        out[r] = units_demanded(family[i], params[i], lam[i], inventory[i], units, k, ticks[r], side, cap, strict)


@njit(cache=True)
def _units_one(code, params, lam, inventory_row, units, k, ticks, side, strict):
    return units_demanded(code, params, lam, inventory_row, units, k, ticks, side,
                          max_units(inventory_row, k, ticks, side), strict)


@njit(cache=True)
def _reservation_loop(ids, family, params, lam, inventory, units, k, tick_size, ask_ticks, bid_ticks):
    """One-unit reservation prices on the tick grid, each rounded to its safe side:
    the ask up (at least one tick; -1 if the agent has nothing to sell at any
    finite price), the bid down and capped by the money (second good) held."""
    g1, g2 = pair_goods(k)
    for r in range(ids.shape[0]):
        i = ids[r]
        a, b = inventory[i, 0] * units[0], inventory[i, 1] * units[1]
        if g2 == GOOD_M:
            ask, bid = reservation_prices_money(family[i], params[i], a, b, g1, units[g1], lam[i])
        else:
            ask, bid = reservation_prices_barter(family[i], params[i], a, b, units[0], units[1])
        ask_ticks[r] = max(1, int(np.ceil(max(ask, 0.0) / tick_size))) if np.isfinite(ask) else -1
        bid_ticks[r] = min(np.floor(max(bid, 0.0) / tick_size), inventory[i, g2])


@njit(cache=True)
def gain_after(code, params, lam, inventory_row, units, first, second, traded_first, traded_second,
                good_in, qty_in, good_out, qty_out):
    """:meth:`PairMarket.gain` in one compiled call: real holdings after the assumed
    trade (``traded``, minor units of the pair's first and second good), then the gain."""
    held = np.empty(3)
    for g in range(3):
        held[g] = inventory_row[g]
    held[first] += traded_first
    held[second] += traded_second
    for g in range(3):
        held[g] *= units[g]
    return trade_gain(code, params, lam, held, good_in, qty_in * units[good_in], good_out, qty_out * units[good_out])


def _per_trader(value, ids: np.ndarray) -> np.ndarray:
    """``value`` (one for all, or one per trader) as an int64 array over ``ids`` (read only)."""
    if isinstance(value, np.ndarray) and value.dtype == np.int64 and value.shape == ids.shape:
        return value
    if np.ndim(value) == 0:
        return np.full(ids.shape, value, dtype=np.int64)
    return np.broadcast_to(np.asarray(value, dtype=np.int64), ids.shape).copy()


class SeededStream:
    """A ``numpy.random.Generator`` seeded with ``seed``, made on first use.

    A clearing's random stream is a pure function of (run seed, tick, post,
    pair); most one-price clearings never draw from it (only rationing ties
    do), and seeding a generator costs more than clearing a small post. A
    permutation, the one draw most clearings make (a market maker's queue, a
    continuous auction's arrivals, a rationing tie-break), is drawn by
    compiled code from the same stream (:mod:`.compiled_stream`); a
    generator made after it continues from where it left off.
    """

    def __init__(self, seed) -> None:
        self.seed, self._generator = seed, None  # compiled clearings seed the same stream from it
        self._words = None  # the compiled stream's state, once it has drawn

    def permutation(self, x):
        """``Generator.permutation(x)``; compiled for a whole number ``x`` until a generator exists."""
        if self._generator is not None or not isinstance(x, (int, np.integer)) or not compilable_seed(self.seed):
            return self._numpy().permutation(x)
        if self._words is None:
            self._words = seeded_stream(self.seed)
        return stream_permutation(self._words, int(x))

    def _numpy(self) -> np.random.Generator:
        if self._generator is None:
            self._generator = np.random.default_rng(self.seed)
            if self._words is not None:
                self._generator.bit_generator.state = numpy_state(self._words)
        return self._generator

    def __getattr__(self, name):
        return getattr(self._numpy(), name)


class MakerAccount:
    """Goods and money held by a post's market maker (minor units of A, B, M)."""

    def __init__(self, holdings=(0, 0, 0)) -> None:
        self.holdings = np.asarray(holdings, dtype=np.int64).copy()


class PairMarket:
    """Participants ``ids`` (sorted agent ids) trading pair ``k`` at post ``j`` this tick."""

    def __init__(self, world, posts, j: int, k: int, ids: np.ndarray, tick: int, rng: np.random.Generator,
                 orders: OrderLog, trades: TradeRows, maker: MakerAccount | None = None) -> None:
        self.world, self.posts, self.j, self.k = world, posts, j, k
        self.ids = np.asarray(ids, dtype=np.int64)
        self.tick, self.rng = tick, rng
        self.first, self.second = PAIRS[k]
        self.tick_size = float(posts.tick_size[k])
        self.market_id = int(posts.market_id[j])
        self.maker = maker
        self._orders, self._trades = orders, trades
        self.submitted: list[Order] = []
        self.volume = 0  # minor units of the first good traded
        self.value = 0  # minor units of the second good paid
        self.fills = 0

    # ------------------------------------------------------------ wants
    @property
    def label(self) -> str:
        return PAIR_LABELS[self.k]

    @property
    def is_money_pair(self) -> bool:
        return self.second == GOOD_M

    def agent_arrays(self):
        """(family, utility parameters, lambda, inventory, units): what the demand kernels read."""
        ag = self.world.agents
        return ag.family, ag.utility_params, ag.lambda_money, ag.inventory, self.world.units

    def demand(self, ticks) -> np.ndarray:
        """Signed discrete demand (minor units of the first good) of each participant at ``ticks``."""
        out = np.zeros(self.ids.size, dtype=np.int64)
        if np.ndim(ticks) == 0:
            demand_at(self.ids, *self.agent_arrays(), self.k, int(ticks), out)
        else:
            _demand_loop(self.ids, *self.agent_arrays(), self.k, _per_trader(ticks, self.ids), out)
        return out

    def units_at(self, ticks, side, strict: bool = False, ids=None) -> np.ndarray:
        """Units each trader (default: all participants) would trade on ``side`` at its ``ticks``.

        ``side`` is one for all (+1 buy, -1 sell) or one per trader (0: none,
        0 units). ``strict=False`` accepts a marginal unit that leaves it
        indifferent, as at a reservation price.
        """
        ids = self.ids if ids is None else np.asarray(ids, dtype=np.int64)
        out = np.zeros(ids.size, dtype=np.int64)
        _units_loop(ids, *self.agent_arrays(), self.k, _per_trader(ticks, ids), _per_trader(side, ids), strict, out)
        return out

    def units_of(self, agent: int, ticks: int, side: int, strict: bool = False) -> int:
        """:meth:`units_at` for one trader (one compiled call, no arrays)."""
        ag = self.world.agents
        return int(_units_one(ag.family[agent], ag.utility_params[agent], ag.lambda_money[agent], ag.inventory[agent],
                              self.world.units, self.k, int(ticks), int(side), bool(strict)))

    def reservation_ticks(self) -> tuple[np.ndarray, np.ndarray]:
        """(ask, bid) ticks for one unit, rounded to the safe side; ask -1 if nothing to sell, bid 0 if no bid."""
        ask, bid = np.empty(self.ids.size, dtype=np.int64), np.empty(self.ids.size, dtype=np.int64)
        _reservation_loop(self.ids, *self.agent_arrays(), self.k, self.tick_size, ask, bid)
        return ask, bid


    def holdings(self, agent: int) -> tuple[int, int]:
        """(first good, second good) held in minor units (the maker's for ``MAKER``)."""
        inv = self.maker.holdings if agent == MAKER else self.world.agents.inventory[agent]
        return int(inv[self.first]), int(inv[self.second])

    # ----------------------------------------------------------- orders
    def submit(self, order: Order) -> bool:
        """Check ``order`` and record it; False (and status ``rejected``) if it is bad."""
        order.seq = len(self.submitted)
        self.submitted.append(order)
        reason = rejection_reason(order, *self.holdings(order.agent))
        if reason is not None:
            order.status, order.reason = REJECTED, reason
            return False
        return True

    def close(self, reason_if_short: str = "not matched") -> None:
        """Finalise every order's status and write them to the tick's order log."""
        for order in self.submitted:
            order.finish(reason_if_short)
            self._orders.add(self.market_id, self.label, order, self.world.units[self.first], self.tick_size)

    # ------------------------------------------------------- settlement
    def fill(self, buyer: int, seller: int, q1: int, q2: int) -> str | None:
        """Move ``q1`` of the first good to ``buyer`` and ``q2`` of the second to ``seller``.

        Returns None when done, or why it was refused (nothing moves then).
        """
        if q1 <= 0 or q2 < 0:
            return f"fill of {q1} units for {q2} is not a trade"
        reason = self._deliverable(buyer, seller, q1, q2) or self._rational(buyer, seller, q1, q2)
        if reason is not None:
            return reason
        self._move(buyer, self.first, q1)
        self._move(seller, self.first, -q1)
        self._move(buyer, self.second, -q2)
        self._move(seller, self.second, q2)
        x, y = self._where(buyer, seller)
        self._trades.add(buyer, seller, self.k, q1, q2, self.market_id, x, y, self.world.units)
        self.volume += q1
        self.value += q2
        self.fills += 1
        return None

    def record_fills(self, fills: np.ndarray) -> None:
        """Fills a compiled clearing made (:data:`~vmt.markets.posts.trade_rows.FILL_FIELDS` rows, in
        order), each checked against :meth:`fill`'s rules on the holdings as they moved, the holdings
        already moved and the traders' quotes marked stale: their trade rows (one block) and the
        session's totals, as :meth:`fill` leaves them."""
        self._trades.add_block(fills, self.k, self.market_id, self.world.units)
        self.volume += int(fills[:, Q1].sum())
        self.value += int(fills[:, Q2].sum())
        self.fills += fills.shape[0]

    def record_orders(self, agents: np.ndarray, orders: np.ndarray, reason_if_short: str) -> None:
        """The orders of a compiled clearing, as :meth:`close` writes them: ``orders`` holds one
        :data:`~vmt.markets.posts.orders.ORDER_FIELDS` row per trader in ``agents`` (status -1: none)."""
        self._orders.add_block(self.market_id, self.label, agents, orders, self.world.units[self.first],
                               self.tick_size, reason_if_short)

    def _where(self, buyer: int, seller: int) -> tuple[int, int]:
        """The buyer's cell (the seller's when the maker buys)."""
        ag = self.world.agents
        for agent in (buyer, seller):
            if agent != MAKER:
                return int(ag.x[agent]), int(ag.y[agent])
        return int(self.posts.x[self.j]), int(self.posts.y[self.j])

    def _deliverable(self, buyer, seller, q1, q2) -> str | None:
        if self.holdings(seller)[0] < q1:
            return REFUSALS[SELLER_SHORT](seller, q1)
        if self.holdings(buyer)[1] < q2:
            return REFUSALS[BUYER_SHORT](buyer, q2)
        return None

    def _rational(self, buyer, seller, q1, q2) -> str | None:
        for agent, good_in, qty_in, good_out, qty_out in (
                (buyer, self.first, q1, self.second, q2), (seller, self.second, q2, self.first, q1)):
            if agent != MAKER and self.gain(agent, good_in, qty_in, good_out, qty_out) < 0.0:
                return REFUSALS[LOWERS_UTILITY](agent, None)
        return None

    def gain(self, agent: int, good_in: int, qty_in: int, good_out: int, qty_out: int,
             traded: tuple[float, float] = (0, 0)) -> float:
        """Utility change of ``agent`` receiving ``qty_in`` of ``good_in`` for ``qty_out`` of ``good_out``.

        ``traded`` (minor units of the first and second good, signed) is a
        trade assumed made before this one: the gain of a marginal unit after
        part of an order has been filled.
        """
        ag = self.world.agents
        return gain_after(ag.family[agent], ag.utility_params[agent], ag.lambda_money[agent], ag.inventory[agent],
                           self.world.units, self.first, self.second, float(traded[0]), float(traded[1]),
                           good_in, float(qty_in), good_out, float(qty_out))

    def _move(self, agent: int, good: int, amount: int) -> None:
        if agent == MAKER:
            self.maker.holdings[good] += amount
        else:
            self.world.agents.inventory[agent, good] += amount
            self.world.agents.quotes_stale[agent] = True

    def vwap_ticks(self) -> float:
        """Volume-weighted average price of this session's fills, in ticks (NaN if none)."""
        return self.value / self.volume if self.volume else float("nan")


__all__ = ["MAKER", "MakerAccount", "PairMarket", "SeededStream", "TradeRows"]

"""The classic induced-value double-auction experiment, on the post's own CDA machinery.

Smith (1962) and Gode & Sunder (1993) induce demand and supply: each buyer
may buy up to ``units`` units and values its ``u``-th unit at ``v_u``
(falling in ``u``); each seller may sell up to ``units`` units that cost
it ``c_u`` (rising). A trader's profit is value minus price (buyer) or price
minus cost (seller), so the competitive equilibrium is where the step
demand and supply curves cross.

One *period*: ``steps`` arrivals; at each, a trader with units left is
drawn at random (seeded), withdraws its resting order if any and sends a
new one for its next unit, with the limit price its strategy draws
(:mod:`vmt.markets.posts.strategies`: ``truthful`` at value/cost; ``zi_c``
uniform on ``[floor, v]`` / ``[c, ceiling]``; ``zi_u`` uniform on
``[floor, ceiling]``, the budget constraint ignored). The order goes to the
same :class:`~vmt.markets.posts.orderbook.OrderBook` the ``cda`` post
uses: price-time priority, trade at the resting order's price.

Measures, per period:

* allocative efficiency = realised surplus / maximum surplus, with realised
  surplus ``sum(values of units bought) - sum(costs of units sold)`` and the
  maximum from pairing the highest values with the lowest costs while
  ``v > c``;
* Smith's coefficient of convergence ``alpha = 100 sqrt(mean (p - p*)^2) / p*``
  over the period's trade prices, ``p*`` the midpoint of the competitive
  price range.

Default design (``docs/market_posts.md``): 6 buyers and 6 sellers, 3 units
each; values drawn i.i.d. uniform on whole numbers in ``[51, 200]``, costs
in ``[1, 150]`` (a buyer's values sorted falling, a seller's costs rising),
so most but not all units are worth trading; limit prices bounded by
``[1, 200]`` (Gode and Sunder's range); 600 arrivals per period; one period
per seed.

:func:`grid_efficiency` measures the same efficiency for a run on the grid
whose agents have separable concave utility in A and quasilinear money
(e.g. ``cda_induced_values.yaml``): the maximum is found by giving each
unit of A to the highest marginal value (greedy is optimal for concave
utilities), the realised surplus is the sum of utility changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmt.economics import vectorized as V
from vmt.markets.posts.orderbook import OrderBook
from vmt.markets.posts.orders import BUY, SELL, Order
from vmt.markets.posts.strategies import get_strategy
from vmt.world.valuation import utilities


@dataclass(frozen=True)
class InducedMarket:
    """Unit values (buyers x units, falling) and unit costs (sellers x units, rising)."""

    values: np.ndarray
    costs: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, buyers: int = 6, sellers: int = 6, units: int = 3,
             value_range: tuple[int, int] = (51, 200), cost_range: tuple[int, int] = (1, 150)) -> "InducedMarket":
        """Values and costs i.i.d. uniform on whole numbers in their ranges (inclusive)."""
        values = -np.sort(-rng.integers(value_range[0], value_range[1] + 1, size=(buyers, units)), axis=1)
        costs = np.sort(rng.integers(cost_range[0], cost_range[1] + 1, size=(sellers, units)), axis=1)
        return cls(values, costs)

    def max_surplus(self) -> int:
        """Largest total surplus: highest values matched with lowest costs while v > c."""
        values, costs = -np.sort(-self.values.ravel()), np.sort(self.costs.ravel())
        n = min(values.size, costs.size)
        gains = values[:n] - costs[:n]
        return int(gains[gains > 0].sum())

    def equilibrium_price(self) -> float:
        """Midpoint of the competitive price range where the step curves cross."""
        values, costs = -np.sort(-self.values.ravel()), np.sort(self.costs.ravel())
        n = min(values.size, costs.size)
        q = int(np.sum(values[:n] > costs[:n]))
        if q == 0:
            return float("nan")
        lo = max(costs[q - 1], values[q] if q < values.size else costs[q - 1])
        hi = min(values[q - 1], costs[q] if q < costs.size else values[q - 1])
        return 0.5 * (lo + hi)


@dataclass
class PeriodResult:
    prices: list[int]
    surplus: int
    max_surplus: int
    equilibrium_price: float

    @property
    def efficiency(self) -> float:
        return self.surplus / self.max_surplus if self.max_surplus > 0 else float("nan")

    @property
    def smith_alpha(self) -> float:
        if not self.prices:
            return float("nan")
        deviations = np.asarray(self.prices, dtype=float) - self.equilibrium_price
        return 100.0 * float(np.sqrt(np.mean(deviations ** 2))) / self.equilibrium_price


class _Traders:
    """Units traded so far per buyer and seller, and the surplus realised."""

    def __init__(self, market: InducedMarket) -> None:
        self.market = market
        self.bought = np.zeros(market.values.shape[0], dtype=np.int64)
        self.sold = np.zeros(market.costs.shape[0], dtype=np.int64)
        self.surplus, self.prices = 0, []

    def settle(self, buyer: int, seller: int, units: int, price: int) -> None:
        for _ in range(units):
            self.surplus += int(self.market.values[buyer, self.bought[buyer]] - self.market.costs[seller, self.sold[seller]])
            self.bought[buyer] += 1
            self.sold[seller] += 1
            self.prices.append(price)
        return None


def run_period(market: InducedMarket, strategy: str, rng: np.random.Generator, steps: int = 600,
               floor: int = 1, ceiling: int = 200) -> PeriodResult:
    """One trading period of the continuous double auction (see the module docstring)."""
    limit_of, _ = get_strategy(strategy)
    traders, book = _Traders(market), OrderBook()
    n_buyers, units = market.values.shape
    for _ in range(steps):
        active = np.concatenate([np.flatnonzero(traders.bought < units),
                                 n_buyers + np.flatnonzero(traders.sold < market.costs.shape[1])])
        if active.size == 0:
            break
        who = int(active[rng.integers(active.size)])
        book.cancel(who)
        book.submit(_next_order(market, traders, who, n_buyers, limit_of, rng, floor, ceiling),
                    lambda b, s, q, p: traders.settle(b, s - n_buyers, q, p))
    return PeriodResult(traders.prices, traders.surplus, market.max_surplus(), market.equilibrium_price())


def _next_order(market, traders, who, n_buyers, limit_of, rng, floor, ceiling) -> Order:
    side = BUY if who < n_buyers else SELL
    trader = who if side == BUY else who - n_buyers
    value = market.values[trader, traders.bought[trader]] if side == BUY else 0
    cost = market.costs[trader, traders.sold[trader]] if side == SELL else 0
    limit = limit_of(np.array([side]), np.array([cost]), np.array([value]), floor, ceiling, rng)
    return Order(who, side, 1, int(limit[0]))


def induced_value_experiment(strategy: str, seeds=range(20), steps: int = 600, price_range=(1, 200),
                             **design) -> list[PeriodResult]:
    """One period per seed; ``design`` goes to :meth:`InducedMarket.draw`."""
    results = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        market = InducedMarket.draw(rng, **design)
        results.append(run_period(market, strategy, rng, steps, *price_range))
    return results


def grid_efficiency(sim, good: int = 0) -> float:
    """Realised / maximum gains from trade in ``good`` for a run with separable concave utility.

    Gains are utility changes of the agents (quasilinear money, lambda per
    agent); the maximum reallocates the agents' total initial holding of
    ``good`` (minor units) greedily to the highest marginal utilities,
    holding every other good at its initial level.
    """
    world = sim.world
    initial = sim.initial_inventory
    start = _utility_at(world, initial)
    realised = float(np.sum(utilities(world) - start))
    best = _best_allocation_utility(world, initial, good)
    possible = best - float(np.sum(start))
    return realised / possible if possible > 0 else float("nan")


def _utility_at(world, inventory: np.ndarray) -> np.ndarray:
    """``u(A, B) + lambda M`` of every agent at ``inventory`` (minor units)."""
    ag, held = world.agents, inventory * world.units
    return V.utility(ag.family, ag.utility_params, held[:, 0], held[:, 1]) + ag.lambda_money * held[:, 2]


def _best_allocation_utility(world, initial: np.ndarray, good: int) -> float:
    """Total utility when the agents' units of ``good`` go to the highest marginal utilities."""
    held = initial.copy()
    total = int(held[:, good].sum())
    held[:, good] = 0
    current = _utility_at(world, held)
    for _ in range(total):
        trial = held.copy()
        trial[:, good] += 1
        gain = _utility_at(world, trial) - current
        i = int(np.argmax(gain))
        held[i, good] += 1
        current[i] += gain[i]
    return float(current.sum())

"""Resource market: compute cores traded each tick in a uniform-price call auction.

Model
-----
Every worker owns the same number of cores ``e`` (total ``C = N e``, fixed:
cores are neither created nor destroyed). Each tick worker ``i`` needs
``n_it ~ U{0..max_need}`` cores and values each core it uses at
``v_it ~ U(value_low, value_high)`` (money per core-tick: the value of the
task work the core does this tick; an unused core is worth nothing, it
cannot be stored).

* Baseline (market off): fixed equal allocation; worker ``i`` uses
  ``min(n_it, e)`` cores.
* Market (on): every core a worker owns is offered, idle ones at ask 0 and
  used ones at its value ``v_it``; every core it needs beyond its endowment
  is bid at ``v_it``, but only as many as its budget pays for at that bid.
  :func:`~vmt.mechanisms.call_auction.uniform_price_call` clears them at one
  price; a worker that buys back its own core is netted. The price rises
  with excess demand (more high bids meet the same asks) and falls to the
  low end when cores are abundant. Buyers pay the price per core to sellers
  through the ledger, so budgets never go negative and money is conserved.

Measured: value of the work done per tick, core utilisation, mean price and
the correlation of the price with excess demand ``sum n_it - C``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmt.mechanisms.call_auction import uniform_price_call
from vmt.task_economy.accounts import (close, market_rng, money_conserved, require, worker_balances,
                                       worker_ledger)
from vmt.task_economy.coordination_config import CoordinationConfig, ResourceParams


@dataclass(frozen=True)
class ResourceDemand:
    """Per-tick needs ``need[t, i]`` (cores) and values ``value[t, i]`` (money per core-tick)."""

    need: np.ndarray
    value: np.ndarray


def draw_demand(params: ResourceParams, workers: int, ticks: int, rng: np.random.Generator) -> ResourceDemand:
    """Needs and per-core values of every worker and tick."""
    need = rng.integers(0, params.max_need + 1, size=(ticks, workers))
    value = rng.uniform(params.value_per_core_low, params.value_per_core_high, size=(ticks, workers))
    return ResourceDemand(need, value)


def unit_orders(endowment: np.ndarray, need: np.ndarray, value: np.ndarray,
                budget: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unit bids and asks of one tick: ``(bid prices, bidder, ask prices, seller)``."""
    used = np.minimum(need, endowment)
    affordable = np.floor(budget / value * (1 - 1e-12)).astype(np.int64)
    wanted = np.minimum(need - used, affordable)
    bidder = np.repeat(np.arange(len(need)), wanted)
    seller = np.repeat(np.arange(len(need)), endowment)
    owned_rank = np.concatenate([np.arange(e) for e in endowment]) if len(endowment) else np.zeros(0)
    ask = np.where(owned_rank < used[seller], value[seller], 0.0)
    return value[bidder], bidder, ask, seller


def clear_tick(endowment, need, value, budget) -> tuple[np.ndarray, np.ndarray, float]:
    """Cores held after trade, money paid per worker (negative: received), clearing price."""
    bids, bidder, asks, seller = unit_orders(endowment, need, value, budget)
    outcome = uniform_price_call(bids, asks)
    held = endowment.astype(np.int64).copy()
    paid = np.zeros(len(endowment))
    if outcome.volume:
        np.add.at(held, bidder[outcome.buying_bids], 1)
        np.subtract.at(held, seller[outcome.selling_asks], 1)
        np.add.at(paid, bidder[outcome.buying_bids], outcome.price)
        np.subtract.at(paid, seller[outcome.selling_asks], outcome.price)
    return held, paid, outcome.price


def settle_payments(ledger, paid: np.ndarray) -> None:
    """Net buyers pay the exchange, which pays net sellers (a worker's own trades net out)."""
    for i in np.flatnonzero(paid > 0):
        ledger.transfer(int(i), "exchange", float(paid[i]), memo="cores bought")
    sellers = np.flatnonzero(paid < 0)
    for k, i in enumerate(sellers):  # round-off between the two sides' float sums goes to the last seller
        if k == len(sellers) - 1 or not ledger.can_afford("exchange", float(-paid[i])):
            ledger.transfer_all("exchange", int(i), memo="cores sold (exchange clears)")
        else:
            ledger.transfer("exchange", int(i), float(-paid[i]), memo="cores sold")


def run_resources(config: CoordinationConfig, seed: int, checked: bool = False) -> dict[str, float]:
    """One run of the resource economy (market on or off by ``config``); returns its measures."""
    params = config.markets.resources
    demand = draw_demand(params, config.workers, config.ticks, market_rng(seed, "resources"))
    endowment = np.full(config.workers, params.cores_per_worker, dtype=np.int64)
    ledger = worker_ledger(config.workers, params.initial_budget, exchange=0.0)
    value_done, used, prices, excess = [], [], [], []
    for t in range(config.ticks):
        need, value = demand.need[t], demand.value[t]
        held, price = endowment, float("nan")
        if params.enabled:
            held, paid, price = clear_tick(endowment, need, value, worker_balances(ledger, config.workers))
            _check_trades(paid, held, endowment, need, value, price, checked, t)
            settle_payments(ledger, paid)
        if checked:
            require(int(held.sum()) == int(endowment.sum()) and held.min() >= 0, "cores conserved", t)
            require(money_conserved(ledger) and ledger.balance("exchange") == 0, "money conserved", t)
        value_done.append(float((np.minimum(need, held) * value).sum()))
        used.append(int(np.minimum(need, held).sum()))
        prices.append(price)
        excess.append(int(need.sum() - endowment.sum()))
    return _measures(value_done, used, prices, excess, int(endowment.sum()))


def _check_trades(paid, held, endowment, need, value, price, checked: bool, t: int) -> None:
    """Individual rationality: a buyer's value covers the price, a seller's is at most the price."""
    if not checked or np.isnan(price):
        return
    bought, sold = held > endowment, held < endowment
    require(bool(np.all(value[bought] >= price - 1e-12)), "every buyer values a core at least at the price", t)
    used_sold = sold & (held < np.minimum(need, endowment))
    require(bool(np.all(value[used_sold] <= price + 1e-12)), "no seller gives up a core worth more", t)
    require(close(float(paid.sum()), 0.0), "payments balance", t)


def _measures(value_done, used, prices, excess, cores: int) -> dict[str, float]:
    prices, excess = np.asarray(prices), np.asarray(excess, dtype=float)
    traded = ~np.isnan(prices)
    correlation = float("nan")
    if traded.sum() > 2 and np.ptp(prices[traded]) > 0 and np.ptp(excess[traded]) > 0:
        correlation = float(np.corrcoef(prices[traded], excess[traded])[0, 1])
    return {"value_per_tick": float(np.mean(value_done)),
            "core_utilisation": float(np.mean(used)) / cores,
            "mean_price": float(np.nanmean(prices)) if traded.any() else float("nan"),
            "price_excess_demand_correlation": correlation}

"""Harberger-taxed ownership of modules: modules move to those who value them most.

Model
-----
Every module has an owner (drawn at random, the same in both arms). Worker
``i`` values owning module ``m`` at ``v_im``, drawn ``U(value_low,
value_high)`` and drifting each tick by a log-normal shock (s.d.
``value_drift``): interests change as work moves around. Every worker earns
``income_per_tick`` from a requester account (a documented source of money).

* Harberger ownership (on), through :class:`~vmt.mechanisms.HarbergerRegistry`:
  each tick owners self-assess at their current value (truthful assessment,
  which is optimal when the tax rate equals the turnover rate; we assume it
  rather than solve each owner's problem), then every module is offered to
  the highest-value other worker, who buys it at the assessment if its value
  is higher and it can pay (a forced sale; the buyer assesses at its value).
  Then every owner pays ``tax_rate * assessment``; an owner who cannot pay
  first lowers its assessments to what it can pay for. The treasury buys a
  test suite (a public good, cost ``suite_cost``) whenever it can.
* Static ownership (off, the baseline): the first owners keep their modules;
  no tax, no sales.

Measured: allocative efficiency (the sum of the owners' values over the sum
of the highest values, averaged over ticks), sales and tax revenue per tick
and the test suites the revenue funds.
"""

from __future__ import annotations

import numpy as np

from vmt.mechanisms import HarbergerRegistry
from vmt.task_economy.accounts import market_rng, money_conserved, require, worker_ledger
from vmt.task_economy.coordination_config import CoordinationConfig, OwnershipParams

REQUESTER_FUNDS = 1e7


def draw_values(config: CoordinationConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Values ``v[t, i, m]`` along the run and the first owner of every module."""
    params, rng = config.markets.ownership, market_rng(seed, "ownership")
    n, m = config.workers, config.markets.coupling.modules
    start = rng.uniform(params.value_low, params.value_high, size=(n, m))
    shocks = rng.normal(0.0, params.value_drift, size=(config.ticks, n, m))
    shocks[0] = 0.0
    return start * np.exp(np.cumsum(shocks, axis=0)), rng.integers(n, size=m)


def forced_sales(registry: HarbergerRegistry, values: np.ndarray, checked: bool, t: int) -> int:
    """Offer every module to the highest-value other worker; returns the number of sales."""
    sales = 0
    for m in range(values.shape[1]):
        holding = registry.holding(m)
        others = values[:, m].copy()
        others[holding.owner] = -np.inf
        buyer = int(np.argmax(others))
        price = holding.assessed_value
        if others[buyer] > price and registry.ledger.can_afford(buyer, price):
            registry.buy(m, buyer, float(others[buyer]), float(others[buyer]))
            sales += 1
            if checked:
                require(values[buyer, m] >= price, "a buyer values the module at least at the price", t)
    return sales


def assess_and_tax(registry: HarbergerRegistry, values: np.ndarray, owners: list[int]) -> float:
    """Owners assess at their values (capped by what they can pay tax on), then pay the tax."""
    for m, owner in enumerate(owners):
        registry.reassess(m, owner, float(values[owner, m]))
    for owner, due in registry.tax_due().items():
        budget = registry.ledger.balance(owner)
        if due > budget:
            scale = budget / due * (1 - 1e-12)
            for m in (m for m, o in enumerate(owners) if o == owner):
                registry.reassess(m, owner, registry.holding(m).assessed_value * scale)
    return float(sum(registry.collect_tax().values()))


def run_ownership(config: CoordinationConfig, seed: int, checked: bool = False) -> dict[str, float]:
    """One run of module ownership (Harberger on or off by ``config``); returns its measures."""
    params = config.markets.ownership
    values, first_owner = draw_values(config, seed)
    ledger = worker_ledger(config.workers, params.initial_budget, requester=REQUESTER_FUNDS, builder=0.0)
    registry = HarbergerRegistry(ledger, params.tax_rate)
    for m, owner in enumerate(first_owner):
        registry.register(m, int(owner), float(values[0, owner, m]))
    efficiency, sales, revenue, suites = [], 0, 0.0, 0
    for t in range(config.ticks):
        for i in range(config.workers):
            ledger.transfer("requester", i, params.income_per_tick, memo="wage")
        if params.enabled:
            sales += forced_sales(registry, values[t], checked, t)
            revenue += assess_and_tax(registry, values[t], _owners(registry, values.shape[2]))
            suites += _buy_suites(ledger, registry.treasury, params)
        owners = _owners(registry, values.shape[2])
        efficiency.append(values[t, owners, range(len(owners))].sum() / values[t].max(axis=0).sum())
        if checked:
            require(money_conserved(ledger), "money conserved", t)
    return {"allocative_efficiency": float(np.mean(efficiency)), "sales_per_tick": sales / config.ticks,
            "tax_revenue_per_tick": revenue / config.ticks, "suites_funded": float(suites)}


def _owners(registry: HarbergerRegistry, modules: int) -> list[int]:
    return [int(registry.holding(m).owner) for m in range(modules)]


def _buy_suites(ledger, treasury, params: OwnershipParams) -> int:
    """The treasury buys test suites while it can pay for one."""
    bought = 0
    while ledger.can_afford(treasury, params.suite_cost):
        ledger.transfer(treasury, "builder", params.suite_cost, memo="test suite")
        bought += 1
    return bought

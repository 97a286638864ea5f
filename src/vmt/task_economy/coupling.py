"""Coupling tax: a Pigouvian charge for the breakage a change imposes downstream.

Model
-----
``M`` modules form a dependency graph: module ``d`` depends on each earlier
module ``m < d`` with probability ``dependency_probability`` (a random DAG;
``dependents(m)`` are the modules that depend on ``m``). Every module has an
owner (a worker, drawn once). Tasks arrive as Poisson(``tasks_per_tick``);
task ``j`` changes module ``m_j``, is done by worker ``i_j`` and has effort
``e_j`` (work units). It can be done two ways:

* *direct* (change the shared interface): ``e_j`` work units for ``i_j``, and
  each dependent module ``d`` breaks with probability ``beta_m`` (halved, or
  cut by ``breakage_cut``, if ``m`` has a test suite); a break costs the owner
  of ``d`` a repair of ``repair_share * e_j`` work units;
* *decoupled* (add an adapter): ``e_j (1 + o_j)`` work units,
  ``o_j ~ U(0, decoupling_overhead_high)``, and nothing breaks.

Costs are private unit costs times work units (``theta_i w``). The expected
downstream cost on *other* owners of a direct change is

    X_j = sum_{d in dependents(m), owner(d) != i} beta_m * repair_share * e_j * theta_owner(d).

With tax rate ``tau`` the changer pays ``tau X_j`` to those owners (in
proportion to their expected cost) when it changes directly, and it chooses
the direct way iff ``theta_i e_j + (own expected repairs) + tau X_j <
theta_i e_j (1 + o_j)`` (ties go to the decoupled way; a changer who cannot
pay the tax decouples). ``tau = 1`` is the Pigouvian rate: the changer then
minimises expected social cost task by task. Breaks are drawn once per (task,
module), so every tax rate faces the same luck.

Work queues run first-in first-out at each worker's capacity; repairs join
the owner's queue when the break happens. Measured: throughput (tasks
finished per tick), breakage cost per tick, social cost per finished task
(changers' work plus repairs, in money), share of direct changes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from vmt.task_economy.accounts import close, draw_workers, market_rng, money_conserved, require, worker_ledger
from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.coordination_config import CoordinationConfig, CouplingParams
from vmt.task_economy.population import Workforce


@dataclass(frozen=True)
class CouplingWorld:
    """The draw shared by every tax rate: graph, owners, workers and tasks."""

    depends: np.ndarray        # (M, M) bool: depends[d, m] if module d depends on m
    owner: np.ndarray          # (M,) worker owning each module
    workforce: Workforce
    arrival: np.ndarray        # (J,) tick of each task
    module: np.ndarray         # (J,) module changed
    changer: np.ndarray        # (J,) worker doing the task
    effort: np.ndarray         # (J,) work units
    overhead: np.ndarray       # (J,) extra share of effort of the decoupled way
    break_draw: np.ndarray     # (J, M) uniform draws: dependent d breaks iff draw < beta

    def dependents(self, m: int) -> np.ndarray:
        """Modules that depend on module ``m``."""
        return np.flatnonzero(self.depends[:, m])


def draw_coupling_world(config: CoordinationConfig, seed: int) -> CouplingWorld:
    """Draw the graph, owners, workers and task stream of run ``seed``."""
    params, rng = config.markets.coupling, market_rng(seed, "coupling")
    m, n = params.modules, config.workers
    depends = np.tril(rng.random((m, m)) < params.dependency_probability, k=-1)
    owner = rng.integers(n, size=m)
    workforce = draw_workers(n, rng)
    arrival = np.repeat(np.arange(config.ticks), rng.poisson(params.tasks_per_tick, size=config.ticks))
    j, economy = len(arrival), EconomyConfig()
    return CouplingWorld(depends, owner, workforce, arrival, rng.integers(m, size=j), rng.integers(n, size=j),
                         rng.integers(economy.effort_low, economy.effort_high + 1, size=j).astype(float),
                         rng.uniform(0, params.decoupling_overhead_high, size=j), rng.random((j, m)))


def breakage_probabilities(params: CouplingParams, suites: np.ndarray | None, cut: float) -> np.ndarray:
    """Per-module probability that a direct change breaks each dependent, times ``1 - cut`` where a
    test suite exists."""
    beta = np.full(params.modules, params.breakage_probability)
    return beta if suites is None else np.where(suites, beta * (1 - cut), beta)


@dataclass(frozen=True)
class ChangePlan:
    """How task ``j`` will be done and what it owes: the direct way or not, and the tax by payee."""

    direct: bool
    tax: dict[int, float]


def expected_repair_costs(world: CouplingWorld, params: CouplingParams, beta: np.ndarray, j: int) -> np.ndarray:
    """Expected repair cost of a direct change of task ``j`` to each dependent module's owner (by module)."""
    deps = world.dependents(world.module[j])
    unit_cost = world.workforce.unit_cost[world.owner[deps]]
    return beta[world.module[j]] * params.repair_share * world.effort[j] * unit_cost


def plan_change(world: CouplingWorld, params: CouplingParams, beta: np.ndarray, tax_rate: float,
                j: int, budget: float) -> ChangePlan:
    """The changer's cost-minimising way of doing task ``j`` under tax rate ``tax_rate``."""
    i, deps = world.changer[j], world.dependents(world.module[j])
    expected = expected_repair_costs(world, params, beta, j)
    others = world.owner[deps] != i
    tax: dict[int, float] = {}
    for owner, cost in zip(world.owner[deps][others], expected[others]):
        tax[int(owner)] = tax.get(int(owner), 0.0) + tax_rate * float(cost)
    own_work = world.workforce.unit_cost[i] * world.effort[j]
    direct_cost = own_work + float(expected[~others].sum()) + sum(tax.values())
    decoupled_cost = own_work * (1 + world.overhead[j])
    direct = direct_cost < decoupled_cost and sum(tax.values()) <= budget * (1 - 1e-12)
    return ChangePlan(direct, {owner: amount for owner, amount in tax.items() if amount > 0} if direct else {})


class FifoWork:
    """Each worker's first-in first-out queue of work items ``[remaining units, task or -1 for a repair]``."""

    def __init__(self, capacity: np.ndarray) -> None:
        self.capacity = capacity
        self.queues = [deque() for _ in capacity]
        self.added = 0.0
        self.done_units = 0.0
        self.finished: list[int] = []

    def add(self, worker: int, units: float, task: int = -1) -> None:
        """Queue ``units`` of work (a task's, or a repair when ``task`` is -1)."""
        self.queues[worker].append([units, task])
        self.added += units

    def work_one_tick(self) -> None:
        """Every worker works off up to its capacity, oldest item first."""
        for worker, queue in enumerate(self.queues):
            left = float(self.capacity[worker])
            while queue and left > 0:
                item = queue[0]
                step = min(left, item[0])
                item[0] -= step
                left -= step
                self.done_units += step
                if item[0] <= 1e-12:
                    self.done_units += item[0]
                    queue.popleft()
                    if item[1] >= 0:
                        self.finished.append(item[1])

    @property
    def backlog(self) -> float:
        """Work units queued and not yet done."""
        return float(sum(item[0] for queue in self.queues for item in queue))


def run_coupling(config: CoordinationConfig, seed: int, tax_rate: float | None = None,
                 suites: np.ndarray | None = None, checked: bool = False) -> dict[str, float]:
    """One run of the coupling economy; ``tax_rate`` defaults to the config's (0 when the tax is off)."""
    params = config.markets.coupling
    rate = (params.tax_rate if params.enabled else 0.0) if tax_rate is None else tax_rate
    beta = breakage_probabilities(params, suites, config.markets.public_goods.breakage_cut)
    return simulate_coupling(draw_coupling_world(config, seed), params, beta, rate, config.ticks, checked)


def simulate_coupling(world: CouplingWorld, params: CouplingParams, beta: np.ndarray, rate: float, ticks: int,
                      checked: bool = False) -> dict[str, float]:
    """Run a given world for ``ticks`` ticks at tax rate ``rate``; returns the measures."""
    ledger = worker_ledger(len(world.workforce.capacity), params.initial_budget)
    work = FifoWork(world.workforce.capacity)
    totals = {"own": 0.0, "breakage": 0.0, "direct": 0, "tax": 0.0}
    bounds = np.searchsorted(world.arrival, np.arange(ticks + 1))
    for t in range(ticks):
        for j in range(bounds[t], bounds[t + 1]):
            _start_task(world, params, beta, rate, j, ledger, work, totals)
        work.work_one_tick()
        if checked:
            require(money_conserved(ledger), "money conserved", t)
            require(close(work.added, work.done_units + work.backlog), "work units conserved", t)
    tasks = max(len(world.arrival), 1)
    return {"throughput": len(work.finished) / ticks, "breakage_cost_per_tick": float(totals["breakage"]) / ticks,
            "social_cost_per_task": float(totals["own"] + totals["breakage"]) / tasks,
            "direct_share": totals["direct"] / tasks, "tax_paid_per_tick": totals["tax"] / ticks}


def _start_task(world, params, beta, rate, j, ledger, work, totals) -> None:
    """Plan task ``j``, pay its tax, queue its work and the repairs it causes."""
    i = int(world.changer[j])
    plan = plan_change(world, params, beta, rate, j, ledger.balance(i))
    for payee, amount in plan.tax.items():
        ledger.transfer(i, payee, amount, memo="coupling tax")
        totals["tax"] += amount
    units = world.effort[j] * (1.0 if plan.direct else 1.0 + world.overhead[j])
    work.add(i, units, j)
    totals["own"] += world.workforce.unit_cost[i] * units
    if not plan.direct:
        return
    totals["direct"] += 1
    m = world.module[j]
    for d in world.dependents(m):
        if world.break_draw[j, d] < beta[m]:
            repair = params.repair_share * world.effort[j]
            work.add(int(world.owner[d]), repair)
            totals["breakage"] += world.workforce.unit_cost[world.owner[d]] * repair

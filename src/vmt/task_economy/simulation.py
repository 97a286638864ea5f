"""One run of the task economy under one coordinator, in discrete ticks.

Each tick ``t = 0 .. T-1`` runs, in this fixed order:

1. settle — the coordinator settles work finished by ``t`` (the market pays
   for tasks delivered on time; the planner has nothing to settle);
2. arrivals — tasks arriving at ``t`` reach the coordinator;
3. decide — the coordinator assigns or rejects tasks (the market auctions
   every new task; the planner decides as many as its attention pays for).

After the last tick, work finished by ``T`` is settled and measured.
Coordinators are chosen by name from :data:`COORDINATORS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmt.task_economy.config import EconomyConfig, TaskEconomyConfigError
from vmt.task_economy.execution import WorkerQueues
from vmt.task_economy.market import TaskMarket
from vmt.task_economy.metrics import RunMetrics, measure_run
from vmt.task_economy.planner import CentralPlanner
from vmt.task_economy.population import TaskStream, Workforce, draw_economy

COORDINATORS = {"planner": CentralPlanner, "market": TaskMarket}


@dataclass(frozen=True)
class RunRecord:
    """Everything one run leaves behind: the coordinator, the execution record and the measures."""

    coordinator: CentralPlanner | TaskMarket
    queues: WorkerQueues
    metrics: RunMetrics


def coordinator_class(name: str) -> type:
    """Look a coordinator up by name; an unknown name lists the valid ones."""
    try:
        return COORDINATORS[name]
    except KeyError:
        raise TaskEconomyConfigError(
            f"unknown coordinator {name!r}; valid: {', '.join(sorted(COORDINATORS))}") from None


def simulate(workforce: Workforce, stream: TaskStream, coordinator: str, config: EconomyConfig) -> RunRecord:
    """Run ``coordinator`` on a given workforce and task stream for ``config.horizon_ticks`` ticks."""
    queues = WorkerQueues(workforce, stream)
    agent = coordinator_class(coordinator)(queues, config)
    horizon = config.horizon_ticks
    bounds = np.searchsorted(stream.arrival, np.arange(horizon + 1), side="left")
    for t in range(horizon):
        agent.settle(t)
        agent.receive(range(int(bounds[t]), int(bounds[t + 1])))
        agent.decide(t)
    agent.settle(horizon)
    return RunRecord(agent, queues, measure_run(queues, horizon))


def run_economy(config: EconomyConfig, seed: int, n_workers: int, coordinator: str) -> RunRecord:
    """Draw economy ``(seed, N)`` and run ``coordinator`` on it."""
    workforce, stream = draw_economy(config, seed, n_workers)
    return simulate(workforce, stream, coordinator, config)


def run_pair(config: EconomyConfig, seed: int, n_workers: int) -> dict[str, RunMetrics]:
    """Both coordinators on the same draw of economy ``(seed, N)`` (common random numbers)."""
    workforce, stream = draw_economy(config, seed, n_workers)
    return {name: simulate(workforce, stream, name, config).metrics for name in COORDINATORS}

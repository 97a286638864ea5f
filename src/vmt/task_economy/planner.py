"""The central planner: greedy earliest-predicted-finish assignment with a costly, serial attention.

What the planner sees ("Central Planning"): every task; every
worker's skills and proficiencies (a track record); every worker's current
backlog in work units (it monitors progress); and each worker's *reported*
capacity ``kappa_hat_i``.  It does not see true capacities or private costs.

Decision rule (greedy, load balancing), one decision per task: for task
``j`` at tick ``t`` it predicts, for every worker with the skill,

    finish_hat_ij = t + (backlog_i + w_ij) / kappa_hat_i

(``backlog_i`` counts urgent work only, for an urgent task, which pre-empts)
and assigns the task to the worker with the smallest ``finish_hat_ij`` among
those with ``finish_hat_ij <= deadline_j`` (ties to the lowest index).  If no
worker is predicted to meet the deadline the task is rejected.  An
under-reported capacity makes the prediction pessimistic, so the planner
turns down work that could have been done, and routes work away from the
fastest workers (the knowledge problem).

Cost of deciding: one decision reads all N workers' records, and the planner
reads ``planner_evaluations_per_tick`` records per tick, serially.  It
therefore makes ``planner_evaluations_per_tick / N`` decisions per tick
(fractions carry over while tasks wait; an idle planner banks nothing), and
total coordination work per tick grows as ``N * arrivals = rate * N^2``.
Urgent tasks jump the planner's queue; other tasks wait in the order named
by ``planner_queue`` (:data:`PLANNER_QUEUES`): ``fifo`` (first come, first
served; the default, the seed's "sees all tasks in queue") or
``newest_first`` (the better discipline when the planner is overloaded: stale
tasks are the ones least likely still to be feasible).  A task whose deadline
has passed while it waited is dropped unseen (at no cost).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.execution import WorkerQueues


PLANNER_QUEUES = {"fifo": 0, "newest_first": -1}
"""Queue discipline name -> which end of the waiting line the planner takes next."""


class CentralPlanner:
    """Greedy planner with a serial decision budget; see the module docstring."""

    def __init__(self, queues: WorkerQueues, config: EconomyConfig) -> None:
        self.queues = queues
        self.evaluations_per_decision = float(queues.workforce.size)
        self.evaluations_per_tick = float(config.planner_evaluations_per_tick)
        self.credit = 0.0
        self.head = PLANNER_QUEUES[config.planner_queue]
        self.urgent_inbox: deque[int] = deque()
        self.regular_inbox: deque[int] = deque()

    def receive(self, tasks: range) -> None:
        """Queue newly arrived tasks (urgent ones in their own, prioritised queue)."""
        for task in tasks:
            (self.urgent_inbox if self.queues.stream.urgent[task] else self.regular_inbox).append(task)

    def decide(self, t: int) -> None:
        """Spend this tick's attention on as many decisions as it pays for."""
        self.credit += self.evaluations_per_tick
        while self.credit >= self.evaluations_per_decision:
            task = self._next_live_task(t)
            if task is None:
                break
            self.credit -= self.evaluations_per_decision
            self._decide_task(task, t)
        if self._next_live_task(t) is None:
            self.credit = 0.0

    def settle(self, t: float) -> None:
        """The planner moves no money."""

    def _next_live_task(self, t: int) -> int | None:
        """Next task to decide (urgent first), dropping tasks whose deadline has passed."""
        deadline = self.queues.stream.deadline
        for inbox, head in ((self.urgent_inbox, 0), (self.regular_inbox, self.head)):
            while inbox and deadline[inbox[0]] <= t:
                inbox.popleft()
            while inbox and deadline[inbox[head]] <= t:
                inbox.pop()
            if inbox:
                return inbox[head]
        return None

    def _decide_task(self, task: int, t: int) -> None:
        if self.queues.stream.urgent[task]:
            self.urgent_inbox.popleft()
        else:
            self.regular_inbox.popleft() if self.head == 0 else self.regular_inbox.pop()
        workers, work = self.queues.candidates(task)
        predicted = self.predicted_finish(task, workers, work, t)
        feasible = predicted <= self.queues.stream.deadline[task]
        if not feasible.any():
            self.queues.reject(task, t)
            return
        best = int(np.argmin(np.where(feasible, predicted, np.inf)))
        self.queues.assign(task, int(workers[best]), float(work[best]), t)

    def predicted_finish(self, task: int, workers: np.ndarray, work: np.ndarray, t: int) -> np.ndarray:
        """``t + (observed backlog in work units + w_ij) / reported capacity`` for each worker."""
        capacity = self.queues.workforce.capacity[workers]
        backlog = np.maximum(self.queues.lane_free_at(task, workers) - t, 0.0) * capacity
        return t + (backlog + work) / self.queues.workforce.reported_capacity[workers]

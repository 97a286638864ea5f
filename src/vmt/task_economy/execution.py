"""How workers execute assigned tasks: the same physics under both coordinators.

A worker works through its queue first-in first-out at its *true* capacity
``kappa_i`` (work units per tick).  Task ``j`` of effort ``e_j`` needing
skill ``k`` is ``w_ij = e_j / pi_ik`` work units for worker ``i``, so it takes
``w_ij / kappa_i`` ticks.  Execution is deterministic, so a task's finish
time is known when it is assigned:

    start_j  = max(t, busy_until_i),   finish_j = start_j + w_ij / kappa_i.

Urgent tasks use a priority lane: they start as soon as the worker's earlier
urgent work is done, ``start = max(t, urgent_until_i)``, and every regular
task of that worker not yet finished is pushed back by ``w_ij / kappa_i``
(pre-emption; a pushed-back task can miss its deadline, and its work is then
wasted).  Work is never abandoned once assigned.
"""

from __future__ import annotations

import numpy as np

from vmt.task_economy.population import TaskStream, Workforce

UNASSIGNED = -1


class WorkerQueues:
    """Execution state of the workforce plus the record of every decision.

    Attributes
    ----------
    busy_until : ndarray (N,)
        Time at which each worker's whole queue will be done.
    urgent_until : ndarray (N,)
        Time at which each worker's urgent work will be done.
    assignee : ndarray (tasks,)
        Worker of each task, ``-1`` if not (yet) assigned.
    decided_at : ndarray (tasks,)
        Tick at which a coordinator decided the task (assigned or rejected), ``-1`` if never.
    finish : ndarray (tasks,)
        Finish time of each assigned task (``inf`` if unassigned).
    cost : ndarray (tasks,)
        Private cost ``c_ij = theta_i * w_ij`` of each assigned task to its worker.
    """

    def __init__(self, workforce: Workforce, stream: TaskStream) -> None:
        self.workforce, self.stream = workforce, stream
        n = workforce.size
        self.busy_until = np.zeros(n)
        self.urgent_until = np.zeros(n)
        self.assignee = np.full(stream.size, UNASSIGNED, dtype=np.int64)
        self.decided_at = np.full(stream.size, -1, dtype=np.int64)
        self.finish = np.full(stream.size, np.inf)
        self.cost = np.zeros(stream.size)
        self.skill_workers = [np.flatnonzero(workforce.proficiency[:, k] > 0)
                              for k in range(workforce.proficiency.shape[1])]

    def candidates(self, task: int) -> tuple[np.ndarray, np.ndarray]:
        """Workers who have the task's skill (ascending index) and the work ``w_ij`` each would need."""
        workers = self.skill_workers[self.stream.skill[task]]
        return workers, self.stream.effort[task] / self.workforce.proficiency[workers, self.stream.skill[task]]

    def lane_free_at(self, task: int, workers: np.ndarray) -> np.ndarray:
        """When ``workers`` could start ``task``: after their queue, or their urgent lane if it is urgent."""
        return (self.urgent_until if self.stream.urgent[task] else self.busy_until)[workers]

    def true_finish(self, task: int, workers: np.ndarray, work: np.ndarray, t: int) -> np.ndarray:
        """Finish time of ``task`` if given now to each of ``workers`` (needs true capacities)."""
        start = np.maximum(t, self.lane_free_at(task, workers))
        return start + work / self.workforce.capacity[workers]

    def assign(self, task: int, worker: int, work: float, t: int) -> None:
        """Give ``task`` (``work`` units for ``worker``) to ``worker`` at tick ``t``."""
        kappa = self.workforce.capacity[worker]
        duration = work / kappa
        if self.stream.urgent[task]:
            start = max(t, self.urgent_until[worker])
            pushed = (self.assignee == worker) & (self.finish > start)
            self.finish[pushed] += duration
            self.urgent_until[worker] = start + duration
            self.busy_until[worker] = max(self.busy_until[worker], start) + duration
        else:
            start = max(t, self.busy_until[worker])
            self.busy_until[worker] = start + duration
        self.assignee[task], self.decided_at[task] = worker, t
        self.finish[task] = start + duration
        self.cost[task] = self.workforce.unit_cost[worker] * work

    def reject(self, task: int, t: int) -> None:
        """Record that a coordinator decided at tick ``t`` not to assign ``task``."""
        self.decided_at[task] = t

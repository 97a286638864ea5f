"""The market: a reverse Vickrey (second-price procurement) auction per task.

Every task is auctioned once, in the tick it arrives (bids are made by the
workers in parallel, so clearing takes no coordinator time, whatever N).
Worker ``i`` bids on task ``j`` iff

* it has the skill,
* it can finish by the deadline at its *true* capacity, given its own queue
  (private knowledge used locally: "distributed information"), and
* its budget covers the task's private cost ``c_ij = theta_i * w_ij``,
  which it pays up front (Principle 2, "Budget Constraints").

It bids ``c_ij``, its true cost: in a single reverse second-price auction that
is a dominant strategy (the price a winner receives does not depend on its
own bid).  The lowest bid wins and the winner is promised the second-lowest
bid, or the task's value (the reserve) if it is the only bid below the
reserve; ties go to the lowest worker index.  The requester pays the promised
price when the task is finished by its deadline, and nothing if it is late.
Workers bid myopically: the opportunity cost of a task for later auctions,
and the risk that an urgent task pushes it past its deadline, are not in the
bid.

Money: the requester's payments equal the workers' earnings, a worker's
budget is ``initial + earnings - costs paid`` and, because a worker only bids
when its budget covers the cost it would pay, it never goes negative.
"""

from __future__ import annotations

import numpy as np

from vmt.mechanisms import reverse_second_price
from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.execution import WorkerQueues


class TaskMarket:
    """Per-task reverse Vickrey auctions with budgets; see the module docstring.

    Attributes
    ----------
    budget : ndarray (N,)
        Each worker's money now.
    earnings : ndarray (N,)
        Payments each worker has received.
    costs_paid : ndarray (N,)
        Private costs each worker has paid for the tasks it won.
    price : ndarray (tasks,)
        Price promised for each awarded task (NaN if not awarded).
    paid : ndarray of bool (tasks,)
        Whether the requester has paid for the task.
    requester_payments : float
        Total money the requester has paid.
    lowest_budget : float
        The lowest budget any worker held at any moment of the run.
    """

    def __init__(self, queues: WorkerQueues, config: EconomyConfig) -> None:
        n, m = queues.workforce.size, queues.stream.size
        self.queues = queues
        self.budget = np.full(n, float(config.initial_budget))
        self.earnings = np.zeros(n)
        self.costs_paid = np.zeros(n)
        self.price = np.full(m, np.nan)
        self.paid = np.zeros(m, dtype=bool)
        self.requester_payments = 0.0
        self.lowest_budget = float(config.initial_budget)
        self._inbox: list[int] = []
        self._unsettled: list[int] = []

    def receive(self, tasks: range) -> None:
        """Post newly arrived tasks for auction this tick."""
        self._inbox.extend(tasks)

    def decide(self, t: int) -> None:
        """Auction this tick's tasks one after another, in arrival order."""
        for task in self._inbox:
            self._auction(task, t)
        self._inbox.clear()

    def settle(self, t: float) -> None:
        """Pay for every awarded task finished by time ``t``: its price if on time, else nothing."""
        if not self._unsettled:
            return
        pending = np.asarray(self._unsettled)
        done = self.queues.finish[pending] <= t
        if not done.any():
            return
        finished = pending[done]
        on_time = finished[self.queues.finish[finished] <= self.queues.stream.deadline[finished]]
        self._pay(on_time)
        self._unsettled = pending[~done].tolist()

    def _pay(self, tasks: np.ndarray) -> None:
        winners, prices = self.queues.assignee[tasks], self.price[tasks]
        np.add.at(self.earnings, winners, prices)
        np.add.at(self.budget, winners, prices)
        self.requester_payments += float(prices.sum())
        self.paid[tasks] = True

    def bids(self, task: int, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Bidders (ascending index), their truthful bids ``c_ij`` and the work each would do."""
        workers, work = self.queues.candidates(task)
        cost = self.queues.workforce.unit_cost[workers] * work
        in_time = self.queues.true_finish(task, workers, work, t) <= self.queues.stream.deadline[task]
        bidding = in_time & (self.budget[workers] >= cost)
        return workers[bidding], cost[bidding], work[bidding]

    def _auction(self, task: int, t: int) -> None:
        bidders, cost, work = self.bids(task, t)
        outcome = None
        if len(bidders):
            outcome = reverse_second_price(cost, reserve=float(self.queues.stream.value[task]))
        if outcome is None or outcome.winner is None:
            self.queues.reject(task, t)
            return
        winner = int(bidders[outcome.winner])
        self.budget[winner] -= cost[outcome.winner]
        self.costs_paid[winner] += cost[outcome.winner]
        self.lowest_budget = min(self.lowest_budget, float(self.budget[winner]))
        self.price[task] = float(outcome.price)
        self.queues.assign(task, winner, float(work[outcome.winner]), t)
        self._unsettled.append(task)

"""Both coordinators against a slow, loop-by-loop pure-Python reference written from the docs.

The reference re-states the documented rules with plain lists and scalar loops (no shared code
with the package beyond the drawn economy), and every decision must agree: who got each task,
when it was decided, when it finished, and (market) every price and payment.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.population import draw_economy
from vmt.task_economy.simulation import simulate


class Reference:
    def __init__(self, workforce, stream, config):
        self.w, self.s, self.c = workforce, stream, config
        n, m = workforce.size, stream.size
        self.busy, self.urgent_until = [0.0] * n, [0.0] * n
        self.assignee, self.decided, self.finish = [-1] * m, [-1] * m, [math.inf] * m
        self.budget, self.price, self.paid = [config.initial_budget] * n, [math.nan] * m, [False] * m

    def work(self, i, j):
        prof = self.w.proficiency[i][self.s.skill[j]]
        return None if prof <= 0 else self.s.effort[j] / prof

    def lane(self, i, j):
        return self.urgent_until[i] if self.s.urgent[j] else self.busy[i]

    def assign(self, i, j, t):
        duration = self.work(i, j) / self.w.capacity[i]
        if self.s.urgent[j]:
            start = max(t, self.urgent_until[i])
            for k in range(len(self.finish)):
                if self.assignee[k] == i and self.finish[k] > start:
                    self.finish[k] += duration
            self.urgent_until[i] = start + duration
            self.busy[i] = max(self.busy[i], start) + duration
        else:
            start = max(t, self.busy[i])
            self.busy[i] = start + duration
        self.assignee[j], self.decided[j], self.finish[j] = i, t, start + duration

    def arrivals(self, t):
        return [j for j in range(self.s.size) if self.s.arrival[j] == t]


def reference_market(workforce, stream, config):
    ref = Reference(workforce, stream, config)
    for t in range(config.horizon_ticks + 1):
        for j in range(stream.size):
            if ref.assignee[j] >= 0 and not ref.paid[j] and ref.finish[j] <= t and ref.finish[j] <= stream.deadline[j]:
                ref.paid[j] = True
                ref.budget[ref.assignee[j]] += ref.price[j]
        if t == config.horizon_ticks:
            break
        for j in ref.arrivals(t):
            ref.decided[j] = t
            bids = []
            for i in range(workforce.size):
                work = ref.work(i, j)
                if work is None:
                    continue
                cost = workforce.unit_cost[i] * work
                on_time = max(t, ref.lane(i, j)) + work / workforce.capacity[i] <= stream.deadline[j]
                if on_time and ref.budget[i] >= cost:
                    bids.append((cost, i))
            bids.sort()
            if not bids or bids[0][0] > stream.value[j]:
                continue
            second = bids[1][0] if len(bids) > 1 else math.inf
            winner = bids[0][1]
            ref.price[j] = min(stream.value[j], second)
            ref.budget[winner] -= bids[0][0]
            ref.assign(winner, j, t)
    return ref


def reference_planner(workforce, stream, config):
    ref = Reference(workforce, stream, config)
    waiting, credit, n = [], 0.0, workforce.size
    newest = config.planner_queue == "newest_first"
    for t in range(config.horizon_ticks):
        waiting += ref.arrivals(t)
        credit += config.planner_evaluations_per_tick
        while True:
            live = [j for j in waiting if stream.deadline[j] > t]
            urgent = [j for j in live if stream.urgent[j]]
            pool = urgent or live
            if not pool:
                credit = 0.0
                break
            if credit < n:
                break
            j = pool[0] if (urgent or not newest) else pool[-1]
            waiting.remove(j)
            credit -= n
            ref.decided[j] = t
            best, best_finish = None, math.inf
            for i in range(n):
                work = ref.work(i, j)
                if work is None:
                    continue
                backlog = max(ref.lane(i, j) - t, 0.0) * workforce.capacity[i]
                predicted = t + (backlog + work) / workforce.reported_capacity[i]
                if predicted <= stream.deadline[j] and predicted < best_finish:
                    best, best_finish = i, predicted
            if best is not None:
                ref.assign(best, j, t)
    return ref


CASES = [(seed, n, queue, rate) for seed, n, queue, rate in
         [(1, 6, "fifo", 240.0), (2, 15, "fifo", 60.0), (3, 30, "newest_first", 120.0), (4, 12, "fifo", math.inf)]]


@pytest.mark.parametrize("seed,n_workers,queue,rate", CASES)
def test_planner_matches_reference(seed, n_workers, queue, rate):
    config = EconomyConfig(horizon_ticks=60, planner_queue=queue, planner_evaluations_per_tick=rate)
    workforce, stream = draw_economy(config, seed, n_workers)
    fast = simulate(workforce, stream, "planner", config).queues
    slow = reference_planner(workforce, stream, config)
    assert fast.assignee.tolist() == slow.assignee
    assert fast.decided_at.tolist() == slow.decided
    np.testing.assert_allclose(fast.finish, slow.finish, rtol=1e-12)


@pytest.mark.parametrize("seed,n_workers,budget", [(1, 6, 30.0), (2, 15, 10.0), (3, 30, 30.0)])
def test_market_matches_reference(seed, n_workers, budget):
    config = EconomyConfig(horizon_ticks=60, initial_budget=budget)
    workforce, stream = draw_economy(config, seed, n_workers)
    record = simulate(workforce, stream, "market", config)
    slow = reference_market(workforce, stream, config)
    assert record.queues.assignee.tolist() == slow.assignee
    assert record.queues.decided_at.tolist() == slow.decided
    np.testing.assert_allclose(record.queues.finish, slow.finish, rtol=1e-12)
    np.testing.assert_allclose(record.coordinator.price, slow.price, rtol=1e-12)
    assert record.coordinator.paid.tolist() == slow.paid
    np.testing.assert_allclose(record.coordinator.budget, slow.budget, rtol=1e-12)
    assert (record.queues.assignee >= 0).sum() > 10  # the comparison exercised real auctions

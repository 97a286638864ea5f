"""Task-allocation economy: hand-checked instances of both coordinators, determinism, money."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.metrics import measure_run
from vmt.task_economy.population import TaskStream, Workforce, draw_economy
from vmt.task_economy.simulation import run_economy, run_pair, simulate

settings.register_profile("task_economy", max_examples=12, deadline=None, derandomize=True)
FEW = settings.get_profile("task_economy")

FREE_PLANNER = EconomyConfig(horizon_ticks=20, planner_evaluations_per_tick=float("inf"), initial_budget=100.0)


def workforce(capacity, unit_cost, reported=None, proficiency=None) -> Workforce:
    capacity = np.asarray(capacity, float)
    return Workforce(capacity=capacity,
                     reported_capacity=capacity if reported is None else np.asarray(reported, float),
                     unit_cost=np.asarray(unit_cost, float),
                     proficiency=np.ones((len(capacity), 1)) if proficiency is None else np.asarray(proficiency))


def stream(rows) -> TaskStream:
    """rows: (arrival, effort, value, deadline, urgent); every task needs skill 0."""
    a, e, v, d, u = (np.asarray(col) for col in zip(*rows))
    return TaskStream(arrival=a.astype(np.int64), skill=np.zeros(len(a), np.int64), effort=e.astype(float),
                      value=v.astype(float), deadline=d.astype(float), urgent=u.astype(bool))


# --- market: a hand-computed instance ----------------------------------------------------------

MARKET_TASKS = [
    (0, 4, 20, 100, False),  # costs 4, 8, 12 -> worker 0 wins, paid the second-lowest cost 8
    (0, 2, 5, 100, False),   # costs 2, 4, 6 -> worker 0 (finish 6), paid 4
    (1, 3, 7, 5, False),     # worker 0 busy until 6 cannot finish by 5; bids 6 (w1) and 9 (w2 > reserve 7)
                             # -> worker 1 wins and is paid the reserve 7
    (2, 2, 10, 10, False),   # worker 0 finishes at 8 <= 10, costs 2, 4, 6 -> worker 0, paid 4
    (3, 3, 2, 50, False),    # cheapest cost 3 is above the value 2 -> nobody is hired
]


def run_hand_market(initial_budget=100.0):
    config = FREE_PLANNER.replace(initial_budget=initial_budget)
    return simulate(workforce([1, 1, 1], [1, 2, 3]), stream(MARKET_TASKS), "market", config)


def test_market_assignment_and_vickrey_prices_match_hand_computation():
    record = run_hand_market()
    market, queues = record.coordinator, record.queues
    assert queues.assignee.tolist() == [0, 0, 1, 0, -1]
    np.testing.assert_array_equal(market.price[:4], [8.0, 4.0, 7.0, 4.0])
    assert np.isnan(market.price[4])
    np.testing.assert_array_equal(queues.finish[:4], [4.0, 6.0, 4.0, 8.0])
    np.testing.assert_array_equal(market.earnings, [16.0, 7.0, 0.0])
    np.testing.assert_array_equal(market.costs_paid, [8.0, 6.0, 0.0])
    np.testing.assert_array_equal(market.budget, [108.0, 101.0, 100.0])
    assert market.requester_payments == 23.0
    assert record.metrics.delivered == 4 and record.metrics.throughput == 4 / 20
    assert record.metrics.efficiency == pytest.approx((20 + 5 + 7 + 10) / (4 + 2 + 6 + 2))


def test_market_budget_constraint_keeps_a_broke_worker_out_of_the_auction():
    # Budgets of 5: only worker 0 can afford task 0 (costs 4, 8, 12) and, the only bidder, is paid
    # the reserve 20.  Left with 1 < its cost 2 of task 1, it cannot bid again; worker 1 (cost 4)
    # is then the only bidder who can pay (worker 2's cost 6 > 5) and is paid the reserve 5.
    record = run_hand_market(initial_budget=5.0)
    assert record.queues.assignee[:2].tolist() == [0, 1]
    np.testing.assert_array_equal(record.coordinator.price[:2], [20.0, 5.0])
    assert record.coordinator.lowest_budget == 1.0


def test_market_pays_nothing_for_a_task_pushed_past_its_deadline_by_an_urgent_task():
    # Regular task: cheap worker 0 finishes at 5 = deadline; the urgent task (cheapest at worker 0
    # too) pre-empts it at tick 1 and pushes it to 7, so it is late and unpaid.
    tasks = [(0, 5, 20, 5, False), (1, 2, 40, 13, True)]
    record = simulate(workforce([1, 1], [1, 3]), stream(tasks), "market", FREE_PLANNER)
    market, queues = record.coordinator, record.queues
    assert queues.assignee.tolist() == [0, 0]
    np.testing.assert_array_equal(queues.finish, [7.0, 3.0])
    assert market.paid.tolist() == [False, True]
    assert market.earnings[0] == 6.0                      # urgent task: second cost 2 * 3
    assert market.budget[0] == 100.0 - 5.0 - 2.0 + 6.0
    assert record.metrics.delivered == 1


# --- planner: greedy earliest predicted finish on reported capacities ---------------------------

PLANNER_TASKS = [(0, 4, 10, 100, False), (0, 4, 10, 100, False), (1, 2, 10, 100, False)]


def test_planner_assigns_greedily_by_predicted_finish_with_reported_capacity():
    # Worker 1's true capacity is 2 but it reports 1.  Task 0: predictions 4, 4, 4 -> worker 0.
    # Task 1: 8, 4, 4 -> worker 1 (lowest index), really done at 2.  Task 2 at t=1: worker 0
    # 1 + (3 + 2) = 6, worker 1 1 + ((2-1)*2 + 2)/1 = 5, worker 2 1 + 2 = 3 -> worker 2.
    liar = workforce([1, 2, 1], [1, 1, 1], reported=[1, 1, 1])
    record = simulate(liar, stream(PLANNER_TASKS), "planner", FREE_PLANNER)
    assert record.queues.assignee.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(record.queues.finish, [4.0, 2.0, 3.0])
    # Told the truth, worker 1 is predicted to finish task 2 at 1 + 4/2 = 3, tying worker 2:
    honest = workforce([1, 2, 1], [1, 1, 1])
    assert simulate(honest, stream(PLANNER_TASKS), "planner", FREE_PLANNER).queues.assignee[2] == 1


def test_planner_rejects_feasible_work_it_believes_too_slow_while_the_market_takes_it():
    # True capacity 2 finishes effort 4 in 2 ticks (deadline 3); reported 1 predicts 4 > 3.
    tasks = [(0, 4, 10, 3, False)]
    liar = workforce([2], [1], reported=[1])
    assert simulate(liar, stream(tasks), "planner", FREE_PLANNER).queues.assignee.tolist() == [-1]
    assert simulate(liar, stream(tasks), "market", FREE_PLANNER).queues.assignee.tolist() == [0]


def test_planner_attention_costs_n_evaluations_per_decision_and_urgent_tasks_jump_the_queue():
    # N = 3 workers, 1.5 evaluations per tick: a decision every 2 ticks.  Three regular tasks at
    # tick 0 and an urgent one at tick 2: decisions at ticks 1 (task 0), 3 (urgent), 5, 7.
    config = FREE_PLANNER.replace(planner_evaluations_per_tick=1.5)
    tasks = [(0, 1, 10, 100, False)] * 3 + [(2, 1, 10, 100, True)]
    record = simulate(workforce([1, 1, 1], [1, 1, 1]), stream(tasks), "planner", config)
    assert record.queues.decided_at.tolist() == [1, 5, 7, 3]


def test_planner_newest_first_discipline_and_stale_tasks_dropped_unseen():
    # One decision per tick (N = 2, 2 evaluations per tick).  Task 1 expires (deadline 1) before
    # the FIFO planner reaches it and is dropped without a decision.
    config = FREE_PLANNER.replace(planner_evaluations_per_tick=2.0)
    tasks = [(0, 1, 10, 100, False), (0, 1, 10, 1, False), (0, 1, 10, 100, False)]
    fifo = simulate(workforce([1, 1], [1, 1]), stream(tasks), "planner", config)
    assert fifo.queues.decided_at.tolist() == [0, -1, 1]
    newest = simulate(workforce([1, 1], [1, 1]), stream(tasks), "planner",
                      config.replace(planner_queue="newest_first"))
    assert newest.queues.decided_at.tolist() == [1, -1, 0]


# --- adaptability on a constructed case -----------------------------------------------------------

ADAPT_TASKS = [(0, 10, 100, 100, False), (3, 4, 80, 15, True)]
ADAPT_WORKERS = ([1, 2], [1, 3])  # capacities, unit costs


def test_adaptability_free_planner_sends_the_urgent_task_to_the_fastest_worker():
    # Planner: regular task to worker 1 (predicted 5 < 10); urgent at t=3: 3 + 4/1 = 7 vs
    # 3 + 4/2 = 5 -> worker 1, served in 2 ticks; its regular task is pushed from 5 to 7.
    record = simulate(workforce(*ADAPT_WORKERS), stream(ADAPT_TASKS), "planner", FREE_PLANNER)
    assert record.queues.assignee.tolist() == [1, 1]
    np.testing.assert_array_equal(record.queues.finish, [7.0, 5.0])
    assert record.metrics.adaptability == 2.0 and record.metrics.urgent_served == 1.0


def test_adaptability_market_sends_the_urgent_task_to_the_cheapest_worker():
    # Market: regular task to worker 0 (cost 10 < 30); urgent: costs 4 and 12 -> worker 0,
    # finishing at 3 + 4 = 7 (4 ticks), paid 12; its regular task is pushed from 10 to 14.
    record = simulate(workforce(*ADAPT_WORKERS), stream(ADAPT_TASKS), "market", FREE_PLANNER)
    assert record.queues.assignee.tolist() == [0, 0]
    np.testing.assert_array_equal(record.queues.finish, [14.0, 7.0])
    assert record.coordinator.price[1] == 12.0
    assert record.metrics.adaptability == 4.0


def test_adaptability_includes_the_planners_decision_latency():
    # 1 evaluation per tick, N = 2: a decision takes 2 ticks.  Regular task decided at t=1 (to
    # worker 1, finish 6); urgent arrives at 3, decided at 4 -> worker 1 (4 + 2 = 6 < 8),
    # finished at 6: 3 ticks after injection.
    config = FREE_PLANNER.replace(planner_evaluations_per_tick=1.0)
    record = simulate(workforce(*ADAPT_WORKERS), stream(ADAPT_TASKS), "planner", config)
    assert record.queues.decided_at.tolist() == [1, 4]
    assert record.metrics.adaptability == 3.0


def test_an_urgent_task_nobody_can_serve_counts_as_its_whole_window():
    tasks = [(2, 50, 80, 14, True), (5, 2, 80, 11, True)]  # effort 50 cannot be done in 12 ticks
    for name in ("planner", "market"):
        metrics = simulate(workforce([1], [1]), stream(tasks), name, FREE_PLANNER).metrics
        assert metrics.urgent_served == 0.5
        assert metrics.adaptability == (12.0 + 2.0) / 2


# --- determinism and common random numbers ---------------------------------------------------------

def test_same_seed_gives_identical_metrics_for_both_coordinators():
    config = EconomyConfig(horizon_ticks=80)
    first, again = run_pair(config, 11, 30), run_pair(config, 11, 30)
    assert first == again
    assert run_pair(config, 12, 30) != first


@pytest.mark.parametrize("coordinator", ["planner", "market"])
def test_each_coordinator_is_deterministic_down_to_every_decision(coordinator):
    config = EconomyConfig(horizon_ticks=80, planner_evaluations_per_tick=100.0)
    a, b = (run_economy(config, 5, 40, coordinator) for _ in range(2))
    np.testing.assert_array_equal(a.queues.assignee, b.queues.assignee)
    np.testing.assert_array_equal(a.queues.finish, b.queues.finish)
    np.testing.assert_array_equal(a.queues.decided_at, b.queues.decided_at)


def test_both_coordinators_face_the_same_economy_and_streams_are_independent():
    config = EconomyConfig(horizon_ticks=60)
    w1, s1 = draw_economy(config, 3, 25)
    w2, s2 = draw_economy(config, 3, 25)
    for name in ("capacity", "reported_capacity", "unit_cost", "proficiency"):
        np.testing.assert_array_equal(getattr(w1, name), getattr(w2, name))
    np.testing.assert_array_equal(s1.value, s2.value)
    # More urgent tasks change only the urgent stream: workforce and regular tasks are untouched.
    w3, s3 = draw_economy(config.replace(urgent_tasks=9), 3, 25)
    np.testing.assert_array_equal(w1.unit_cost, w3.unit_cost)
    np.testing.assert_array_equal(s1.effort[~s1.urgent], s3.effort[~s3.urgent])
    assert s3.urgent.sum() == 9


def test_drawn_economy_respects_the_configured_ranges():
    config = EconomyConfig(horizon_ticks=100, misreport_share=0.5, misreport_factor=0.6)
    w, s = draw_economy(config, 1, 200)
    assert (w.proficiency > 0).any(axis=1).all()
    assert np.all((w.capacity >= 0.5) & (w.capacity <= 2.0))
    liars = w.reported_capacity < w.capacity
    np.testing.assert_allclose(w.reported_capacity[liars], 0.6 * w.capacity[liars])
    assert 0.35 < liars.mean() < 0.65
    regular = ~s.urgent
    assert np.all((s.effort[regular] >= 2) & (s.effort[regular] <= 12))
    assert np.all(s.value[regular] >= s.effort[regular]) and np.all(s.value[regular] <= 3 * s.effort[regular])
    assert abs(regular.sum() / (100 * 200) - 0.12) < 0.01   # Poisson rate per worker per tick


# --- money in the market ---------------------------------------------------------------------------

@FEW
@given(seed=st.integers(0, 10_000), n_workers=st.integers(1, 40), budget=st.sampled_from([0.0, 5.0, 30.0]))
def test_market_conserves_money_and_budgets_never_go_negative(seed, n_workers, budget):
    config = EconomyConfig(horizon_ticks=60, initial_budget=budget)
    record = run_economy(config, seed, n_workers, "market")
    market, queues = record.coordinator, record.queues
    assert market.requester_payments == pytest.approx(market.earnings.sum(), abs=1e-9)
    np.testing.assert_allclose(market.budget, budget + market.earnings - market.costs_paid, atol=1e-9)
    assert market.lowest_budget >= 0 and np.all(market.budget >= 0)
    awarded = queues.assignee >= 0
    assert np.all(market.price[awarded] >= queues.cost[awarded] - 1e-12)      # individually rational
    assert np.all(market.price[awarded] <= queues.stream.value[awarded])       # reserve respected
    delivered = awarded & (queues.finish <= config.horizon_ticks) & (queues.finish <= queues.stream.deadline)
    np.testing.assert_array_equal(market.paid, delivered)                      # paid iff delivered
    assert measure_run(queues, config.horizon_ticks).delivered == delivered.sum()

"""The workforce and the task stream: drawn once per (seed, N), shared by both coordinators.

Both coordinators of a run face the *same* workers and the *same* tasks
(common random numbers), so a difference in outcome between them is caused
by coordination alone and the comparison over seeds is paired.  All draws
come from one ``numpy.random.Generator`` seeded with ``(seed, N)``; it spawns
independent child streams for the workforce, the regular arrivals and the
urgent injections, so changing, say, the urgent-task parameters leaves the
workforce and the regular tasks untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmt.task_economy.config import EconomyConfig, TaskEconomyConfigError


@dataclass(frozen=True)
class Workforce:
    """Struct-of-arrays of N workers.

    Attributes
    ----------
    capacity : ndarray, shape (N,)
        True capacity ``kappa_i``: work units done per tick.  Private.
    reported_capacity : ndarray, shape (N,)
        ``kappa_hat_i`` the worker reports to the planner (``<= kappa_i`` for
        an under-reporter, "Dominant strategy: Lie low").
    unit_cost : ndarray, shape (N,)
        Private cost ``theta_i`` per work unit (money).
    proficiency : ndarray, shape (N, K)
        ``pi_ik`` in (0, 1] if worker i has skill k, else 0.  Observable.
    """

    capacity: np.ndarray
    reported_capacity: np.ndarray
    unit_cost: np.ndarray
    proficiency: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.capacity)
        for name in ("reported_capacity", "unit_cost"):
            if len(getattr(self, name)) != n:
                raise TaskEconomyConfigError(f"workforce {name} has {len(getattr(self, name))} entries, "
                                             f"capacity has {n}")
        if self.proficiency.ndim != 2 or self.proficiency.shape[0] != n:
            raise TaskEconomyConfigError(f"workforce proficiency must have shape ({n}, n_skills), "
                                         f"got {self.proficiency.shape}")
        for name in ("capacity", "reported_capacity", "unit_cost"):
            if not np.all(np.asarray(getattr(self, name)) > 0):
                raise TaskEconomyConfigError(f"workforce {name} must be positive for every worker")
        if np.any(self.proficiency < 0) or np.any(self.proficiency > 1):
            raise TaskEconomyConfigError("workforce proficiency must lie in [0, 1]")

    @property
    def size(self) -> int:
        """Number of workers N."""
        return len(self.capacity)


@dataclass(frozen=True)
class TaskStream:
    """Struct-of-arrays of all tasks of a run, ordered as the coordinators see them.

    Tasks are sorted by arrival tick; within a tick urgent tasks come first,
    then regular tasks in the order drawn.  ``deadline`` is a time (ticks):
    a task delivers its value only if its work is finished at or before it.
    """

    arrival: np.ndarray
    skill: np.ndarray
    effort: np.ndarray
    value: np.ndarray
    deadline: np.ndarray
    urgent: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.arrival)
        for name in ("skill", "effort", "value", "deadline", "urgent"):
            if len(getattr(self, name)) != n:
                raise TaskEconomyConfigError(f"task stream {name} has {len(getattr(self, name))} entries, "
                                             f"arrival has {n}")
        if n and np.any(np.diff(self.arrival) < 0):
            raise TaskEconomyConfigError("task stream must be sorted by arrival tick")
        if np.any(self.effort <= 0) or np.any(self.value <= 0):
            raise TaskEconomyConfigError("every task needs positive effort and positive value")
        if np.any(self.deadline < self.arrival):
            raise TaskEconomyConfigError("a task's deadline is before its arrival")

    @property
    def size(self) -> int:
        """Number of tasks."""
        return len(self.arrival)


def run_streams(seed: int, n_workers: int) -> tuple[np.random.Generator, ...]:
    """Spawn the child streams (workforce, arrivals, urgent) of run ``(seed, n_workers)``."""
    if n_workers < 1:
        raise TaskEconomyConfigError(f"a run needs at least 1 worker, got N={n_workers}")
    if seed < 0:
        raise TaskEconomyConfigError(f"seeds must be >= 0, got {seed}")
    root = np.random.default_rng([int(seed), int(n_workers)])
    return tuple(root.spawn(3))


def draw_workforce(config: EconomyConfig, n_workers: int, rng: np.random.Generator) -> Workforce:
    """Draw N workers: skills, proficiencies, true and reported capacities, private costs."""
    k = config.n_skills
    has_skill = rng.random((n_workers, k)) < config.skill_probability
    unskilled = ~has_skill.any(axis=1)
    has_skill[unskilled, rng.integers(k, size=n_workers)[unskilled]] = True
    level = rng.uniform(config.proficiency_low, config.proficiency_high, size=(n_workers, k))
    capacity = rng.uniform(config.capacity_low, config.capacity_high, size=n_workers)
    liar = rng.random(n_workers) < config.misreport_share
    reported = np.where(liar, config.misreport_factor * capacity, capacity)
    unit_cost = rng.uniform(config.unit_cost_low, config.unit_cost_high, size=n_workers)
    return Workforce(capacity, reported, unit_cost, np.where(has_skill, level, 0.0))


def draw_task_stream(config: EconomyConfig, n_workers: int, arrivals_rng: np.random.Generator,
                     urgent_rng: np.random.Generator) -> TaskStream:
    """Draw regular Poisson(rate * N) arrivals per tick and inject the urgent tasks."""
    per_tick = arrivals_rng.poisson(config.arrivals_per_worker_per_tick * n_workers, size=config.horizon_ticks)
    arrival = np.repeat(np.arange(config.horizon_ticks), per_tick)
    m = len(arrival)
    effort = arrivals_rng.integers(config.effort_low, config.effort_high + 1, size=m).astype(float)
    regular = dict(
        arrival=arrival, skill=arrivals_rng.integers(config.n_skills, size=m), effort=effort,
        value=effort * arrivals_rng.uniform(config.value_per_effort_low, config.value_per_effort_high, size=m),
        deadline=arrival + effort * arrivals_rng.uniform(config.slack_per_effort_low,
                                                         config.slack_per_effort_high, size=m),
        urgent=np.zeros(m, dtype=bool))
    return _merge(regular, _urgent_tasks(config, urgent_rng))


def _urgent_tasks(config: EconomyConfig, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Urgent tasks at evenly spaced ticks over the middle half of the run."""
    horizon, count = config.horizon_ticks, config.urgent_tasks
    arrival = np.floor(np.linspace(horizon / 4, 3 * horizon / 4, count)).astype(np.int64)
    effort = np.full(count, float(config.urgent_effort))
    return dict(arrival=arrival, skill=rng.integers(config.n_skills, size=count), effort=effort,
                value=effort * config.urgent_value_per_effort,
                deadline=arrival + config.urgent_window_ticks, urgent=np.ones(count, dtype=bool))


def _merge(regular: dict[str, np.ndarray], urgent: dict[str, np.ndarray]) -> TaskStream:
    """Concatenate and order by (arrival tick, urgent first, draw order)."""
    merged = {name: np.concatenate([urgent[name], regular[name]]) for name in regular}
    order = np.lexsort((np.arange(len(merged["arrival"])), ~merged["urgent"], merged["arrival"]))
    return TaskStream(**{name: column[order] for name, column in merged.items()})


def draw_economy(config: EconomyConfig, seed: int, n_workers: int) -> tuple[Workforce, TaskStream]:
    """The workforce and the task stream of run ``(seed, N)``; identical for both coordinators."""
    workforce_rng, arrivals_rng, urgent_rng = run_streams(seed, n_workers)
    workforce = draw_workforce(config, n_workers, workforce_rng)
    return workforce, draw_task_stream(config, n_workers, arrivals_rng, urgent_rng)

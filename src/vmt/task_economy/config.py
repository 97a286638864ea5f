"""Parameters of the task-allocation economy, validated with errors a user can act on.

Every number that shapes the economy lives in :class:`EconomyConfig`, with
its unit and the reason for its default, so that a reader of a result knows
exactly which modelling choices produced it ("Experiment: Central
Planning vs Market").  Time is measured in *ticks*; read one tick as one hour
of work.  Effort is measured in *work units*; a worker of capacity 1 and
proficiency 1 does one work unit per tick.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields

DEFAULT_WORKFORCE_SIZES = (5, 10, 20, 50, 100, 200)
PLANNER_QUEUE_NAMES = ("fifo", "newest_first")


class TaskEconomyConfigError(ValueError):
    """A parameter of the task economy is out of range or malformed."""


@dataclass(frozen=True)
class EconomyConfig:
    """Parameters of one run of the task economy (all runs of a sweep share them).

    Parameters
    ----------
    horizon_ticks : int
        Length of a run, in ticks.
    n_skills : int
        Number of skill types; every task needs exactly one.
    skill_probability : float
        Probability that a worker has a given skill (each worker gets at
        least one skill).
    proficiency_low, proficiency_high : float
        Proficiency ``pi_ik`` of a skilled worker is uniform on this range; a
        task of effort ``e`` is ``w = e / pi_ik`` work units for worker ``i``.
    capacity_low, capacity_high : float
        True capacity ``kappa_i`` (work units per tick) is uniform on this range.
    unit_cost_low, unit_cost_high : float
        Private cost ``theta_i`` per work unit is uniform on this range; the
        private cost of task ``j`` to worker ``i`` is ``c_ij = theta_i * w_ij``.
    misreport_share : float
        Share of workers who under-report their capacity to the planner.
    misreport_factor : float
        An under-reporter reports ``kappa_hat = misreport_factor * kappa``.
    arrivals_per_worker_per_tick : float
        Regular tasks arrive as Poisson(``rate * N``) per tick, so the load per
        worker is the same at every N and only coordination changes with N.
    effort_low, effort_high : int
        Effort of a regular task, uniform integer on this range (work units).
    value_per_effort_low, value_per_effort_high : float
        A task's value is ``effort * U(low, high)``: the requester's willingness
        to pay, and the reserve price of its auction.
    slack_per_effort_low, slack_per_effort_high : float
        Deadline = arrival + ``effort * U(low, high)`` ticks.
    urgent_tasks : int
        Urgent tasks injected per run, evenly spaced over the middle half.
    urgent_effort : int
        Effort of an urgent task (work units).
    urgent_value_per_effort : float
        Value per work unit of an urgent task (high: it must be done).
    urgent_window_ticks : float
        An urgent task's deadline is its injection tick plus this window.
    planner_evaluations_per_tick : float
        The planner's attention: how many worker records it can evaluate per
        tick.  One assignment decision evaluates all N workers, so the planner
        makes at most ``planner_evaluations_per_tick / N`` decisions per tick.
        Default 240: one hour-long tick, 15 seconds to review one worker's
        status.  ``inf`` gives a planner whose decisions are free.
    planner_queue : str
        Order in which the planner takes waiting regular tasks: ``fifo`` or
        ``newest_first`` (see :mod:`vmt.task_economy.planner`).
    initial_budget : float
        Money each market worker starts with; it pays its task costs from it.
    """

    horizon_ticks: int = 200
    n_skills: int = 4
    skill_probability: float = 0.5
    proficiency_low: float = 0.5
    proficiency_high: float = 1.0
    capacity_low: float = 0.5
    capacity_high: float = 2.0
    unit_cost_low: float = 0.5
    unit_cost_high: float = 1.5
    misreport_share: float = 0.3
    misreport_factor: float = 0.6
    arrivals_per_worker_per_tick: float = 0.12
    effort_low: int = 2
    effort_high: int = 12
    value_per_effort_low: float = 1.0
    value_per_effort_high: float = 3.0
    slack_per_effort_low: float = 1.5
    slack_per_effort_high: float = 4.0
    urgent_tasks: int = 5
    urgent_effort: int = 4
    urgent_value_per_effort: float = 10.0
    urgent_window_ticks: float = 12.0
    planner_evaluations_per_tick: float = 240.0
    planner_queue: str = "fifo"
    initial_budget: float = 30.0

    def __post_init__(self) -> None:
        for item in fields(self):
            _check_type(item.name, getattr(self, item.name), item.type)
        for name, rule, text in _RULES:
            if not rule(self):
                raise TaskEconomyConfigError(f"invalid task-economy parameter {name}: {text}")

    def replace(self, **changes: object) -> "EconomyConfig":
        """Return a copy with ``changes`` applied (validated again)."""
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            valid = ", ".join(f.name for f in fields(self))
            raise TaskEconomyConfigError(f"unknown task-economy parameter(s) {unknown}; valid: {valid}")
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return EconomyConfig(**values)


def _check_type(name: str, value: object, annotation: str) -> None:
    """Reject booleans, NaN and values of the wrong kind, naming the parameter."""
    if annotation == "str":
        if not isinstance(value, str):
            raise TaskEconomyConfigError(f"task-economy parameter {name} must be a name, got {value!r}")
        return
    wants_int = annotation == "int"
    ok_kind = isinstance(value, int) if wants_int else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_kind:
        kind = "an integer" if wants_int else "a number"
        raise TaskEconomyConfigError(f"task-economy parameter {name} must be {kind}, got {value!r}")
    if not wants_int and math.isnan(value):
        raise TaskEconomyConfigError(f"task-economy parameter {name} must be a number, got NaN")


def _finite_positive(value: float) -> bool:
    return math.isfinite(value) and value > 0


_RULES = (
    ("horizon_ticks", lambda c: c.horizon_ticks >= 1, "must be at least 1 tick"),
    ("n_skills", lambda c: c.n_skills >= 1, "must be at least 1"),
    ("skill_probability", lambda c: 0 < c.skill_probability <= 1, "must be in (0, 1]"),
    ("proficiency_low", lambda c: 0 < c.proficiency_low <= c.proficiency_high <= 1,
     "need 0 < proficiency_low <= proficiency_high <= 1"),
    ("capacity_low", lambda c: _finite_positive(c.capacity_low) and c.capacity_low <= c.capacity_high
     and math.isfinite(c.capacity_high), "need 0 < capacity_low <= capacity_high < inf"),
    ("unit_cost_low", lambda c: _finite_positive(c.unit_cost_low) and c.unit_cost_low <= c.unit_cost_high
     and math.isfinite(c.unit_cost_high), "need 0 < unit_cost_low <= unit_cost_high < inf"),
    ("misreport_share", lambda c: 0 <= c.misreport_share <= 1, "must be in [0, 1]"),
    ("misreport_factor", lambda c: 0 < c.misreport_factor <= 1,
     "must be in (0, 1] (workers under-report, never over-report)"),
    ("arrivals_per_worker_per_tick", lambda c: _finite_positive(c.arrivals_per_worker_per_tick),
     "must be a positive finite rate"),
    ("effort_low", lambda c: 1 <= c.effort_low <= c.effort_high, "need 1 <= effort_low <= effort_high"),
    ("value_per_effort_low", lambda c: _finite_positive(c.value_per_effort_low)
     and c.value_per_effort_low <= c.value_per_effort_high and math.isfinite(c.value_per_effort_high),
     "need 0 < value_per_effort_low <= value_per_effort_high < inf"),
    ("slack_per_effort_low", lambda c: _finite_positive(c.slack_per_effort_low)
     and c.slack_per_effort_low <= c.slack_per_effort_high and math.isfinite(c.slack_per_effort_high),
     "need 0 < slack_per_effort_low <= slack_per_effort_high < inf"),
    ("urgent_tasks", lambda c: c.urgent_tasks >= 1,
     "must be at least 1 (adaptability is measured on urgent tasks)"),
    ("urgent_effort", lambda c: c.urgent_effort >= 1, "must be at least 1 work unit"),
    ("urgent_value_per_effort", lambda c: _finite_positive(c.urgent_value_per_effort), "must be positive"),
    ("urgent_window_ticks", lambda c: _finite_positive(c.urgent_window_ticks), "must be positive"),
    ("planner_evaluations_per_tick", lambda c: c.planner_evaluations_per_tick > 0,
     "must be positive (use inf for a planner whose decisions cost nothing)"),
    ("planner_queue", lambda c: c.planner_queue in PLANNER_QUEUE_NAMES,
     f"unknown queue discipline; valid: {', '.join(PLANNER_QUEUE_NAMES)}"),
    ("initial_budget", lambda c: c.initial_budget >= 0 and math.isfinite(c.initial_budget),
     "must be a finite amount >= 0"),
)


def parse_workforce_sizes(text: str) -> tuple[int, ...]:
    """Parse a comma-separated list of workforce sizes such as ``"5,10,20"``.

    Raises
    ------
    TaskEconomyConfigError
        When an item is not a whole number, is below 1, or is repeated.
    """
    items = [item.strip() for item in str(text).split(",")]
    if not any(items):
        raise TaskEconomyConfigError("the list of workforce sizes is empty; give e.g. --n 5,10,20")
    sizes = []
    for item in items:
        try:
            size = int(item)
        except ValueError:
            raise TaskEconomyConfigError(
                f"workforce size {item!r} in {text!r} is not a whole number; give e.g. --n 5,10,20") from None
        if size < 1:
            raise TaskEconomyConfigError(f"workforce size {item!r} in {text!r} must be at least 1 worker")
        if size in sizes:
            raise TaskEconomyConfigError(f"workforce size {size} appears twice in {text!r}")
        sizes.append(size)
    return tuple(sizes)


def check_seed_count(seeds: int) -> int:
    """Return ``seeds`` if a confidence interval and a paired test can be computed from it."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 2:
        raise TaskEconomyConfigError(
            f"number of seeds must be a whole number >= 2 (a confidence interval needs two runs), got {seeds!r}")
    return seeds


_PARSERS = {"int": int, "float": float, "str": str}


def parse_overrides(items: Iterable[str]) -> dict[str, object]:
    """Turn ``name=value`` strings (the CLI's ``--set``) into typed :class:`EconomyConfig` changes."""
    kinds = {f.name: f.type for f in fields(EconomyConfig)}
    changes: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or name not in kinds:
            raise TaskEconomyConfigError(
                f"cannot read override {item!r}: expected name=value with name one of {', '.join(kinds)}")
        try:
            changes[name] = _PARSERS[kinds[name]](text.strip())
        except ValueError:
            raise TaskEconomyConfigError(
                f"override {item!r}: {text.strip()!r} is not a valid {kinds[name]} for {name}") from None
    return changes

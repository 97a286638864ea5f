"""The metrics registry: what a sweep measures on every finished run, and
what ``sim.collect`` reports while one runs.

A metric is a function of the finished :class:`~vmt.simulation.Simulation`
(and, if it takes a second argument, the :class:`RunContext`: the point, the
seed, the equilibrium prices and the per-tick valuation dispersion) that
returns a float or a mapping of floats. A mapping becomes one column per key,
named ``metric[key]`` (``final_price[A<->B]``). Register your own by name::

    from vmt.simulation.metrics import register_metric  # also vmt.experiments.register_metric

    @register_metric("richest_share", description="share of utility held by the top agent")
    def richest_share(sim):
        u = sim.utilities()
        return float(u.max() / u.sum())

and name it in an experiment's ``metrics`` list (or leave the list out to
collect every registered metric). Metrics defined in a script run on Dask
workers too: the function travels with the task.

The registry lives with the simulation, the layer both users stand on;
``vmt.experiments`` re-exports it.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable

import numpy as np

MetricValue = float | dict[str, float]


@dataclass(frozen=True)
class Metric:
    """A named measurement of a finished run."""

    name: str
    fn: Callable[..., MetricValue]
    description: str = ""

    @property
    def wants_context(self) -> bool:
        """True when ``fn`` accepts a second positional argument (the run context)."""
        try:
            parameters = inspect.signature(self.fn).parameters.values()
        except (TypeError, ValueError):
            return False
        positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters)

    def __call__(self, sim, context: "RunContext") -> dict[str, float]:
        value = self.fn(sim, context) if self.wants_context else self.fn(sim)
        return _columns(self.name, value)


@dataclass
class RunContext:
    """What a metric may need besides the simulation itself.

    Attributes
    ----------
    point : the swept parameter values of this run (column -> value).
    seed : the run's seed.
    ticks : ticks run.
    equilibrium_prices : Walrasian price per exchange pair (``"A<->B"`` ...) of
        the economy as it started (pure exchange of the initial holdings), for
        the pairs where it could be computed.
    valuation_dispersion : per tick, the cross-agent standard deviation of the
        log marginal valuation in the regime's first pair (MRS of A in B in
        barter, ``MU_A / lambda`` with money), measured after the tick.
    convergence_threshold : the dispersion below which the run counts as converged.
    """

    point: dict[str, Any]
    seed: int
    ticks: int
    equilibrium_prices: dict[str, float] = field(default_factory=dict)
    valuation_dispersion: np.ndarray = field(default_factory=lambda: np.zeros(0))
    convergence_threshold: float = 0.05


METRICS: dict[str, Metric] = {}


def register_metric(name: str, fn: Callable[..., MetricValue] | None = None, *, description: str = "",
                    replace: bool = False):
    """Register ``fn`` as metric ``name``; usable as a decorator (``@register_metric("name")``).

    Raises ``ValueError`` when ``name`` is taken (pass ``replace=True`` to
    redefine it) or is not a plain identifier-like name.
    """
    if not isinstance(name, str) or not name or any(c in name for c in "[]., "):
        raise ValueError(f"metric name {name!r}: use letters, digits and underscores")

    def add(function: Callable[..., MetricValue]) -> Callable[..., MetricValue]:
        if not callable(function):
            raise TypeError(f"metric {name!r}: {function!r} is not callable")
        _ensure_builtins()
        if name in METRICS and not replace and METRICS[name].fn is not function:
            raise ValueError(f"a metric named {name!r} is already registered; pass replace=True to redefine it")
        METRICS[name] = Metric(name, function, description or (function.__doc__ or "").strip().split("\n")[0])
        return function

    return add if fn is None else add(fn)


def metric_names() -> list[str]:
    """Every registered metric, built-ins first, in registration order."""
    _ensure_builtins()
    return list(METRICS)


def resolve_metric_names(names: list[str] | None) -> list[str]:
    """``names`` checked against the registry (``None``: every registered metric).

    Raises ``KeyError`` whose message lists the valid names.
    """
    valid = metric_names()
    if names is None:
        return valid
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise KeyError(f"unknown metric {', '.join(map(repr, unknown))}; registered metrics: {', '.join(valid)}")
    return list(dict.fromkeys(names))


def metrics_named(names: list[str]) -> list[Metric]:
    """The registered :class:`Metric` objects for ``names`` (they travel with a task)."""
    return [METRICS[n] for n in resolve_metric_names(names)]


def _columns(name: str, value: Any) -> dict[str, float]:
    if isinstance(value, dict):
        return {f"{name}[{key}]": _number(name, key, v) for key, v in value.items()}
    return {name: _number(name, None, value)}


def _number(name: str, key: Any, value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number)):
        where = name if key is None else f"{name}[{key}]"
        raise TypeError(f"metric {where} returned {type(value).__name__} {value!r}; a metric returns a float "
                        "or a mapping of floats")
    return float(value)


def _ensure_builtins() -> None:
    """Register the built-in metrics on first use (keeps this module import light)."""
    if not _BUILTINS_LOADED:
        _load_builtins()


_BUILTINS_LOADED = False


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    _BUILTINS_LOADED = True
    from vmt.simulation import builtin_metrics

    for name, fn in builtin_metrics.BUILTIN_METRICS.items():
        METRICS.setdefault(name, Metric(name, fn, (fn.__doc__ or "").strip().split("\n")[0]))

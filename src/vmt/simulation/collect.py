"""In-memory data collection, in the manner of Mesa's DataCollector.

``sim.collect(model={...}, agents={...}, every=k)`` attaches a
:class:`DataCollector` through the public ``after_tick`` hook. Each reporter
is a name mapped to either a function of the simulation or the name of a
registered reporter:

* a *model* reporter returns a number, or a mapping of numbers that becomes
  one column per key (``volume[A<->B]``): ``fn(sim)``. Names are the sweep
  metrics (:mod:`vmt.simulation.metrics`: the built-ins and whatever
  ``register_metric`` added, so one function serves a collection and a
  sweep) plus the tick-local reporters of :data:`MODEL_REPORTERS`;
* an *agent* reporter returns one value per agent: ``fn(sim) -> array (n,)``.

The state is collected when the collector is attached (tick 0 of a fresh
run) and then after every ``every``-th tick, where "tick" counts completed
ticks (``sim.tick``). Nothing is written to disk.

The metric registry (:mod:`vmt.simulation.metrics`, shared with sweeps) is
imported only when a reporter is named by a string that is not tick-local,
so that attaching plain functions loads nothing more.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
import pandas as pd

from vmt.world.state import PAIR_NAMES


def _price_a_b_last_tick(sim) -> float:
    last = sim.trade_log.last
    if last is None or last["tick"].size == 0 or last["tick"][0] != sim.tick - 1:
        return float("nan")
    prices = last["price"][last["pair_type"] == PAIR_NAMES[0]]
    return float(prices.mean()) if prices.size else float("nan")


def _trades_last_tick(sim) -> float:
    last = sim.trade_log.last
    fresh = last is not None and last["tick"].size and last["tick"][0] == sim.tick - 1
    return float(last["tick"].size) if fresh else 0.0


#: Tick-local model reporters (name -> fn(sim) -> float): the state now, not a
#: whole run's result, so they are not sweep metrics.
MODEL_REPORTERS: dict[str, Callable] = {
    "total_utility": lambda sim: float(sim.utilities().sum()),
    "mean_utility": lambda sim: float(sim.utilities().mean()),
    "trades_last_tick": _trades_last_tick,
    "price_A_B_last_tick": _price_a_b_last_tick,
}

#: Built-in agent reporters: name -> fn(sim) -> array (n,); holdings in real units.
AGENT_REPORTERS: dict[str, Callable] = {
    "x": lambda sim: sim.world.agents.x.copy(),
    "y": lambda sim: sim.world.agents.y.copy(),
    "A": lambda sim: sim.world.real_holdings()[:, 0],
    "B": lambda sim: sim.world.real_holdings()[:, 1],
    "M": lambda sim: sim.world.real_holdings()[:, 2],
    "utility": lambda sim: sim.utilities(),
    "lambda": lambda sim: sim.world.agents.lambda_money.copy(),
    "partner": lambda sim: sim.world.agents.partner.copy(),
    "group": lambda sim: sim.world.agents.group.copy(),
}


def model_reporter_names() -> list[str]:
    """Every name a model reporter may use: tick-local reporters, then sweep metrics."""
    from vmt.simulation.metrics import metric_names

    return [*MODEL_REPORTERS, *metric_names()]


def _model_reporter(label: str, how) -> Callable:
    if callable(how):
        return how
    if how in MODEL_REPORTERS:
        return MODEL_REPORTERS[how]
    from vmt import plugins
    from vmt.simulation.metrics import METRICS, metric_names

    if isinstance(how, str) and how not in metric_names():
        plugins.load_plugins()  # a plug-in may register metrics
    metric = METRICS.get(how) if isinstance(how, str) else None
    if metric is None:
        raise ValueError(f"model reporter {label!r}: {how!r} is neither a function of the simulation nor a "
                         f"registered reporter; names: {', '.join(model_reporter_names())}")
    if metric.wants_context:
        raise ValueError(f"model reporter {label!r}: metric {how!r} needs a sweep's run context (equilibrium "
                         "prices, the dispersion series); use it in a sweep, or write a function of the simulation")
    return metric.fn


def _agent_reporter(label: str, how) -> Callable:
    if callable(how):
        return how
    if isinstance(how, str) and how in AGENT_REPORTERS:
        return AGENT_REPORTERS[how]
    raise ValueError(f"agent reporter {label!r}: {how!r} is neither a function of the simulation nor a "
                     f"built-in agent reporter; built-ins: {', '.join(AGENT_REPORTERS)}")


def _resolve(reporters, resolve_one, reserved: tuple[str, ...]) -> dict[str, Callable]:
    """Names -> functions; columns the collector adds itself are reserved."""
    resolved = {label: resolve_one(label, how) for label, how in (reporters or {}).items()}
    taken = [label for label in resolved if label in reserved]
    if taken:
        raise ValueError(f"reporters may not be named {', '.join(map(repr, reserved))} (those columns are added)")
    return resolved


class DataCollector:
    """Collects model and agent reporters every ``every`` ticks (an ``after_tick`` hook)."""

    def __init__(self, sim, model=None, agents=None, every: int = 1):
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be a whole number of ticks >= 1, got {every!r}")
        self.sim, self.every = sim, int(every)
        self.model = _resolve(model, _model_reporter, ("tick",))
        self.agents = _resolve(agents, _agent_reporter, ("tick", "agent_id"))
        self._model_rows: list[dict] = []
        self._agent_chunks: list[dict[str, np.ndarray]] = []
        self.collect_now()

    def __call__(self, tick: int) -> None:
        if (tick + 1) % self.every == 0:
            self.collect_now()

    def collect_now(self) -> None:
        """Record every reporter for the current state (tick = ``sim.tick``)."""
        tick = self.sim.tick
        if self.model:
            row = {"tick": tick}
            for label, fn in self.model.items():
                row.update(_model_columns(label, fn(self.sim)))
            self._model_rows.append(row)
        if self.agents:
            n = self.sim.world.agents.n
            chunk = {"tick": np.full(n, tick, dtype=np.int64), "agent_id": np.arange(n)}
            for name, fn in self.agents.items():
                chunk[name] = _per_agent(name, fn(self.sim), n)
            self._agent_chunks.append(chunk)

    def model_df(self) -> pd.DataFrame:
        """One row per collection: ``tick`` and the model reporters' columns
        (a mapping-valued reporter gives ``label[key]`` columns, NaN where a
        key was missing)."""
        if not self._model_rows:
            return pd.DataFrame(columns=["tick", *self.model])
        return pd.DataFrame(self._model_rows)

    def agents_df(self) -> pd.DataFrame:
        """One row per agent and collection: ``tick``, ``agent_id``, then the reporters."""
        columns = ["tick", "agent_id", *self.agents]
        if not self._agent_chunks:
            return pd.DataFrame(columns=columns)
        return pd.DataFrame({c: np.concatenate([ch[c] for ch in self._agent_chunks]) for c in columns})


def _model_columns(label: str, value) -> dict:
    if isinstance(value, dict):
        return {f"{label}[{key}]": v for key, v in value.items()}
    return {label: value}


def _per_agent(name: str, values, n: int) -> np.ndarray:
    values = np.asarray(values)
    if values.shape != (n,):
        raise ValueError(f"agent reporter {name!r} returned shape {values.shape}; it must return "
                         f"one value per agent, shape ({n},)")
    return values

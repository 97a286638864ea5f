"""In-memory data collection, in the manner of Mesa's DataCollector.

``sim.collect(model={...}, agents={...}, every=k)`` attaches a
:class:`DataCollector` through the public ``after_tick`` hook. Each reporter
is a name mapped to either a function of the simulation or the name of a
built-in reporter:

* a *model* reporter returns one number per collection: ``fn(sim) -> float``
  (the signature of a sweep metric, so one function serves both);
* an *agent* reporter returns one value per agent: ``fn(sim) -> array (n,)``.

The state is collected when the collector is attached (tick 0 of a fresh
run) and then after every ``every``-th tick, where "tick" counts completed
ticks (``sim.tick``). Nothing is written to disk.
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


#: Built-in model reporters: name -> fn(sim) -> float.
MODEL_REPORTERS: dict[str, Callable] = {
    "total_utility": lambda sim: float(sim.utilities().sum()),
    "mean_utility": lambda sim: float(sim.utilities().mean()),
    "utility_gain": lambda sim: float(sim.utilities().sum() - sim.initial_utility.sum()),
    "trade_count": lambda sim: float(sim.trade_log.count),
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


def _resolve(reporters: Mapping[str, Callable | str] | None, built_in: dict[str, Callable],
             level: str) -> dict[str, Callable]:
    """Names -> functions; a string names a built-in reporter."""
    resolved = {}
    for name, how in (reporters or {}).items():
        if callable(how):
            resolved[name] = how
        elif isinstance(how, str) and how in built_in:
            resolved[name] = built_in[how]
        else:
            raise ValueError(f"{level} reporter {name!r}: {how!r} is neither a function of the "
                             f"simulation nor a built-in {level} reporter; built-ins: {', '.join(built_in)}")
    if "tick" in resolved or (level == "agent" and "agent_id" in resolved):
        raise ValueError(f"{level} reporters may not be named 'tick' or 'agent_id' (those columns are added)")
    return resolved


class DataCollector:
    """Collects model and agent reporters every ``every`` ticks (an ``after_tick`` hook)."""

    def __init__(self, sim, model=None, agents=None, every: int = 1):
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be a whole number of ticks >= 1, got {every!r}")
        self.sim, self.every = sim, int(every)
        self.model = _resolve(model, MODEL_REPORTERS, "model")
        self.agents = _resolve(agents, AGENT_REPORTERS, "agent")
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
            self._model_rows.append({"tick": tick, **{n: fn(self.sim) for n, fn in self.model.items()}})
        if self.agents:
            n = self.sim.world.agents.n
            chunk = {"tick": np.full(n, tick, dtype=np.int64), "agent_id": np.arange(n)}
            for name, fn in self.agents.items():
                chunk[name] = _per_agent(name, fn(self.sim), n)
            self._agent_chunks.append(chunk)

    def model_df(self) -> pd.DataFrame:
        """One row per collection: ``tick`` and one column per model reporter."""
        return pd.DataFrame(self._model_rows, columns=["tick", *self.model])

    def agents_df(self) -> pd.DataFrame:
        """One row per agent and collection: ``tick``, ``agent_id``, then the reporters."""
        columns = ["tick", "agent_id", *self.agents]
        if not self._agent_chunks:
            return pd.DataFrame(columns=columns)
        return pd.DataFrame({c: np.concatenate([ch[c] for ch in self._agent_chunks]) for c in columns})


def _per_agent(name: str, values, n: int) -> np.ndarray:
    values = np.asarray(values)
    if values.shape != (n,):
        raise ValueError(f"agent reporter {name!r} returned shape {values.shape}; it must return "
                         f"one value per agent, shape ({n},)")
    return values

"""``Simulation``: one run of one scenario under one seed.

Familiar to Mesa users: build it, ``step()`` it or ``run(ticks)`` it, and read
the state and the trades as pandas frames. Every random draw comes from one
``numpy.random.SeedSequence(seed)``, spawned into streams for building the
world, for the ticks and for market institutions, so the same scenario and seed give
identical trades and snapshots whatever the number of threads.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from vmt import protocols as _protocols  # noqa: F401  (registers the built-ins)
from vmt.economics.families import family_name
from vmt.engine import Engine
from vmt.engine.threads import ThreadChooser, using_threads
from vmt.markets import build_components
from vmt.protocols.registry import create_protocol
from vmt.scenario import Scenario, load_scenario
from vmt.simulation.invariants import InvariantChecker
from vmt.simulation.phases import BilateralTick
from vmt.simulation.trades import TradeLog, trade_columns, with_component_trades
from vmt.world.build import build_world
from vmt.world.valuation import utilities

def resolve_protocols(scenario: Scenario) -> dict[str, tuple[str, dict]]:
    """(name, params) per protocol kind after aliases (``resolved_name``).

    Raises ``ProtocolError`` naming the key and the valid names.
    """
    chosen = {}
    for kind in ("search", "matching", "bargaining"):
        spec = getattr(scenario.protocols, kind)
        chosen[kind] = (spec.resolved_name, dict(spec.params))
    return chosen


def check_protocols(scenario: Scenario) -> dict[str, object]:
    """Build the scenario's protocols: raises ``ProtocolError`` for an unknown
    name or a bad parameter (used by ``vmt validate`` and by ``Simulation``)."""
    return {kind: create_protocol(kind, name, params) for kind, (name, params) in resolve_protocols(scenario).items()}


class Simulation:
    """One run: world state, the engine and its hooks.

    Parameters
    ----------
    scenario : Scenario, path, YAML text or dict
    seed : int, optional
        Defaults to the scenario's ``seed`` key, else 0.
    overrides : sequence of "key.path=value" applied before validation.
    telemetry : path of an SQLite file to record to (None: in memory only).
    check_invariants : check conservation and consistency after every tick.
    threads : threads for the parallel kernels (default: ``VMT_THREADS``, else
        one for small runs, and for large ones whichever of all or one is
        faster on the machine as it is; see ``vmt.engine.threads``). Results
        do not depend on it.
    """

    def __init__(self, scenario, seed: int | None = None, *, overrides=(), telemetry=None,
                 check_invariants: bool = False, threads: int | None = None):
        if not isinstance(scenario, Scenario) or overrides:
            scenario = load_scenario(scenario, overrides)
        self.scenario = scenario
        self.seed = int(seed if seed is not None else (self.scenario.seed or 0))
        world_seq, tick_seq, market_seq = np.random.SeedSequence(self.seed).spawn(3)
        self.world = build_world(self.scenario, np.random.default_rng(world_seq))
        self.thread_chooser = ThreadChooser(self.world.agents.n, threads)
        self.protocols = resolve_protocols(self.scenario)
        made = check_protocols(self.scenario)
        self.tick_state = BilateralTick(self.world, self.scenario.params, made["search"], made["matching"],
                                        made["bargaining"], np.random.default_rng(tick_seq))
        self.tick_state.components = build_components(self.scenario, self.world, np.random.default_rng(market_seq))
        self.engine = Engine(self.tick_state.phases())
        self.trade_log = TradeLog()
        self.initial_utility = utilities(self.world)
        self.initial_inventory = self.world.agents.inventory.copy()
        self.initial_lambda = self.world.agents.lambda_money.copy()
        self.engine.on("after_phase", self._log_trades)
        if check_invariants:
            self.engine.on("after_phase", InvariantChecker(self))
        self.collector = None
        self.recorder = None
        if telemetry is not None:
            from vmt.telemetry.recorder import RunRecorder

            self.recorder = RunRecorder(self, Path(telemetry))

    # -- running -----------------------------------------------------------
    @property
    def tick(self) -> int:
        return self.engine.tick

    def step(self) -> None:
        """Advance one tick."""
        threads = self.thread_chooser.next()
        start = time.perf_counter()
        with using_threads(threads):
            self.engine.step()
        self.thread_chooser.record(threads, time.perf_counter() - start)

    def run(self, ticks: int | None = None, progress: Callable[[int], None] | None = None) -> "Simulation":
        """Run ``ticks`` ticks (default: the scenario's ``params.ticks``).

        With telemetry, the run is marked completed at the end, or
        interrupted/failed (with everything recorded so far kept) if an
        exception or Ctrl-C stops it.
        """
        ticks = self.scenario.params.ticks if ticks is None else int(ticks)
        if ticks < 0:
            raise ValueError(f"ticks must be >= 0, got {ticks}")
        try:
            for _ in range(ticks):
                self.step()
                if progress is not None:
                    progress(1)
        except BaseException as exc:
            if self.recorder is not None:
                self.recorder.abort(exc)
            raise
        if self.recorder is not None:
            self.recorder.finish()
        return self

    def on(self, event: str, fn: Callable) -> Callable:
        """Attach an observer hook to the engine (see ``vmt.engine``)."""
        return self.engine.on(event, fn)

    def _log_trades(self, tick: int, phase: str) -> None:
        if phase == "trade":
            bilateral = trade_columns(tick, self.tick_state.proposals, self.world)
            self.trade_log.add(with_component_trades(bilateral, tick, self.tick_state.components))

    # -- data --------------------------------------------------------------
    def utilities(self) -> np.ndarray:
        return utilities(self.world)

    def welfare(self):
        """Share of the Walrasian gains from trade realised so far (``.share``; see
        :func:`vmt.simulation.welfare.run_welfare` and ``docs/economics.md``)."""
        from vmt.simulation.welfare import run_welfare

        return run_welfare(self)

    def agents_df(self) -> "pd.DataFrame":
        """Current state of every agent, one row per agent."""
        import pandas as pd

        w, ag = self.world, self.world.agents
        held = w.real_holdings()
        return pd.DataFrame({
            "agent_id": np.arange(ag.n),
            "group": ag.group,
            "utility_family": [family_name(c) for c in ag.family],
            "x": ag.x.copy(),
            "y": ag.y.copy(),
            "A": held[:, 0],
            "B": held[:, 1],
            "M": held[:, 2],
            "utility": self.utilities(),
            "lambda": ag.lambda_money.copy(),
            "partner": ag.partner.copy(),
        })

    def trades_df(self) -> "pd.DataFrame":
        """Every executed trade so far, in execution order."""
        return self.trade_log.frame()

    def collect(self, model=None, agents=None, every: int = 1):
        """Collect reporters in memory every ``every`` ticks (Mesa-style).

        ``model`` and ``agents`` map column names to functions of the
        simulation or to built-in reporter names (see
        :mod:`vmt.simulation.collect`); read them with :meth:`model_df` and
        :meth:`agents_history_df`. The current state is collected at once.
        """
        from vmt.simulation.collect import DataCollector

        if self.collector is not None:
            raise ValueError("this simulation already collects data; build a new Simulation to collect other reporters")
        self.collector = DataCollector(self, model, agents, every)
        self.on("after_tick", self.collector)
        return self.collector

    def model_df(self) -> pd.DataFrame:
        """The model reporters collected so far, one row per collection."""
        return self._collected().model_df()

    def agents_history_df(self) -> pd.DataFrame:
        """The agent reporters collected so far, one row per agent and collection."""
        return self._collected().agents_df()

    def _collected(self):
        if self.collector is None:
            raise ValueError("nothing collected: call sim.collect(model={...}, agents={...}, every=k) before running")
        return self.collector

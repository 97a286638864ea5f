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
from vmt.economics.families import UtilityParamError, family_name, family_names_of, recode_families
from vmt.engine import Engine
from vmt.engine.cpu_load import FreeCores
from vmt.engine.threads import ThreadChooser, using_threads
from vmt.markets import build_components
from vmt.protocols.registry import create_protocol
from vmt.scenario import Scenario, load_scenario
from vmt.simulation import checkpoint
from vmt.simulation.errors import SimulationError, checked_count
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
        In ``[0, 2**63 - 1]``. Defaults to the scenario's ``seed`` key, else 0.
    overrides : sequence of "key.path=value" applied before validation.
    telemetry : path of an SQLite file to record to (None: in memory only).
    check_invariants : check conservation and consistency after every tick.
    threads : threads for the parallel kernels (default: ``VMT_THREADS``, else
        one for small runs, and for large ones one per core that other
        processes leave free, followed as they start and stop; see
        ``vmt.engine.threads``). Results do not depend on it.
    trade_history : which executed trades ``trades_df`` keeps in memory:
        ``"auto"`` (every trade up to a million, then none: memory stays
        bounded in long large runs), ``"all"`` or ``"recent"`` (none). The
        trade count, the last tick's trades and the welfare yardstick are
        kept whatever the choice (``vmt.simulation.trades.TradeLog``).

    A tick is atomic for the caller: if a phase or a hook raises, the
    simulation is marked failed (its state is part-way through a tick) and
    every later ``step``/``run`` raises :class:`SimulationError`; the recorded
    telemetry keeps every tick committed before, with status ``failed`` (or
    ``interrupted`` for Ctrl-C).
    """

    def __init__(self, scenario, seed: int | None = None, *, overrides=(), telemetry=None,
                 check_invariants: bool = False, threads: int | None = None, trade_history: str = "auto"):
        if not isinstance(scenario, Scenario) or overrides:
            scenario = load_scenario(scenario, overrides)
        self.scenario = scenario
        self.seed = checked_count("seed", seed if seed is not None else (scenario.seed or 0))
        world_seq, tick_seq, market_seq = np.random.SeedSequence(self.seed).spawn(3)
        free_cores = FreeCores()  # its first window covers building the world: the first tick is chosen too
        world = build_world(scenario, np.random.default_rng(world_seq))
        self.thread_chooser = ThreadChooser(world.agents.n, threads, free_cores=free_cores)
        made = check_protocols(scenario)
        tick_state = BilateralTick(world, scenario.params, made["search"], made["matching"],
                                   made["bargaining"], np.random.default_rng(tick_seq))
        tick_state.components = build_components(scenario, world, np.random.default_rng(market_seq))
        initial = {"utility": utilities(world), "inventory": world.agents.inventory.copy(),
                   "lambda": world.agents.lambda_money.copy()}
        self._assemble(tick_state, TradeLog(trade_history, world.agents.n), initial, check_invariants)
        if telemetry is not None:
            from vmt.telemetry.recorder import RunRecorder

            self.recorder = RunRecorder(self, Path(telemetry))

    def _assemble(self, tick_state: BilateralTick, trade_log: TradeLog, initial: dict[str, np.ndarray],
                  check_invariants: bool, tick: int = 0) -> None:
        """Wire the engine and the hooks around a (new or restored) tick state."""
        self.tick_state, self.world = tick_state, tick_state.world
        self.protocols = resolve_protocols(self.scenario)
        self.engine = Engine(tick_state.phases())
        self.engine.tick = tick
        self.trade_log = trade_log
        self.initial_utility, self.initial_inventory = initial["utility"], initial["inventory"]
        self.initial_lambda = initial["lambda"]
        self.check_invariants = bool(check_invariants)
        self.run_target: int | None = None
        self.failure: str | None = None
        self.recorder = None
        self.collector = None
        self.engine.on("after_phase", self._log_trades)
        if check_invariants:
            self.engine.on("after_phase", InvariantChecker(self))

    # -- running -----------------------------------------------------------
    @property
    def tick(self) -> int:
        return self.engine.tick

    def step(self) -> None:
        """Advance one tick (all or nothing: see the class docstring)."""
        self._check_usable()
        tick, threads = self.tick, self.thread_chooser.next()
        start = time.perf_counter()
        try:
            with using_threads(threads):
                self.engine.step()
        except BaseException as exc:
            self.failure = f"tick {tick} raised {type(exc).__name__}: {str(exc)[:200]}"
            if self.recorder is not None and self.recorder.open:
                self.recorder.abort(exc)
            raise
        self.thread_chooser.record(threads, time.perf_counter() - start)

    def _check_usable(self) -> None:
        if self.failure is not None:
            raise SimulationError(
                f"This simulation failed ({self.failure}) and its state is part-way through that "
                "tick, so it cannot go on; build a new Simulation, or resume one from a checkpoint "
                "(Simulation.resume).")
        if self.recorder is not None and not self.recorder.open:
            raise SimulationError(
                f"The run recorded to {str(self.recorder.writer.path)!r} has ended at tick {self.tick}; "
                "its telemetry is closed. Build a new Simulation to record another run, or give "
                "run() all the ticks at once.")

    def run(self, ticks: int | None = None, progress: Callable[[int], None] | None = None, *,
            checkpoint_every: int | None = None) -> "Simulation":
        """Run ``ticks`` ticks (default: the scenario's ``params.ticks``).

        With telemetry, the run is marked completed at the end, or
        interrupted/failed (with everything committed so far kept) if an
        exception or Ctrl-C stops it. ``checkpoint_every=N`` commits a
        checkpoint into the telemetry file after every N-th tick (see
        :meth:`resume`).
        """
        ticks = self.scenario.params.ticks if ticks is None else checked_count("ticks", ticks)
        if checkpoint_every is not None:
            checkpoint_every = checked_count("checkpoint_every", checkpoint_every)
            if checkpoint_every == 0 or self.recorder is None:
                raise SimulationError("checkpoint_every needs telemetry (Simulation(..., telemetry=path)) "
                                      f"and a positive number of ticks, got {checkpoint_every}.")
        self._check_usable()
        self.run_target = self.tick + ticks
        while self.tick < self.run_target:
            self.step()
            if progress is not None:
                progress(1)
            if checkpoint_every and self.tick % checkpoint_every == 0 and self.tick < self.run_target:
                self.recorder.commit(checkpoint=self._state_blob())
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

    # -- checkpoints -------------------------------------------------------
    def _state_blob(self) -> bytes:
        recorder = self.recorder
        return checkpoint.dump_state({
            "scenario": self.scenario, "seed": self.seed, "tick": self.tick, "run_target": self.run_target,
            "tick_state": self.tick_state, "trade_log": self.trade_log,
            "initial": {"utility": self.initial_utility, "inventory": self.initial_inventory,
                        "lambda": self.initial_lambda},
            "check_invariants": self.check_invariants,
            "families": family_names_of(self.world.agents.family),
            "telemetry": None if recorder is None else (str(recorder.writer.path), recorder.run_id),
        })

    def checkpoint(self, path: str | Path) -> Path:
        """Save the complete state to ``path`` atomically; returns the path.

        With telemetry, the ticks recorded so far are committed with the same
        state, so :meth:`resume` continues the telemetry from this tick.
        """
        self._check_usable()
        blob = self._state_blob()
        if self.recorder is not None:
            self.recorder.commit(checkpoint=blob)
        return checkpoint.write_checkpoint_file(path, blob)

    @classmethod
    def resume(cls, path: str | Path, run_id: int | None = None) -> "Simulation":
        """Continue from a checkpoint: a file from :meth:`checkpoint`, or a
        telemetry file holding checkpoints (its latest, or run ``run_id``'s).

        The resumed simulation records into the same telemetry run (rows of
        ticks after the checkpoint are dropped first), so its telemetry equals
        that of a run never interrupted. Hooks attached with :meth:`on` are
        not saved; attach them again.
        """
        path = Path(path)
        if checkpoint.is_telemetry_file(path):
            run_id, _, blob = checkpoint.read_telemetry_checkpoint(path, run_id)
            telemetry = (path, run_id)
        else:
            blob = checkpoint.read_checkpoint_file(path)
            telemetry = None
        state = checkpoint.load_state(blob, path)
        return cls._restored(state, telemetry or state["telemetry"])

    @classmethod
    def _restored(cls, state: dict, telemetry) -> "Simulation":
        sim = cls.__new__(cls)
        sim.scenario, sim.seed = state["scenario"], state["seed"]
        try:  # families registered at run time may have other codes in this process
            recode_families(state["tick_state"].world.agents.family, state.get("families", {}))
        except UtilityParamError as exc:
            raise SimulationError(f"The checkpoint cannot be resumed here: {exc}.") from None
        sim.thread_chooser = ThreadChooser(state["tick_state"].world.agents.n, None)
        sim._assemble(state["tick_state"], state["trade_log"], state["initial"], state["check_invariants"],
                      tick=state["tick"])
        sim.run_target = state["run_target"]
        if telemetry is not None:
            from vmt.telemetry.recorder import RunRecorder

            sim.recorder = RunRecorder(sim, Path(telemetry[0]), resume_run_id=telemetry[1])
        return sim

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
        """Every executed trade so far, in execution order (raises
        ``TradeHistoryError`` when the run did not keep them; see ``trade_history``)."""
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

"""``RunRecorder``: the engine hook that writes a run to SQLite telemetry.

Attached by ``Simulation(..., telemetry=path)``. It writes the static
``agents`` table at the start (initial holdings included), then after every
tick the tick's trades, agent snapshots every ``params.snapshot_interval``
ticks and resource snapshots every ``params.resource_snapshot_interval``
ticks. A snapshot labelled tick ``t`` is the state at the end of tick ``t``.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np

from vmt import __version__
from vmt.economics.families import family_name
from vmt.telemetry.columns import Coded, MinorUnits, as_minor_units
from vmt.telemetry.writer import TelemetryWriter
from vmt.world.state import GOODS, PAIR_NAMES
from vmt.world.valuation import utilities


class RunRecorder:
    """Records ``sim`` into the telemetry file ``path``.

    A new run is begun and its static tables committed at once; with
    ``resume_run_id`` the recorder instead continues that run of the file
    after its first ``sim.tick`` ticks (see ``TelemetryWriter.resume_run``).
    """

    def __init__(self, sim, path: Path, resume_run_id: int | None = None):
        self.sim = sim
        self.writer = TelemetryWriter(path, layout="columns", background=True)
        sim.on("after_tick", self.after_tick)
        if resume_run_id is not None:
            self.run_id = int(resume_run_id)
            self.writer.resume_run(self.run_id, sim.tick)
            return
        scenario = sim.scenario
        self.run_id = self.writer.begin_run(
            scenario_name=scenario.name,
            scenario_hash=scenario.scenario_hash(),
            scenario_text=scenario.source_text,
            seed=sim.seed,
            version=__version__,
            params=json.loads(scenario.params.model_dump_json()),
        )
        self._write_agents()
        for component in sim.tick_state.components:
            self._write(component.telemetry_static())
        self.writer.flush()

    def _write(self, tables: dict[str, dict]) -> None:
        for table, columns in tables.items():
            self.writer.append(table, **columns)

    @property
    def signal_pair(self) -> int:
        """The exchange pair whose observed price snapshots carry: the
        regime's first (A<->B in barter and mixed, A<->M in money)."""
        return int(np.flatnonzero(self.sim.tick_state.pair_active)[0])

    def _write_agents(self) -> None:
        sim, ag = self.sim, self.sim.world.agents
        groups = sim.scenario.agents
        held = _minor_holdings(sim.initial_inventory, sim.world.units)
        families, family_codes = np.unique(ag.family, return_inverse=True)
        self.writer.append(
            "agents",
            agent_id=np.arange(ag.n),
            group_name=Coded(ag.group, tuple(g.name or f"group{i}" for i, g in enumerate(groups))),
            utility_family=Coded(family_codes, tuple(family_name(c) for c in families)),
            utility_params=Coded(ag.group, tuple(json.dumps(dict(g.utility.params)) for g in groups)),
            lambda_money=ag.lambda_money,
            A0=held[0],
            B0=held[1],
            M0=held[2],
        )

    def after_tick(self, tick: int) -> None:
        sim, params = self.sim, self.sim.scenario.params
        trades = sim.trade_log.last_coded if sim.trade_log.last_tick == tick else None
        if trades is not None:  # new arrays every tick, never changed after: converted on the writer's thread
            self.writer.append_later("trades", len(trades["tick"]), partial(_trade_columns, trades, self.sim.world.units))
        if tick % params.snapshot_interval == 0:
            self._snapshot_agents(tick)
        if tick % params.resource_snapshot_interval == 0:
            self._snapshot_resources(tick)
        for component in sim.tick_state.components:
            self._write(component.telemetry_rows(tick))
        self.writer.set_progress(tick + 1, last=tick + 1 == self.sim.run_target)

    def _snapshot_agents(self, tick: int) -> None:
        """Buffer the agents' state at the end of ``tick``: this thread copies
        the arrays the engine changes in place; real holdings and utilities
        are derived from the copies when the writer commits, on its thread."""
        ag = self.sim.world.agents
        state = (ag.x.copy(), ag.y.copy(), ag.inventory.copy(),
                 ag.observed_price[:, self.signal_pair].copy(), ag.lambda_money.copy())
        self.writer.append_later("agent_snapshots", ag.n, partial(_snapshot_columns, self.sim.world, tick, *state))

    def _snapshot_resources(self, tick: int) -> None:
        res, units = self.sim.world.resources, self.sim.world.units
        self.writer.append(
            "resources",
            tick=np.full(res.n, tick, dtype=np.int64),
            x=res.x,
            y=res.y,
            commodity=Coded(res.good, GOODS),
            amount=res.amount * units[res.good],
        )

    def commit(self, checkpoint: bytes | None = None) -> None:
        """Commit the ticks recorded so far, with a checkpoint of the simulation if given."""
        self.writer.flush(checkpoint)

    @property
    def open(self) -> bool:
        """True until the run has been ended (completed, failed or interrupted)."""
        return self.writer.run_id is not None

    def finish(self) -> None:
        """End the run as completed once every tick is durable (a failed
        commit raises here, the run then marked failed)."""
        try:
            self.writer.end_run("completed")
        finally:
            self.writer.close()

    def abort(self, exc: BaseException) -> None:
        """End the run as interrupted (Ctrl-C) or failed, keeping every committed tick."""
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        try:
            if self.open:
                self.writer.end_run(status)
        finally:
            self.writer.close()


def _minor_holdings(inventory, units) -> list:
    """Each good's column of ``inventory`` (minor units) as :class:`MinorUnits` of its unit."""
    return [MinorUnits(inventory[:, g], unit) for g, unit in enumerate(units)]


def _snapshot_columns(world, tick: int, x, y, inventory, observed_price, lambda_money) -> dict:
    """The ``agent_snapshots`` columns of copied agent state (the agents'
    utility families and parameters, and the units, never change in a run)."""
    n = len(x)
    held = _minor_holdings(inventory, world.units)
    return {
        "tick": np.full(n, tick, dtype=np.int64), "agent_id": np.arange(n), "x": x, "y": y,
        "A": held[0], "B": held[1], "M": held[2],
        "utility": utilities(world, inventory, lambda_money),
        "observed_price": observed_price, "lambda": lambda_money,
    }


def _trade_columns(trades: dict, units: np.ndarray) -> dict:
    """The trade columns, with ``pair_type`` as codes into the pair names if
    the trade log keeps the pair's index (no string per trade), and the
    quantities as minor units where they are whole ones (they are, unless a
    mechanism moved fractions of one)."""
    quantities = {f"quantity_{good}": as_minor_units(trades[f"quantity_{good}"], unit)
                  for good, unit in zip(GOODS, units)}
    pairs = np.asarray(trades["pair_type"])
    if pairs.dtype.kind in "iu":
        return {**trades, **quantities, "pair_type": Coded(pairs, PAIR_NAMES)}
    return {**trades, **quantities}

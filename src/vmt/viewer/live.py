"""A live run for the viewer: a :class:`~vmt.simulation.Simulation` stepped on request.

:class:`LiveRun` owns one simulation and turns its state into frames
(:mod:`vmt.viewer.frames`) after every tick. It observes the run through
the simulation's public surface (``step``, the ``after_tick`` hook,
``trades_df``, the world's arrays, the market components' telemetry rows)
and never changes it. ``restart`` builds a new simulation from the same
scenario with new ``params`` values and seed, as NetLogo's sliders do.
"""

from __future__ import annotations

import json
from typing import Literal, get_args

import numpy as np
import pandas as pd

from vmt.analysis import report_data as data
from vmt.scenario import ScenarioError, load_scenario
from vmt.scenario.params import Params
from vmt.simulation import Simulation
from vmt.viewer import frames, series
from vmt.world.state import PAIR_NAMES

#: How many past trades of an agent its panel lists.
HISTORY_ROWS = 12
#: Welfare is computed every tick up to this many agents, every k-th tick for k times as many.
WELFARE_AGENTS_PER_TICK = 1000


class ViewerInputError(ValueError):
    """A request from the page that cannot be carried out (bad parameter, unknown agent)."""


def editable_params(params: Params) -> list[dict]:
    """The scenario's numeric and named-choice ``params`` as form fields."""
    fields = []
    for name, info in Params.model_fields.items():
        value = getattr(params, name)
        choices = _choices(info.annotation)
        if choices:
            fields.append({"name": name, "value": value, "kind": "choice", "choices": list(choices)})
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            fields.append({"name": name, "value": value, "kind": "int" if isinstance(value, int) else "float"})
    return fields


def _choices(annotation) -> tuple:
    return get_args(annotation) if getattr(annotation, "__origin__", None) is Literal else ()


class LiveRun:
    """One scenario run step by step for the page.

    Parameters
    ----------
    scenario, seed, overrides : as for :class:`~vmt.simulation.Simulation`.
    draw_limit : agents drawn at most; above it every k-th agent is sent.
    """

    def __init__(self, scenario, seed: int | None = None, overrides=(), draw_limit: int = frames.DRAW_LIMIT):
        self.draw_limit = draw_limit
        try:
            self.scenario = load_scenario(scenario, overrides)
        except ScenarioError as exc:
            raise ViewerInputError(str(exc)) from None
        self._start(self.scenario, seed)

    def _start(self, scenario, seed) -> None:
        self.sim = Simulation(scenario, seed=seed)
        self.seed = self.sim.seed
        world, self.groups = self.sim.world, [g.name or f"group{k}" for k, g in enumerate(scenario.agents)]
        self.pairs = [PAIR_NAMES[k] for k in np.flatnonzero(self.sim.tick_state.pair_active)]
        self.stride = frames.stride_for(world.agents.n, self.draw_limit)
        self.welfare_every = max(1, world.agents.n // WELFARE_AGENTS_PER_TICK)
        self.points: list[dict] = []
        self.posts = self._posts()
        held = self.sim.initial_inventory * world.units
        ag = world.agents
        self.reference_reasons: dict[str, str] = {}
        self.reference = data.reference_prices(ag.family, ag.utility_params, held[:, 0], held[:, 1], held[:, 2],
                                               ag.lambda_money, scenario.params.exchange_regime,
                                               self.reference_reasons)
        self.current = self._frame(tick=-1, trades=None)
        self.points.append(self.current["stats"])

    def _posts(self) -> list[dict]:
        posts = [c.telemetry_static().get("market_posts") for c in self.sim.tick_state.components]
        return [p for table in posts if table for p in frames.posts_static(table)]

    # -- page requests -------------------------------------------------------
    def hello(self) -> dict:
        sc, world = self.sim.scenario, self.sim.world
        return {"type": "hello", "mode": "live", "scenario": sc.name, "seed": self.seed,
                "grid": {"width": world.width, "height": world.height}, "groups": self.groups,
                "n_agents": world.agents.n, "stride": self.stride, "draw_limit": self.draw_limit,
                "pairs": self.pairs, "reference": self.reference, "reference_reasons": self.reference_reasons,
                "posts": self.posts,
                "params": editable_params(sc.params), "ticks": sc.params.ticks,
                "snapshot_interval": 1, "history": self.points, "frame": self.current}

    def step(self) -> dict:
        """Advance one tick and return its frame."""
        self.sim.step()
        tick = self.sim.tick - 1
        log = self.sim.trade_log
        self.current = self._frame(tick, log.last if log.last_tick == tick else None)
        self.points.append(self.current["stats"])
        return self.current

    def restart(self, values: dict, seed=None) -> None:
        """New run of the same scenario with ``params`` ``values`` (name -> value) and ``seed``."""
        allowed = {f["name"] for f in editable_params(self.sim.scenario.params)}
        if not isinstance(values, dict) or set(values) - allowed:
            raise ViewerInputError(f"unknown parameter(s) {sorted(set(values or {}) - allowed)[:5]}; "
                                   f"editable: {', '.join(sorted(allowed))}")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ViewerInputError(f"seed must be a non-negative integer, got {str(seed)[:40]!r}")
        overrides = [f"params.{k}={json.dumps(v)}" for k, v in values.items()]
        try:
            scenario = load_scenario(self.sim.scenario, overrides)
        except ScenarioError as exc:
            raise ViewerInputError(str(exc)) from None
        self._start(scenario, seed if seed is not None else self.seed)

    def agent(self, agent_id) -> dict:
        """The panel of one agent: holdings, utility, quotes, λ, observed price, recent trades."""
        ag = self.sim.world.agents
        if not isinstance(agent_id, int) or isinstance(agent_id, bool) or not 0 <= agent_id < ag.n:
            raise ViewerInputError(f"no agent {str(agent_id)[:20]!r}; ids run from 0 to {ag.n - 1}")
        held = self.sim.world.real_holdings()[agent_id]
        self.sim.tick_state.refresh_quotes()
        active = [PAIR_NAMES.index(p) for p in self.pairs]
        return {"type": "agent", "id": agent_id, "tick": self.current["tick"],
                "group": self.groups[int(ag.group[agent_id])], "x": int(ag.x[agent_id]), "y": int(ag.y[agent_id]),
                "holdings": {"A": float(held[0]), "B": float(held[1]), "M": float(held[2])},
                "utility": float(self.sim.utilities()[agent_id]), "lambda": float(ag.lambda_money[agent_id]),
                "quotes": {PAIR_NAMES[k]: {"ask": _num(ag.ask[agent_id, k]), "bid": _num(ag.bid[agent_id, k])}
                           for k in active},
                "observed_price": {PAIR_NAMES[k]: _num(ag.observed_price[agent_id, k]) for k in active},
                "trades": agent_trades(self.sim.trades_df(), agent_id) if self.sim.trade_log.history_kept else []}

    # -- frames --------------------------------------------------------------
    def _frame(self, tick: int, trades: dict | None) -> dict:
        ag, world = self.sim.world.agents, self.sim.world
        held = world.real_holdings()
        utility = self.sim.utilities()
        res = world.resources
        areas, prices = self._market_rows(tick)
        trade_frame = pd.DataFrame(trades) if trades is not None and len(trades["tick"]) else pd.DataFrame()
        dispersion = series.valuation_dispersion(ag.family, ag.utility_params, held[:, 0], held[:, 1],
                                                 ag.lambda_money, self.pairs[0])
        point = series.points_from_trades(trade_frame).get(tick) if len(trade_frame) else None
        return {"type": "frame", "tick": tick, "n_agents": ag.n, "stride": self.stride,
                "agents": frames.agent_columns(np.arange(ag.n), ag.x, ag.y, ag.group, utility, self.stride),
                "trades": frames.trade_lines(trades, ag.x, ag.y) if len(trade_frame) else [],
                "areas": frames.area_outlines(areas, prices, self.pairs[0]),
                "post_prices": frames.post_prices(prices, {p["id"] for p in self.posts}),
                "resources": frames.resource_cells(res.x, res.y, res.good, res.amount * world.units[res.good]),
                "stats": series.stats_point(tick, point, dispersion, self._welfare(tick))}

    def _market_rows(self, tick: int) -> tuple[dict, dict]:
        areas, prices = {}, {}
        if tick < 0:
            return areas, prices
        for component in self.sim.tick_state.components:
            rows = component.telemetry_rows(tick)
            areas = rows.get("market_areas", areas)
            prices = rows.get("market_prices", prices)
        return areas, prices

    def _welfare(self, tick: int) -> float | None:
        """The run's share of the Walrasian gains from trade realised (``Simulation.welfare``),
        every :attr:`welfare_every` ticks (it values every agent's bundle: costly in big runs)."""
        if not hasattr(self.sim, "welfare") or tick % self.welfare_every:
            return None
        return float(self.sim.welfare().share)


def _num(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def agent_trades(trades: pd.DataFrame, agent_id: int, upto_tick: int | None = None) -> list[dict]:
    """The agent's last trades (as buyer or seller), newest first."""
    if trades.empty:
        return []
    mine = trades[(trades["buyer_id"] == agent_id) | (trades["seller_id"] == agent_id)]
    if upto_tick is not None:
        mine = mine[mine["tick"] <= upto_tick]
    rows = []
    for row in mine.tail(HISTORY_ROWS).iloc[::-1].itertuples(index=False):
        side = "buy" if row.buyer_id == agent_id else "sell"
        partner = row.seller_id if side == "buy" else row.buyer_id
        rows.append({"tick": int(row.tick), "side": side, "pair": row.pair_type, "partner": int(partner),
                     "A": float(row.quantity_A), "B": float(row.quantity_B), "M": float(row.quantity_M),
                     "price": float(row.price)})
    return rows

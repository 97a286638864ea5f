"""A recorded run for the viewer: frames read back from telemetry.

Everything is read through :mod:`vmt.telemetry` (``list_runs`` and
``read_table`` with a tick selection, which uses the file's index), so a
replay needs nothing the run did not record. Positions exist at the ticks
the run snapshotted (every ``params.snapshot_interval`` ticks, every tick by
default); a frame asked for between two snapshots shows the last snapshot
at or before it and says so. Resources are shown from their last snapshot.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from vmt.analysis import report_data as data
from vmt.telemetry import TelemetryError, list_runs, read_table
from vmt.viewer import frames, series
from vmt.viewer.live import ViewerInputError, agent_trades

#: Frames kept in memory per replay (scrubbing back and forth re-reads nothing).
FRAME_CACHE = 64
#: Snapshot ticks at which a replay's welfare chart is computed (evenly spaced).
WELFARE_POINTS = 60


class ReplayRun:
    """A run recorded in a telemetry file, frame by frame.

    Raises :class:`~vmt.telemetry.TelemetryError` (naming the file) for a
    missing, truncated, damaged or non-VMT file, or a run id it does not hold.
    """

    def __init__(self, path, run_id: int | None = None, draw_limit: int = frames.DRAW_LIMIT):
        self.path = str(path)
        self.draw_limit = draw_limit
        runs = list_runs(self.path)
        if runs.empty:
            raise TelemetryError(f"{self.path!r} is a VMT telemetry file but holds no runs yet.")
        ids = runs["run_id"].tolist()
        if run_id is not None and run_id not in ids:
            raise TelemetryError(f"{self.path!r} has no run {run_id}; its runs are {ids[:20]}.")
        self.run_id = int(run_id if run_id is not None else ids[-1])
        self.info = data.run_info(self.path, self.run_id)
        self.agents = read_table(self.path, "agents", self.run_id)
        if self.agents.empty:
            raise TelemetryError(f"run {self.run_id} in {self.path!r} recorded no agents, so there is "
                                 "nothing to replay (the run may have been killed before its first commit).")
        self._load_static()
        self.frame = lru_cache(maxsize=FRAME_CACHE)(self._frame)

    def _load_static(self) -> None:
        params = json.loads(list_runs(self.path).set_index("run_id").loc[self.run_id, "params_json"] or "{}")
        self.interval = int(params.get("snapshot_interval", 1))
        self.groups = sorted(set(self.agents["group_name"].fillna("group")), key=list(
            self.agents["group_name"].fillna("group")).index)
        self.group_index = self.agents["group_name"].fillna("group").map(self.groups.index).to_numpy()
        self.pairs = list(data.REGIME_PAIRS[self.info["regime"]])
        self.trades = data.table(self.path, self.run_id, "trades")
        self.snapshot_ticks = self._snapshot_ticks()
        self.posts = frames.posts_static(_columns(data.table(self.path, self.run_id, "market_posts")))
        self.reference_reasons: dict[str, str] = {}
        self.reference = data.walrasian_reference(self.path, self.run_id, self.reference_reasons)
        self.scenario = _recorded_scenario(self.path, self.run_id)
        self.grid = {"width": self.scenario.grid.width, "height": self.scenario.grid.height}

    def _snapshot_ticks(self) -> list[int]:
        last = read_table(self.path, "agent_snapshots", self.run_id, ["tick"], ticks=(0, 2**62)).tail(1)
        if last.empty:
            return []
        top = int(last["tick"].iloc[0])
        return [t for t in range(0, top + 1, self.interval)]

    # -- page requests -------------------------------------------------------
    def hello(self) -> dict:
        points = series.history(self.snapshot_ticks, series.points_from_trades(self.trades),
                                data.valuation_dispersion(self.path, self.run_id), self.welfare())
        first = self.snapshot_ticks[0] if self.snapshot_ticks else 0
        return {"type": "hello", "mode": "replay", "scenario": self.info["scenario"], "seed": self.info["seed"],
                "run_id": self.run_id, "status": self.info["status"], "grid": self.grid, "groups": self.groups,
                "n_agents": len(self.agents), "stride": frames.stride_for(len(self.agents), self.draw_limit),
                "draw_limit": self.draw_limit, "pairs": self.pairs, "reference": self.reference,
                "reference_reasons": self.reference_reasons,
                "posts": self.posts, "params": [], "snapshot_interval": self.interval,
                "first_tick": first, "last_tick": self.snapshot_ticks[-1] if self.snapshot_ticks else 0,
                "history": points, "frame": self.frame(first) if self.snapshot_ticks else None}

    def snapshot_at(self, tick) -> int:
        """The snapshot tick shown for ``tick``: the last one at or before it."""
        if not isinstance(tick, int) or isinstance(tick, bool):
            raise ViewerInputError(f"tick must be an integer, got {str(tick)[:20]!r}")
        if not self.snapshot_ticks:
            raise ViewerInputError("the run recorded no agent snapshots")
        tick = min(max(tick, self.snapshot_ticks[0]), self.snapshot_ticks[-1])
        return tick - (tick - self.snapshot_ticks[0]) % self.interval

    def agent(self, agent_id, tick) -> dict:
        """An agent's panel at ``tick``: recorded holdings, utility, λ, observed price,
        its marginal valuation from those holdings, and its trades up to then."""
        tick = self.snapshot_at(tick)
        if not isinstance(agent_id, int) or isinstance(agent_id, bool) or not 0 <= agent_id < len(self.agents):
            raise ViewerInputError(f"no agent {str(agent_id)[:20]!r}; ids run from 0 to {len(self.agents) - 1}")
        row = self._snapshot(tick).set_index("agent_id").loc[agent_id]
        codes, params, _ = data.economy(self.path, self.run_id)
        lam = row["lambda"] if pd.notna(row["lambda"]) else 1.0
        value = data.marginal_valuation(codes[[agent_id]], params[[agent_id]], np.array([row["A"]]),
                                        np.array([row["B"]]), np.array([lam]), self.pairs[0])[0]
        return {"type": "agent", "id": agent_id, "tick": tick, "group": self.groups[self.group_index[agent_id]],
                "x": int(row["x"]), "y": int(row["y"]),
                "holdings": {"A": float(row["A"]), "B": float(row["B"]), "M": float(row["M"])},
                "utility": float(row["utility"]), "lambda": _num(row["lambda"]),
                "valuation": {self.pairs[0]: _num(value)},
                "observed_price": {self.pairs[0]: _num(row["observed_price"])},
                "trades": agent_trades(self.trades, agent_id, upto_tick=tick)}

    def welfare(self) -> pd.Series:
        """Share of the Walrasian gains from trade realised at up to :data:`WELFARE_POINTS`
        snapshot ticks, as ``Simulation.welfare`` measures it: holdings without trade are
        the recorded holdings less the agent's net trades so far."""
        from vmt.simulation.welfare import holdings_welfare

        codes, params, _ = data.economy(self.path, self.run_id)
        lam = self.agents["lambda_money"].to_numpy(float) if self.info["regime"] != "barter" else None
        picks = np.unique(np.linspace(0, len(self.snapshot_ticks) - 1, WELFARE_POINTS).round().astype(int))
        shares = {}
        for tick in (self.snapshot_ticks[k] for k in picks) if self.snapshot_ticks else ():
            after = self._snapshot(tick)[["A", "B", "M"]].to_numpy(float)
            shares[tick] = holdings_welfare(codes, params, after, self.trades[self.trades["tick"] <= tick], lam).share
        return pd.Series(shares, dtype=float)

    # -- frames --------------------------------------------------------------
    def _snapshot(self, tick: int) -> pd.DataFrame:
        return read_table(self.path, "agent_snapshots", self.run_id, ticks=tick)

    def _frame(self, tick: int) -> dict:
        snap = self._snapshot(tick)
        x = np.zeros(len(self.agents), dtype=np.int64)
        y = np.zeros_like(x)
        ids = snap["agent_id"].to_numpy()
        x[ids], y[ids] = snap["x"].to_numpy(), snap["y"].to_numpy()
        trades = self.trades[self.trades["tick"] == tick]
        areas = _columns(read_table(self.path, "market_areas", self.run_id, ticks=tick))
        prices = _columns(read_table(self.path, "market_prices", self.run_id, ticks=tick))
        stride = frames.stride_for(len(self.agents), self.draw_limit)
        return {"type": "frame", "tick": tick, "n_agents": len(self.agents), "stride": stride,
                "agents": frames.agent_columns(ids, snap["x"], snap["y"], self.group_index[ids], snap["utility"],
                                               stride),
                "trades": frames.trade_lines(_columns(trades), x, y),
                "areas": frames.area_outlines(areas, prices, self.pairs[0]),
                "post_prices": frames.post_prices(prices, {p["id"] for p in self.posts}),
                "resources": self._resources(tick), "stats": None}

    def _resources(self, tick: int) -> list:
        res = read_table(self.path, "resources", self.run_id, ticks=(0, tick + 1))
        if res.empty:
            return []
        res = res[res["tick"] == res["tick"].max()]
        good = (res["commodity"] == "B").astype(int)
        return frames.resource_cells(res["x"], res["y"], good, res["amount"])


def _columns(frame: pd.DataFrame) -> dict:
    return {c: frame[c].to_numpy() for c in frame.columns}


def _num(value) -> float | None:
    value = float(value) if value is not None and pd.notna(value) else float("nan")
    return value if np.isfinite(value) else None


def _recorded_scenario(path: str, run_id: int):
    """The scenario as run: its recorded text with its recorded overrides."""
    from vmt.scenario import ScenarioError, load_scenario

    text = list_runs(path).set_index("run_id").loc[run_id, "scenario_text"] or ""
    overrides = re.findall(r"^# override: (.*)$", text, flags=re.M)
    try:
        return load_scenario(text + "\n", overrides)
    except (ScenarioError, ValueError) as exc:
        raise TelemetryError(f"run {run_id} in {path!r} records a scenario that no longer loads, so its grid "
                             f"cannot be drawn: {str(exc)[:300]}") from None

"""Shared builders for the market-post tests (no tests here)."""

from __future__ import annotations

import numpy as np

from vmt.markets.posts.exchange import PairMarket, TradeRows
from vmt.markets.posts.orders import OrderLog
from vmt.simulation import Simulation


def post_economy(mechanism: str = "walrasian", commodities=("A", "B", "M"), params=None, *,
                 institution: str = "centralized", count: int = 24, grid: int = 12, units=None,
                 resources: bool = True, **extra_params) -> dict:
    """Two Cobb-Douglas types around one post in the middle of a small grid."""
    money = {"M": [20, 40]} if "M" in commodities else {}
    group = lambda n, alpha, a, b: {  # noqa: E731
        "count": n,
        "utility": {"family": "cobb_douglas", "params": {"alpha": alpha, "beta": 1 - alpha}},
        "endowment": {"A": a, "B": b, **money},
        "spawn_region": [2, 2, grid - 3, grid - 3],
    }
    middle = grid // 2
    return {
        "name": f"post-{mechanism}",
        "grid": {"width": grid, "height": grid},
        "units": units or ({"A": 1, "B": 1, "M": 0.01} if "M" in commodities else {"A": 1, "B": 0.01}),
        "agents": [group(count // 2, 0.7, [1, 4], [8, 12]), group(count - count // 2, 0.3, [8, 12], [1, 4])],
        "resources": [{"commodity": "A", "count": grid // 2, "cap": 3, "regeneration_rate": 0.3}] if resources else [],
        "market_posts": [{"location": [middle, middle], "mechanism": mechanism, "commodities": list(commodities),
                          "interaction_radius": 2, "visibility_radius": grid, "broadcast_radius": grid,
                          "mechanism_params": dict(params or {})}],
        "params": {"institution": institution, "exchange_regime": "money" if "M" in commodities else "barter",
                   "vision_radius": 8, "ticks": 40, **extra_params},
        "protocols": {"search": "market_aware"},
    }


def posts_of(sim: Simulation):
    """The market-posts component of a run."""
    (component,) = sim.tick_state.components
    return component


def pair_market(sim: Simulation, k: int, ids=None, *, tick: int = 0, seed: int = 0, j: int = 0, maker=None) -> PairMarket:
    """A clearing session of pair ``k`` at post ``j`` with the given participants (default: all agents)."""
    component = posts_of(sim)
    ids = np.arange(sim.world.agents.n) if ids is None else np.asarray(ids)
    return PairMarket(sim.world, component.posts, j, k, ids, tick, np.random.default_rng(seed),
                      OrderLog(), TradeRows(), maker)

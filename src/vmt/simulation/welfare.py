"""The welfare yardstick of a run: holdings before trade, and the share realised.

``Simulation.welfare()`` calls :func:`run_welfare`. Trade is the only thing
that moves goods between agents, so each agent's holdings without trade are
its holdings now minus its net trades (its endowment plus its own foraging);
the share of the Walrasian gains realised is measured from there
(:func:`vmt.economics.welfare.welfare_share`, defined in ``docs/economics.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vmt.economics.welfare import WelfareShare, welfare_share
from vmt.world.state import PAIR_AM, PAIR_BM, PAIR_NAMES, PAIRS


def net_trades(trades: pd.DataFrame, n_agents: int, units: np.ndarray) -> np.ndarray:
    """Minor units of A, B, M each agent gained by trade, int64 (n, 3).

    The buyer of a pair receives its first good and pays the second; a
    post's market maker (id -1) is not an agent and is skipped.
    """
    net = np.zeros((n_agents, 3), dtype=np.int64)
    if not len(trades):
        return net
    kinds = trades["pair_type"].map({name: k for k, name in enumerate(PAIR_NAMES)}).to_numpy(dtype=np.int64)
    moved = np.rint(trades[["quantity_A", "quantity_B", "quantity_M"]].to_numpy(float) / units).astype(np.int64)
    sign = np.zeros((len(trades), 3), dtype=np.int64)
    rows = np.arange(len(trades))
    sign[rows, np.array([p[0] for p in PAIRS])[kinds]] = 1
    sign[rows, np.array([p[1] for p in PAIRS])[kinds]] = -1
    flow = sign * moved  # what the buyer gains
    for column, direction in (("buyer_id", 1), ("seller_id", -1)):
        ids = trades[column].to_numpy(dtype=np.int64)
        agent = ids >= 0
        np.add.at(net, ids[agent], direction * flow[agent])
    return net


def run_welfare(sim) -> WelfareShare:
    """Share of the Walrasian gains from trade the run has realised so far.

    Money economies (any money pair active) value money with each agent's
    marginal utility of money at the start of the run, its preference;
    barter economies ignore money.
    """
    w, ag = sim.world, sim.world.agents
    before = (ag.inventory - net_trades(sim.trades_df(), ag.n, w.units)) * w.units
    after = ag.inventory * w.units
    active = sim.tick_state.pair_active
    lam = sim.initial_lambda if (active[PAIR_AM] or active[PAIR_BM]) else None
    return welfare_share(ag.family, ag.utility_params, before, after, lam=lam)

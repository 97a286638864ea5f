"""The welfare yardstick of a run: holdings before trade, and the share realised.

``Simulation.welfare()`` calls :func:`run_welfare`; ``vmt report`` calls
:func:`holdings_welfare` on its telemetry. Trade is the only thing that
moves goods between agents, so each agent's holdings without trade are its
holdings now minus its net trades (its endowment plus its own foraging); the
share of the Walrasian gains realised is measured from there
(:func:`vmt.economics.welfare.welfare_share`, defined in ``docs/economics.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vmt.economics.welfare import WelfareShare, welfare_share
from vmt.world.state import PAIR_NAMES, PAIRS


def net_trades(trades: pd.DataFrame, n_agents: int) -> np.ndarray:
    """Real units of A, B, M each agent gained by trade, shape (n, 3).

    The buyer of a pair receives its first good and pays the second; a
    post's market maker (id -1) is not an agent and is skipped.
    """
    net = np.zeros((n_agents, 3))
    if not len(trades):
        return net
    kinds = trades["pair_type"].map({name: k for k, name in enumerate(PAIR_NAMES)}).to_numpy(dtype=np.int64)
    flow = trades[["quantity_A", "quantity_B", "quantity_M"]].to_numpy(float).copy()
    rows = np.arange(len(trades))
    flow[rows, np.array([p[1] for p in PAIRS])[kinds]] *= -1.0  # the buyer pays the second good
    for column, direction in (("buyer_id", 1.0), ("seller_id", -1.0)):
        ids = trades[column].to_numpy(dtype=np.int64)
        agent = ids >= 0
        np.add.at(net, ids[agent], direction * flow[agent])
    return net


def holdings_welfare(codes, params, after: np.ndarray, trades: pd.DataFrame | None, money_lambda=None,
                     net: np.ndarray | None = None) -> WelfareShare:
    """Welfare share of real holdings ``after`` (n, 3) reached through ``trades``
    (or through ``net`` trades per agent, when given instead).

    ``money_lambda``: None in barter (money ignored), else each agent's
    marginal utility of money at the start of the run (its preference).
    """
    before = after - (net_trades(trades, after.shape[0]) if net is None else net)
    return welfare_share(codes, params, np.maximum(before, 0.0), after, lam=money_lambda)


def run_welfare(sim) -> WelfareShare:
    """Share of the Walrasian gains from trade the run has realised so far."""
    ag = sim.world.agents
    money = bool(sim.tick_state.pair_active[1] or sim.tick_state.pair_active[2])
    net = sim.trade_log.net()  # running totals when the run kept no trade history
    return holdings_welfare(ag.family, ag.utility_params, sim.world.real_holdings(),
                            sim.trades_df() if net is None else None, sim.initial_lambda if money else None, net=net)

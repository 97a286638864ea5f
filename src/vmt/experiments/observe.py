"""What a sweep observes on a run besides its final state.

* :func:`equilibrium_prices` -- the Walrasian price per exchange pair of the
  economy as it starts (pure exchange of the initial holdings): the barter
  price of A in B, and with money the quasilinear money prices;
* :class:`DispersionTrace` -- an ``after_tick`` hook recording the
  cross-agent dispersion of marginal valuations, from which the time to
  convergence is read.
"""

from __future__ import annotations

import numpy as np

from vmt.simulation.builtin_metrics import active_pairs


def equilibrium_prices(sim) -> dict[str, float]:
    """Walrasian price per active pair for the initial holdings (pairs with no solution are left out)."""
    from vmt.economics.equilibrium import walrasian_price

    ag = sim.world.agents
    held = sim.initial_inventory * sim.world.units
    pairs = active_pairs(sim)
    out: dict[str, float] = {}
    if any(p != "A<->B" for p in pairs):
        money = _money_prices(ag, held)
        if money is not None:
            out.update({"A<->M": money[0], "B<->M": money[1], "A<->B": money[0] / money[1]})
    elif "A<->B" in pairs:
        try:
            out["A<->B"] = float(walrasian_price(ag.family, ag.utility_params, held[:, 0], held[:, 1]))
        except (ValueError, ArithmeticError, RuntimeError):
            pass
    return {pair: price for pair, price in out.items() if pair in pairs and np.isfinite(price)}


def _money_prices(agents, held) -> tuple[float, float] | None:
    from vmt.economics.quasilinear import quasilinear_equilibrium

    try:
        eq = quasilinear_equilibrium(agents.family, agents.utility_params, held[:, 0], held[:, 1],
                                     held[:, 2], agents.lambda_money)
    except (ValueError, ArithmeticError, RuntimeError):
        return None
    return float(eq.price_a), float(eq.price_b)


class DispersionTrace:
    """``after_tick`` hook: std of log marginal valuation across agents, per tick.

    The valuation is the MRS of A in B when A trades against B, else
    ``MU_A / lambda`` (the money value of A); agents whose valuation is not
    finite and positive (a corner of a Leontief or linear agent) are left out.
    """

    def __init__(self, sim) -> None:
        self.sim = sim
        self.barter = "A<->B" in active_pairs(sim) and sim.scenario.params.exchange_regime == "barter"
        self.values: list[float] = []

    def __call__(self, tick: int) -> None:
        self.values.append(self.current())

    def current(self) -> float:
        from vmt.economics import vectorized as V

        ag = self.sim.world.agents
        held = self.sim.world.real_holdings()
        if self.barter:
            value = V.mrs(ag.family, ag.utility_params, held[:, 0], held[:, 1])
        else:
            mu_a, _ = V.marginal_utilities(ag.family, ag.utility_params, held[:, 0], held[:, 1])
            value = mu_a / ag.lambda_money
        logs = np.log(value[np.isfinite(value) & (value > 0)])
        return float(logs.std()) if logs.size > 1 else float("nan")

    def series(self) -> np.ndarray:
        return np.asarray(self.values, dtype=float)

"""Price discovery with and without price signals, on two economies, 20 seeds each.

Prints the table of docs/price_signals.md: for each economy and institution
(``bilateral``; ``price_signals`` at eta = 0.1, the default, and eta = 1),
mean +- standard deviation over seeds of

* the distance to p*, ``|log(late VWAP / p*)|`` (:mod:`vmt.analysis.price_gap`);
* the tick at which the dispersion of log MRS across agents first falls
  below 0.05 (the run's length if never): time to convergence;
* ``|log(median MRS / p*)|`` at the end: where the economy settles;
* the share of the Walrasian gains from trade realised;

with, for ``price_signals``, the number of seeds in which it beats
``bilateral`` on the same seed. p* is the Walrasian price of the starting
holdings (pure exchange: no resources in either economy).

Usage: ``python benchmarks/price_signals_comparison.py [seeds]``
"""

from __future__ import annotations

import sys

import numpy as np

from vmt.analysis.price_gap import late_vwap, price_gap
from vmt.analysis.summary import first_good_quantity
from vmt.economics import vectorized as V
from vmt.economics.equilibrium import walrasian_price
from vmt.scenario import load_scenario
from vmt.simulation import Simulation

CONVERGED = 0.05  # dispersion of log MRS counted as converged


def ces_economy() -> dict:
    """100 agents of two CES types (substitutes and complements), uneven endowments."""
    group = lambda name, params, a, b: {"name": name, "count": 50,  # noqa: E731
                                        "utility": {"family": "ces", "params": params},
                                        "endowment": {"A": a, "B": b}}
    return {"name": "ces_exchange", "grid": {"width": 20, "height": 20},
            "agents": [group("substitutes", {"alpha": 0.5, "beta": 0.5, "rho": 0.5}, [30, 60], [2, 10]),
                       group("complements", {"alpha": 0.4, "beta": 0.6, "rho": -1.0}, [2, 10], [20, 40])],
            "params": {"ticks": 200, "vision_radius": 6, "exchange_regime": "barter",
                       "market_radius": 3, "market_formation_threshold": 5, "market_dissolution_threshold": 3}}


ECONOMIES = {"two_type_exchange": lambda: load_scenario("two_type_exchange"),
             "ces_exchange": lambda: load_scenario(ces_economy())}
SETTINGS = [("bilateral", 0.0), ("price_signals", 0.1), ("price_signals", 1.0)]


def log_mrs(sim) -> np.ndarray:
    ag, held = sim.world.agents, sim.world.real_holdings()
    return np.log(V.mrs(ag.family, ag.utility_params, held[:, 0], held[:, 1]))


def measure(economy: str, institution: str, eta: float, seed: int) -> dict:
    scenario = ECONOMIES[economy]()
    sim = Simulation(scenario, seed=seed, overrides=[f"params.institution={institution}",
                                                     f"params.price_learning_rate={eta}"])
    ag, held = sim.world.agents, sim.world.real_holdings()
    p_star = walrasian_price(ag.family, ag.utility_params, held[:, 0], held[:, 1])
    converged_at = None
    for tick in range(scenario.params.ticks):
        if converged_at is None and log_mrs(sim).std() < CONVERGED:
            converged_at = tick
        sim.step()
    trades = sim.trades_df()
    late = late_vwap(trades["tick"], trades["price"], first_good_quantity(trades))
    return {"gap": price_gap(late, p_star), "converged": converged_at or scenario.params.ticks,
            "settled": abs(float(np.median(log_mrs(sim)) - np.log(p_star))), "welfare": sim.welfare().share}


def cell(values: np.ndarray, base: np.ndarray | None, higher_is_better: bool = False) -> str:
    text = f"{values.mean():.3f} ± {values.std():.3f}"
    if base is not None:
        better = (values > base) if higher_is_better else (values < base)
        text += f" ({int(better.sum())}/{len(values)})"
    return text


def main(seeds: int = 20) -> None:
    print("| economy | institution | η | distance to p* | tick dispersion < 0.05 | "
          "\\|log(median MRS/p*)\\| at the end | welfare share |")
    print("|---|---|---|---|---|---|---|")
    for economy in ECONOMIES:
        base = None
        for institution, eta in SETTINGS:
            rows = [measure(economy, institution, eta, s) for s in range(seeds)]
            table = {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]}
            b = base or {}
            print(f"| {economy} | {institution} | {eta:g} | {cell(table['gap'], b.get('gap'))} | "
                  f"{cell(table['converged'], b.get('converged'))} | {cell(table['settled'], b.get('settled'))} | "
                  f"{cell(table['welfare'], b.get('welfare'), True)} |", flush=True)
            base = base or table


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

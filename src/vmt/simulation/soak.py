"""Soak runs: a tiny economy per institution for many ticks, invariants every tick.

A long run finds what a short one cannot: a price that drifts to infinity,
a learning rule that divides by a vanishing volume, a stock that goes
negative after 60,000 ticks. :func:`soak` runs one with the invariant
checker after every phase (conservation, non-negative holdings, no NaN in
quotes, symmetric pairing) and checks after every tick that no utility,
holding, λ or perceived price is NaN or infinite. :data:`SOAK_ECONOMIES`
names one economy per institution and per market-post mechanism;
:func:`soak_all` spreads them over worker processes.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
import multiprocessing
import time

import numpy as np
from numba import njit

from vmt.simulation.invariants import InvariantViolation

_TINY = """
name: tiny-{institution}
grid: {{width: 5, height: 5}}
agents:
  - {{count: 3, utility: {{family: cobb_douglas, params: {{alpha: 0.3, beta: 0.7}}}},
     endowment: {{A: [1, 8], B: [1, 8], M: [1, 6]}}}}
  - {{count: 3, utility: {{family: cobb_douglas, params: {{alpha: 0.7, beta: 0.3}}}},
     endowment: {{A: [1, 8], B: [1, 8], M: [1, 6]}}}}
resources:
  - {{commodity: A, count: 2, cap: 2, regeneration_rate: 0.5}}
  - {{commodity: B, count: 2, cap: 2, regeneration_rate: 0.5}}
{units}params: {{exchange_regime: mixed, institution: {institution}, vision_radius: 3,
         market_formation_threshold: 2, market_dissolution_threshold: 1, price_learning_rate: 0.2}}
market_posts:
  - {{location: [2, 2], mechanism_type: {mechanism}, visibility_radius: 6, interaction_radius: 2}}
"""

#: institution -> mechanism of the tiny economy's one market post.
INSTITUTIONS = {"bilateral": "walrasian", "price_signals": "walrasian", "centralized": "walrasian",
                "mixed_bilateral_centralized": "cda"}

#: (institution, post mechanism) of every soaked economy: each institution,
#: and the market-post institution under each of its mechanisms.
SOAK_ECONOMIES = (("bilateral", "walrasian"), ("price_signals", "walrasian"),
                  *(("centralized", m) for m in ("walrasian", "posted_price", "cda", "call", "dealer", "lmsr")),
                  ("mixed_bilateral_centralized", "cda"))


#: The LMSR maker fills one minor unit per quote (its cost is convex in the
#: quantity), so at the default units (B in millionths) one order takes
#: millions of quotes: its economy trades in whole units and cents.
_UNITS = {"lmsr": "units: {A: 1, B: 1, M: 0.01}\n"}


def tiny_economy(institution: str, mechanism: str | None = None) -> str:
    """Six agents of two Cobb-Douglas types on a 5x5 grid with one market post, as YAML text."""
    mechanism = mechanism or INSTITUTIONS[institution]
    return _TINY.format(institution=institution, mechanism=mechanism, units=_UNITS.get(mechanism, ""))


@dataclass(frozen=True)
class SoakResult:
    institution: str
    mechanism: str
    ticks: int
    trades: int
    final_utility: float
    seconds: float  # wall-clock time of the ticks
    cpu_seconds: float  # CPU time of the ticks (what a loaded machine does not inflate)


@njit(cache=True)
def _finite_state(utility, lambda_money, observed_price):
    """True if every utility and λ is finite and every known perceived price finite and positive."""
    for i in range(utility.shape[0]):
        if not (np.isfinite(utility[i]) and np.isfinite(lambda_money[i])):
            return False
        for k in range(observed_price.shape[1]):
            price = observed_price[i, k]
            if not np.isnan(price) and not (np.isfinite(price) and price > 0):
                return False
    return True


def finite_state_check(sim):
    """An ``after_tick`` hook: raise InvariantViolation at the first NaN or infinity."""
    ag = sim.world.agents

    def check(tick: int) -> None:
        if not _finite_state(sim.utilities(), ag.lambda_money, ag.observed_price):
            raise InvariantViolation(f"tick {tick}: a utility, λ or perceived price is NaN, infinite or not positive")

    return check


def soak(institution: str, ticks: int, seed: int = 0, mechanism: str | None = None) -> SoakResult:
    """Run the tiny economy under ``institution`` (its post under ``mechanism``)
    for ``ticks`` ticks with every check on, on one numba thread."""
    import numba

    from vmt.simulation import Simulation

    mechanism = mechanism or INSTITUTIONS[institution]
    sim = Simulation(tiny_economy(institution, mechanism), seed=seed, check_invariants=True, threads=1)
    sim.on("after_tick", finite_state_check(sim))
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    start, start_cpu = time.perf_counter(), time.process_time()
    try:
        sim.run(ticks)
    finally:
        numba.set_num_threads(before)
    return SoakResult(institution, mechanism, ticks, sim.trade_log.count, float(sim.utilities().sum()),
                      time.perf_counter() - start, time.process_time() - start_cpu)


def _soak_economy(args: tuple) -> SoakResult:
    institution, mechanism, ticks, seed = args
    try:
        return soak(institution, ticks, seed, mechanism)
    except InvariantViolation as exc:
        raise InvariantViolation(f"{institution} (post: {mechanism}), seed {seed}: {exc}") from None


def soak_all(ticks: int, seed: int = 0, workers: int = 2, economies=SOAK_ECONOMIES) -> list[SoakResult]:
    """Soak every economy, ``workers`` at a time in fresh processes; the first
    :class:`InvariantViolation` is raised."""
    jobs = [(institution, mechanism, ticks, seed) for institution, mechanism in economies]
    context = multiprocessing.get_context("spawn")  # numba's thread pools do not survive fork
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_soak_economy, jobs))

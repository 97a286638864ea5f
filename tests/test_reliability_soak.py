"""Soak: a tiny economy per institution and per market-post mechanism runs for
100,000 ticks with the invariants checked after every phase and no NaN or
infinity ever; and the checker really catches each kind of breach."""

from __future__ import annotations

import numpy as np
import pytest

from reliability_support import one_numba_thread  # noqa: F401 (autouse fixture)
from vmt.simulation import Simulation
from vmt.simulation.invariants import InvariantChecker, InvariantViolation
from vmt.simulation.soak import SOAK_ECONOMIES, finite_state_check, soak, tiny_economy

SOAK_TICKS = 100_000


@pytest.mark.slow
@pytest.mark.parametrize(("institution", "mechanism"), SOAK_ECONOMIES, ids=[f"{i}-{m}" for i, m in SOAK_ECONOMIES])
def test_every_institution_and_mechanism_soaks_100000_ticks(institution, mechanism):
    # one economy per test, so the suite's worker processes share the nine soaks out
    result = soak(institution, SOAK_TICKS, mechanism=mechanism)
    assert (result.institution, result.mechanism) == (institution, mechanism)
    assert result.ticks == SOAK_TICKS and result.trades > 0, result
    assert np.isfinite(result.final_utility), result


def _corrupt(sim, what: str) -> None:
    ag, world = sim.world.agents, sim.world
    if what == "negative":
        world.resources.amount[0] = -1
    elif what == "nan quote":
        ag.ask[2, 1] = np.nan
    elif what == "pairing":
        ag.partner[:2] = [1, 3]
    elif what == "conservation":
        ag.inventory[0, 2] += 1


@pytest.mark.parametrize(("what", "phase", "message"), [
    ("negative", "housekeeping", "negative inventory or resource amount"),
    ("nan quote", "housekeeping", "NaN in quotes"),
    ("pairing", "housekeeping", "asymmetric pairing"),
    ("conservation", "trade", r"total holdings .* \+ foraged \[0, 0, 0\]"),
])
def test_the_checker_catches_each_kind_of_breach(what, phase, message):
    sim = Simulation(tiny_economy("centralized"), seed=1).run(3)
    checker = InvariantChecker(sim)
    checker(3, "movement")
    checker(3, phase)  # sound state: silent
    _corrupt(sim, what)
    with pytest.raises(InvariantViolation, match=message):
        checker(3, phase)


def test_the_soak_check_catches_a_nan_or_a_non_positive_price():
    sim = Simulation(tiny_economy("price_signals"), seed=1).run(3)
    check = finite_state_check(sim)
    check(3)
    for corrupt in (lambda ag: ag.lambda_money.__setitem__(0, np.inf),
                    lambda ag: ag.observed_price.__setitem__((1, 0), 0.0)):
        fresh = Simulation(tiny_economy("price_signals"), seed=1).run(3)
        corrupt(fresh.world.agents)
        with pytest.raises(InvariantViolation, match="NaN, infinite or not positive"):
            finite_state_check(fresh)(3)

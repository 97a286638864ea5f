"""Soak: each institution's tiny economy runs for thousands of ticks with the
invariants checked after every phase and no NaN or infinity ever."""

from __future__ import annotations

import numba
import pytest

from vmt.simulation.soak import INSTITUTIONS, soak

#: Ticks per institution in the test suite; benchmarks/soak.py runs 100,000.
SOAK_TICKS = 10_000


@pytest.mark.slow
@pytest.mark.parametrize("institution", sorted(INSTITUTIONS))
def test_long_runs_keep_every_invariant(institution):
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        result = soak(institution, SOAK_TICKS)
    finally:
        numba.set_num_threads(before)
    assert result.ticks == SOAK_TICKS and result.trades > 0

"""The parallel compaction the tick's lists are made with gives the flagged
indices in ascending order, whatever the length (fewer items than chunks,
none, all) and the threads."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from vmt.engine.threads import using_threads
from vmt.world.chunks import flagged


@pytest.mark.parametrize("n", [0, 1, 5, 63, 64, 65, 1000])
def test_flagged_indices_are_those_of_a_serial_scan(n):
    rng = np.random.default_rng(n)
    for flags in (rng.random(n) < 0.3, np.ones(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)):
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            with using_threads(threads):
                got = flagged(flags)
            assert got.dtype == np.int64
            assert list(got) == [i for i in range(n) if flags[i]]

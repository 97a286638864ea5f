"""Compacting a list in parallel: the indices of the set flags, in order.

Parallel kernels that make a list (the pairs in range, the agents that
choose a partner, the tick's trades, the claimants of shared cells) first
flag their hits in parallel, each iteration its own slot, and then call
:func:`flagged`. It splits the flags into fixed chunks, counts each chunk's
hits in parallel, turns the counts into each chunk's first output row (a
running total over the few chunks), and fills in parallel, each chunk from
its own first row. The indices come out ascending whatever the threads,
because the chunks are fixed by the length alone.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Chunks of a compaction: enough for threads to balance their load, few
#: enough that the running total over them costs nothing.
CHUNKS = 64


@njit(cache=True, parallel=True)
def flagged(flags):
    """Indices ``i`` with ``flags[i]`` true, ascending (int64)."""
    n = flags.shape[0]
    counts = np.zeros(CHUNKS, dtype=np.int64)
    for c in prange(CHUNKS):
        found = 0
        for i in range(c * n // CHUNKS, (c + 1) * n // CHUNKS):
            if flags[i]:
                found += 1
        counts[c] = found
    first = np.zeros(CHUNKS + 1, dtype=np.int64)
    for c in range(CHUNKS):
        first[c + 1] = first[c] + counts[c]
    out = np.empty(first[CHUNKS], dtype=np.int64)
    for c in prange(CHUNKS):
        row = first[c]
        for i in range(c * n // CHUNKS, (c + 1) * n // CHUNKS):
            if flags[i]:
                out[row] = i
                row += 1
    return out


@njit(cache=True, parallel=True)
def picked(values, flags):
    """``values[i]`` for the ``i`` with ``flags[i]`` true, in order: the
    compaction of :func:`flagged`, gathered in parallel."""
    rows = flagged(flags)
    out = np.empty(rows.shape[0], dtype=values.dtype)
    for r in prange(rows.shape[0]):
        out[r] = values[rows[r]]
    return out

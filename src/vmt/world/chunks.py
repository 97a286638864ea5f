"""Splitting a loop into chunks, for parallel kernels whose output is a
compacted list (the pairs in range, the tick's trades).

Such a kernel counts its hits per chunk in parallel, turns the counts into
each chunk's first output row (a running total over the few chunks), and
fills in parallel, each chunk from its own first row. The rows come out in
the order of the serial loop whatever the threads, because the chunks are
fixed by the loop's length alone.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Chunks per compacting loop: enough for threads to balance their load,
#: few enough that the running total over them costs nothing.
CHUNKS = 64


@njit(cache=True, inline="always")
def chunk_span(chunk, n):
    """``[start, stop)`` of chunk ``chunk`` of ``CHUNKS`` over a loop of ``n``."""
    return chunk * n // CHUNKS, (chunk + 1) * n // CHUNKS


@njit(cache=True)
def first_rows(counts):
    """Each chunk's first output row from its hit count; the total last."""
    starts = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    for c in range(counts.shape[0]):
        starts[c + 1] = starts[c] + counts[c]
    return starts

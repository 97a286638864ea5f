"""Small arrays and array rows read as tuples, for the parallel kernels.

Inside a parallel loop, every array view (``inventory[i]``) and every array
handed to an out-of-line call makes numba count a reference on the shared
array: an atomic write whose cache line the threads pass back and forth,
which in the hot loops cost more than the economics. A tuple lives in
registers instead, and the kernels that read a few numbers per agent or per
tick (unit sizes, active pairs, an agent's holdings or heard prices) take
them as 3-tuples made by these two helpers.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def triple(values):
    """A length-3 array (units per good, block sizes or active flags per
    exchange pair) as a tuple, read once per kernel call."""
    return values[0], values[1], values[2]


@njit(cache=True, inline="always")
def row_triple(values, i):
    """Row ``i`` of an (n, 3) array (an agent's holdings per good, or its
    prices per exchange pair) as a tuple."""
    return values[i, 0], values[i, 1], values[i, 2]

"""A clearing's random stream drawn by compiled code is NumPy's generator, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from vmt.markets.posts.compiled_stream import (STREAM_WORDS, bounded, clearing_stream, compilable_seed, next_uint64,
                                               permutation_into)
from vmt.markets.posts.exchange import SeededStream


@njit(cache=True)
def _draws(seed, tick, post, pair, low, high, n):
    """Bounded draws on [low[i], high[i]], then a permutation of n, then one raw 64-bit output."""
    stream = np.zeros(STREAM_WORDS, dtype=np.uint64)
    clearing_stream(seed, tick, post, pair, stream)
    out = np.empty(low.shape[0], dtype=np.int64)
    for i in range(low.shape[0]):
        out[i] = bounded(stream, low[i], high[i])
    order = np.empty(n, dtype=np.int64)
    permutation_into(stream, order)
    return out, order, next_uint64(stream)


#: Ranges of one draw: empty, tiny, 32-bit (exactly 2**32 values too), 64-bit.
SPANS = np.array([0, 1, 5, 1000, 2**31, 2**32 - 1, 2**32, 2**33, 2**62])


@pytest.mark.parametrize("trial", range(40))
def test_bounded_draws_and_permutations_are_numpys(trial):
    rng = np.random.default_rng(trial)
    seed = int(rng.integers(0, 2**63)) if trial % 2 else int(rng.integers(0, 2**32))
    tick = int(rng.integers(0, 5000 if trial % 5 else 2**40))
    post, pair = int(rng.integers(0, 600)), int(rng.integers(0, 3))
    low = rng.integers(-5, 1000, 25)
    high = low + rng.choice(SPANS, 25)
    n = int(rng.integers(0, 3000 if trial % 4 == 0 else 60))
    generator = np.random.default_rng((seed, tick, post, pair))
    expected = generator.integers(low, high + 1), generator.permutation(n), generator.bit_generator.random_raw()
    got = _draws(seed, tick, post, pair, low, high, n)
    assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()
    assert int(got[2]) == int(expected[2])


def test_a_generator_made_after_compiled_draws_continues_the_stream():
    for seed in [(123, 4, 5, 1), (2**63 - 1, 0, 0, 0), (7, 2**40, 499, 2)]:
        stream, generator = SeededStream(seed), np.random.default_rng(seed)
        assert stream.permutation(9).tolist() == generator.permutation(9).tolist()
        assert stream._generator is None  # drawn without a generator
        assert stream.permutation(1).tolist() == generator.permutation(1).tolist()
        assert stream.integers([1, 5], [3, 50]).tolist() == generator.integers([1, 5], [3, 50]).tolist()
        assert stream.permutation(7).tolist() == generator.permutation(7).tolist()
        assert stream.random() == generator.random()


def test_only_a_clearings_seed_is_drawn_by_compiled_code():
    assert compilable_seed((1, 2, 3, 0)) and compilable_seed((np.int64(5), 0, 1, 2))
    for seed in [(1, 2, 3), (-1, 2, 3, 0), (2**63, 0, 0, 0), 5, (1.0, 2, 3, 0), (True, 2, 3, 0)]:
        assert not compilable_seed(seed)
    stream = SeededStream(17)
    assert stream.permutation(6).tolist() == np.random.default_rng(17).permutation(6).tolist()

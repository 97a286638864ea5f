"""A clearing's seeded random stream inside compiled code, draw for draw NumPy's.

Every clearing at a post draws from its own stream,
``numpy.random.default_rng((run seed, tick, post, pair))`` (see
:class:`~vmt.markets.posts.exchange.SeededStream`): a rationing tie-break,
the zero-intelligence traders' limits, the arrival order of a continuous
auction or a market maker's queue. Seeding a NumPy generator costs tens of
microseconds of Python, and a tick at a million agents opens a thousand
clearings; so the compiled clearings seed and draw the same stream
themselves, with NumPy's algorithms:

* :func:`seed_stream` -- ``SeedSequence`` (its entropy pool of four 32-bit
  words, hash-mixed, then four 64-bit words of state) feeding ``PCG64``
  (128-bit LCG, XSL-RR output) as ``default_rng`` does;
* :func:`bounded` -- ``Generator.integers`` with array bounds
  (``random_bounded_uint64``: Lemire's multiply-and-reject, on 32-bit
  draws when the range fits in 32 bits, each 64-bit output split in two);
* :func:`permutation_into` -- ``Generator.permutation(n)``: Fisher-Yates
  from the last position down, each index by masked rejection.

A stream is six ``uint64`` words: the LCG's state and increment (high,
low) and the buffered upper half of the last 64-bit output. The tests draw
both ways over many seeds and compare every value.

References: M. E. O'Neill (2014), "PCG: a family of simple fast
space-efficient statistically good algorithms for random number
generation"; D. Lemire (2019), "Fast random integer generation in an
interval", ACM TOMACS 29(1).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_U32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)
# PCG64's 128-bit multiplier, high and low words
_MULT_HI = np.uint64(0x2360ED051FC65DA4)
_MULT_LO = np.uint64(0x4385DF649FCCF645)
# SeedSequence's hash constants (32-bit)
_INIT_A, _MULT_A = np.uint64(0x43B0D7E5), np.uint64(0x931E8875)
_INIT_B, _MULT_B = np.uint64(0x8B51F9DD), np.uint64(0x58F38DED)
_MIX_L, _MIX_R = np.uint64(0xCA01F9DD), np.uint64(0x4973F715)
_XSHIFT = np.uint64(16)
POOL = 4
#: Words of a stream: state high/low, increment high/low, whether a 32-bit half is buffered, the half.
STREAM_WORDS = 6
_STATE_HI, _STATE_LO, _INC_HI, _INC_LO, _HAS_HALF, _HALF = range(STREAM_WORDS)


@njit(cache=True, inline="always")
def _mulhi(a, b):
    """The upper 64 bits of the 128-bit product ``a * b``."""
    a_lo, a_hi, b_lo, b_hi = a & _U32, a >> _SHIFT32, b & _U32, b >> _SHIFT32
    low = a_lo * b_lo
    middle = a_hi * b_lo + (low >> _SHIFT32)
    middle2 = a_lo * b_hi + (middle & _U32)
    return a_hi * b_hi + (middle >> _SHIFT32) + (middle2 >> _SHIFT32)


@njit(cache=True, inline="always")
def _step(stream):
    """state <- state * multiplier + increment (mod 2**128)."""
    hi, lo = stream[_STATE_HI], stream[_STATE_LO]
    new_hi = _mulhi(lo, _MULT_LO) + lo * _MULT_HI + hi * _MULT_LO
    new_lo = lo * _MULT_LO
    summed = new_lo + stream[_INC_LO]
    carry = _ONE if summed < new_lo else _ZERO
    stream[_STATE_HI], stream[_STATE_LO] = new_hi + stream[_INC_HI] + carry, summed


@njit(cache=True, inline="always")
def next_uint64(stream):
    """PCG64's next output: step, then the XSL-RR output of the new state."""
    _step(stream)
    hi, lo = stream[_STATE_HI], stream[_STATE_LO]
    value, rot = hi ^ lo, hi >> np.uint64(58)
    return (value >> rot) | (value << ((np.uint64(64) - rot) & np.uint64(63)))


@njit(cache=True, inline="always")
def next_uint32(stream):
    """The lower half of a 64-bit output, the upper half kept for the next call (as NumPy does)."""
    if stream[_HAS_HALF] != _ZERO:
        stream[_HAS_HALF] = _ZERO
        return stream[_HALF]
    value = next_uint64(stream)
    stream[_HAS_HALF], stream[_HALF] = _ONE, value >> _SHIFT32
    return value & _U32


@njit(cache=True, inline="always")
def _hashmix(value, hash_const):
    """SeedSequence's ``hashmix``: returns (mixed value, next hash constant), 32-bit words."""
    value = (value ^ hash_const) & _U32
    hash_const = (hash_const * _MULT_A) & _U32
    value = (value * hash_const) & _U32
    return value ^ (value >> _XSHIFT), hash_const


@njit(cache=True, inline="always")
def _mix(x, y):
    result = (_MIX_L * x - _MIX_R * y) & _U32
    return result ^ (result >> _XSHIFT)


@njit(cache=True)
def seed_stream(entropy, stream):
    """Seed ``stream`` as ``default_rng`` seeds PCG64 from the 32-bit words ``entropy`` (uint64
    array, each < 2**32: the words of the seed's integers, least significant first)."""
    pool = np.empty(POOL, dtype=np.uint64)
    hash_const = _INIT_A
    for i in range(POOL):
        word = entropy[i] if i < entropy.shape[0] else _ZERO
        pool[i], hash_const = _hashmix(word, hash_const)
    for src in range(POOL):
        for dst in range(POOL):
            if src != dst:
                mixed, hash_const = _hashmix(pool[src], hash_const)
                pool[dst] = _mix(pool[dst], mixed)
    for src in range(POOL, entropy.shape[0]):
        for dst in range(POOL):
            mixed, hash_const = _hashmix(entropy[src], hash_const)
            pool[dst] = _mix(pool[dst], mixed)
    words = np.empty(4, dtype=np.uint64)  # generate_state(4, uint64): eight 32-bit words, pairs little-endian
    hash_const = _INIT_B
    for w in range(8):
        value = (pool[w % POOL] ^ hash_const) & _U32
        hash_const = (hash_const * _MULT_B) & _U32
        value = (value * hash_const) & _U32
        value ^= value >> _XSHIFT
        if w % 2 == 0:
            words[w // 2] = value
        else:
            words[w // 2] |= value << _SHIFT32
    # pcg64_srandom_r(seed = (words[0], words[1]), sequence = (words[2], words[3]))
    stream[_INC_HI] = (words[2] << _ONE) | (words[3] >> np.uint64(63))
    stream[_INC_LO] = (words[3] << _ONE) | _ONE
    stream[_STATE_HI], stream[_STATE_LO] = _ZERO, _ZERO
    _step(stream)
    lo = stream[_STATE_LO] + words[1]
    carry = _ONE if lo < words[1] else _ZERO
    stream[_STATE_HI], stream[_STATE_LO] = stream[_STATE_HI] + words[0] + carry, lo
    _step(stream)
    stream[_HAS_HALF], stream[_HALF] = _ZERO, _ZERO


@njit(cache=True, inline="always")
def _append_words(value, entropy, count):
    """The 32-bit words of the non-negative integer ``value`` (one word for 0), least significant first."""
    v = np.uint64(value)
    entropy[count] = v & _U32
    count += 1
    v >>= _SHIFT32
    while v != _ZERO:
        entropy[count] = v & _U32
        count += 1
        v >>= _SHIFT32
    return count


@njit(cache=True)
def clearing_stream(seed, tick, post, pair, stream):
    """Seed ``stream`` as ``numpy.random.default_rng((seed, tick, post, pair))`` (non-negative ints)."""
    entropy = np.empty(8, dtype=np.uint64)
    count = _append_words(seed, entropy, 0)
    count = _append_words(tick, entropy, count)
    count = _append_words(post, entropy, count)
    count = _append_words(pair, entropy, count)
    seed_stream(entropy[:count], stream)


@njit(cache=True, inline="always")
def bounded(stream, low, high):
    """One ``Generator.integers`` draw on the closed interval [``low``, ``high``] (int64)."""
    rng = np.uint64(high - low)
    if rng == _ZERO:
        return low
    if rng <= _U32:
        if rng == _U32:
            return low + np.int64(next_uint32(stream))
        excl = rng + _ONE
        m = next_uint32(stream) * excl
        leftover = m & _U32
        if leftover < excl:
            threshold = ((_U32 - rng) & _U32) % excl
            while leftover < threshold:
                m = next_uint32(stream) * excl
                leftover = m & _U32
        return low + np.int64(m >> _SHIFT32)
    if rng == np.uint64(0xFFFFFFFFFFFFFFFF):
        return low + np.int64(next_uint64(stream))
    excl = rng + _ONE
    x = next_uint64(stream)
    leftover = x * excl
    if leftover < excl:
        threshold = (np.uint64(0xFFFFFFFFFFFFFFFF) - rng) % excl
        while leftover < threshold:
            x = next_uint64(stream)
            leftover = x * excl
    return low + np.int64(_mulhi(x, excl))


@njit(cache=True, inline="always")
def _interval(stream, most):
    """A draw on [0, ``most``] by masked rejection (NumPy's ``random_interval``)."""
    if most == 0:
        return 0
    top = np.uint64(most)
    mask = top
    for shift in (1, 2, 4, 8, 16, 32):
        mask |= mask >> np.uint64(shift)
    if top <= _U32:
        value = next_uint32(stream) & mask
        while value > top:
            value = next_uint32(stream) & mask
    else:
        value = next_uint64(stream) & mask
        while value > top:
            value = next_uint64(stream) & mask
    return np.int64(value)


@njit(cache=True, inline="always")
def permutation_into(stream, out):
    """``out[:] = Generator.permutation(out.shape[0])``."""
    n = out.shape[0]
    for i in range(n):
        out[i] = i
    for i in range(n - 1, 0, -1):
        j = _interval(stream, i)
        out[i], out[j] = out[j], out[i]


@njit(cache=True)
def _permutation(stream, n):
    out = np.empty(n, dtype=np.int64)
    permutation_into(stream, out)
    return out


def compilable_seed(seed) -> bool:
    """Whether ``seed`` is a clearing's (run seed, tick, post, pair): four whole numbers in [0, 2**63)."""
    return isinstance(seed, tuple) and len(seed) == 4 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v < 2**63 for v in seed)


def seeded_stream(seed: tuple) -> np.ndarray:
    """A stream seeded as ``numpy.random.default_rng(seed)`` (:func:`compilable_seed`)."""
    stream = np.zeros(STREAM_WORDS, dtype=np.uint64)
    clearing_stream(*(int(v) for v in seed), stream)
    return stream


def stream_permutation(stream: np.ndarray, n: int) -> np.ndarray:
    """``Generator.permutation(n)`` drawn from ``stream`` (advanced past it)."""
    return _permutation(stream, n)


def numpy_state(stream: np.ndarray) -> dict:
    """``stream`` as the ``state`` of a NumPy ``PCG64``, to go on drawing with a generator."""
    words = [int(w) for w in stream]
    return {"bit_generator": "PCG64",
            "state": {"state": words[_STATE_HI] << 64 | words[_STATE_LO], "inc": words[_INC_HI] << 64 | words[_INC_LO]},
            "has_uint32": words[_HAS_HALF], "uinteger": words[_HALF]}

"""What the engine hands a protocol each tick, and what search hands matching."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from vmt.world.spatial import SpatialHash
from vmt.world.state import World

#: How many partner candidates each agent keeps, best first.
MAX_CANDIDATES = 8


@dataclass
class TickContext:
    """Read-mostly inputs of one tick's decision and trade phases.

    ``tick_seed`` is drawn once per tick from the run's generator; kernels
    turn it into per-agent or per-pair pseudo-random numbers with
    :func:`hashed_uniform`, so results do not depend on thread scheduling.
    """

    world: World
    spatial: SpatialHash
    tick: int
    vision_radius: int
    interaction_radius: int
    beta: float
    forage_rate: float
    pair_active: np.ndarray  # bool (3,): which exchange pairs the regime allows
    tick_seed: np.uint64
    max_trade_quantity: float  # real units of the pair's first good
    trade_cooldown_ticks: int


@dataclass
class Candidates:
    """Search output: ranked partners and the best resource per agent.

    ``partner_ids[i]`` holds up to MAX_CANDIDATES agent ids (int32 below 2**31
    agents: the lists are a large part of a big run's memory; −1 padded) in
    descending ``partner_scores`` (distance-discounted expected gain);
    ``resource[i]`` is the best resource id (−1 if none) with its score.
    """

    partner_ids: np.ndarray
    partner_scores: np.ndarray
    resource: np.ndarray
    resource_score: np.ndarray
    wander_x: np.ndarray | None = None  # optional movement target when idle
    wander_y: np.ndarray | None = None

    @classmethod
    def empty(cls, n: int) -> "Candidates":
        return cls(
            partner_ids=np.full((n, MAX_CANDIDATES), -1, dtype=np.int32 if n < 2**31 else np.int64),
            partner_scores=np.zeros((n, MAX_CANDIDATES)),
            resource=np.full(n, -1, dtype=np.int64),
            resource_score=np.zeros(n),
        )


@njit(cache=True)
def hashed_uniform(seed, a, b):
    """A uniform [0, 1) number from (seed, a, b) by SplitMix64 mixing.

    Pure function of its arguments: the same seed and ids give the same
    number in any thread and any order.
    """
    z = np.uint64(seed) ^ (np.uint64(a) * np.uint64(0x9E3779B97F4A7C15)) ^ (
        np.uint64(b) * np.uint64(0xBF58476D1CE4E5B9)
    )
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline='always')
def insert_candidate(ids, scores, count, j, score):
    """Insert ``j`` into a best-first list holding ``count`` entries; ties
    keep the lower id. Returns the new count (the list keeps at most
    ``len(ids)``: the worst falls off the end)."""
    k = ids.shape[0]
    if count == k:
        if not _ranks_before(score, j, scores[k - 1], ids[k - 1]):
            return count
        pos = k - 1
    else:
        pos = count
        count += 1
    while pos > 0 and _ranks_before(score, j, scores[pos - 1], ids[pos - 1]):
        ids[pos] = ids[pos - 1]
        scores[pos] = scores[pos - 1]
        pos -= 1
    ids[pos] = j
    scores[pos] = score
    return count


@njit(cache=True, inline='always')
def _ranks_before(score, j, other_score, other_j):
    return score > other_score or (score == other_score and j < other_j)

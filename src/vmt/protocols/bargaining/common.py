"""Shared bargaining machinery: pairs in range, price ladders, and applying
agreed trades.

Every protocol's kernel writes at most one *proposal* per pair: exchange
pair ``k``, buyer, seller, ``q1`` minor units of the first good for ``q2``
minor units of the second. A proposal is only written when both traders'
utilities strictly rise (checked with :func:`vmt.protocols.gains.block_gains`),
so no executed trade ever lowers a utility.

*Anchors* (``anchor: signal``): an institution may hand the bargainer a price
per agent and exchange pair (``BilateralBargainer.anchor_price``, NaN where
an agent has none; the ``price_signals`` institution hands the reference
prices its agents learned from market signals). A pair's anchor is the mean
of its two members' known anchors; when it exists, every protocol first
tries the price closest to it inside [seller's ask, buyer's bid], and only
if no mutually beneficial block exists there bargains as without anchors.
A pair without anchors bargains exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numba import njit, prange

from vmt.protocols.context import TickContext
from vmt.protocols.gains import pair_goods, quote_gap
from vmt.protocols.registry import ProtocolParams


class BargainingParams(ProtocolParams):
    price_candidates: int = 9  # prices tried per quantity, fanning out from the midpoint
    anchor: Literal["none", "signal"] = "signal"  # try the price anchor handed by the institution first

#: What the kernels receive when a pair has no anchors: zero rows.
NO_ANCHORS = np.empty((0, 3))


@dataclass
class Proposals:
    """One row per pair in range; ``pair_type == -1`` means no agreement."""

    i: np.ndarray
    j: np.ndarray
    pair_type: np.ndarray
    buyer: np.ndarray
    seller: np.ndarray
    q1: np.ndarray
    q2: np.ndarray
    market_id: np.ndarray | None = None  # float per row: area or post of the trade, NaN if none

    @classmethod
    def for_pairs(cls, i: np.ndarray, j: np.ndarray) -> "Proposals":
        m = i.shape[0]
        minus = lambda: np.full(m, -1, dtype=np.int64)  # noqa: E731
        return cls(i, j, minus(), minus(), minus(), np.zeros(m, np.int64), np.zeros(m, np.int64))

    def outputs(self) -> tuple:
        """The arrays a protocol kernel writes, in kernel argument order."""
        return self.pair_type, self.buyer, self.seller, self.q1, self.q2

    def agreed(self) -> np.ndarray:
        return self.pair_type >= 0


def pairs_in_range(ctx: TickContext) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) with i < j for partnered agents within the interaction radius."""
    ag = ctx.world.agents
    i = np.flatnonzero((ag.partner > np.arange(ag.n)))
    j = ag.partner[i]
    near = np.abs(ag.x[i] - ag.x[j]) + np.abs(ag.y[i] - ag.y[j]) <= ctx.interaction_radius
    return i[near], j[near]


def max_block(ctx: TickContext, units: np.ndarray) -> np.ndarray:
    """Largest block of each pair's first good, in its minor units."""
    return np.array(
        [max(1, int(round(ctx.max_trade_quantity / units[g]))) for g in (0, 0, 1)], dtype=np.int64
    )


@njit(cache=True)
def ordered_pair_types(i, j, ask, bid, pair_active):
    """Exchange pairs with a positive quote gap, largest relative gap first.

    Returns ``(count, ks, buyers, sellers)``: the first ``count`` entries are
    the pair types and who buys and sells in each.
    """
    ks = np.empty(3, np.int64)
    buyers = np.empty(3, np.int64)
    sellers = np.empty(3, np.int64)
    gaps = np.empty(3)
    count = 0
    for k in range(3):
        if not pair_active[k]:
            continue
        gap, b, s = quote_gap(i, j, k, ask, bid)
        if gap <= 0.0:
            continue
        pos = count
        while pos > 0 and gaps[pos - 1] < gap:
            gaps[pos], ks[pos], buyers[pos], sellers[pos] = gaps[pos - 1], ks[pos - 1], buyers[pos - 1], sellers[pos - 1]
            pos -= 1
        gaps[pos], ks[pos], buyers[pos], sellers[pos] = gap, k, b, s
        count += 1
    return count, ks, buyers, sellers


@njit(cache=True)
def payment_range(k, buyer, seller, q1, ask, bid, units):
    """Integer payments (minor units of the second good) between the seller's
    ask and the buyer's bid for ``q1`` minor units of the first good."""
    g1, g2 = pair_goods(k)
    scale = q1 * units[g1] / units[g2]
    lo = max(1, int(np.ceil(ask[seller, k] * scale - 1e-9)))
    hi = int(np.floor(bid[buyer, k] * scale + 1e-9))
    return lo, hi


@njit(cache=True)
def ladder(t, lo, hi, candidates):
    """The ``t``-th payment tried in [lo, hi]: the midpoint, then alternately
    above and below it in steps that cover the range in ``candidates`` tries
    each way. Returns −1 when step ``t`` falls outside the range."""
    return ladder_around(t, (lo + hi) // 2, lo, hi, candidates)


@njit(cache=True)
def ladder_around(t, centre, lo, hi, candidates):
    """The ``t``-th payment tried in [lo, hi] fanning out from ``centre``:
    ``centre``, then alternately above and below it in steps of
    ``(hi − lo) // (candidates − 1)``; −1 when step ``t`` falls outside."""
    step = max(1, (hi - lo) // max(1, candidates - 1))
    offset = ((t + 1) // 2) * step
    value = centre + offset if t % 2 == 1 else centre - offset
    if value < lo or value > hi:
        return -1
    return value


@njit(cache=True)
def pair_anchor(i, j, k, anchor):
    """Mean of the known anchors of agents ``i`` and ``j`` in pair ``k``; NaN if none."""
    if anchor.shape[0] == 0:
        return np.nan
    total, count = 0.0, 0
    for agent in (i, j):
        if np.isfinite(anchor[agent, k]) and anchor[agent, k] > 0.0:
            total += np.log(anchor[agent, k])
            count += 1
    return np.exp(total / count) if count else np.nan


@njit(cache=True)
def anchored_payment(target, k, q1, lo, hi, units):
    """The integer payment in [lo, hi] closest to ``target`` (a price, second per
    first) for ``q1`` minor units of the first good; −1 if the range is empty."""
    if lo > hi:
        return -1
    g1, g2 = pair_goods(k)
    ideal = min(max(target * q1 * units[g1] / units[g2], float(lo)), float(hi))
    return int(np.floor(ideal + 0.5))


@njit(cache=True)
def anchored_price(target, ask_price, bid_price):
    """``target`` clipped into [ask, bid]: the price nearest the anchor both accept."""
    return min(max(target, ask_price), bid_price)


@njit(cache=True, parallel=True)
def apply_proposals(buyer, seller, pair_type, q1, q2, inventory):
    """Move goods for every agreed proposal (pairs are disjoint, so rows are too)."""
    for p in prange(buyer.shape[0]):
        k = pair_type[p]
        if k < 0:
            continue
        g1, g2 = pair_goods(k)
        inventory[buyer[p], g1] += q1[p]
        inventory[seller[p], g1] -= q1[p]
        inventory[buyer[p], g2] -= q2[p]
        inventory[seller[p], g2] += q2[p]

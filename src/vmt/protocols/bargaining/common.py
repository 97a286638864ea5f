"""Shared bargaining machinery: pairs in range, anchors, and applying agreed trades.

Every protocol's kernel writes at most one *proposal* per pair: exchange
pair ``k``, buyer, seller, ``q1`` minor units of the first good for ``q2``
minor units of the second, and the real price the protocol aimed at. A
proposal is only written when both traders' utilities strictly rise
(checked with :func:`vmt.protocols.gains.block_gains`), so no executed trade
ever lowers a utility. Prices and block sizes: :mod:`.blocks`.

*Anchors* (``anchor: signal``): an institution may hand the bargainer a price
per agent and exchange pair (``BilateralBargainer.anchor_price``, NaN where
an agent has none; the ``price_signals`` institution hands the reference
prices its agents learned from market signals). A pair's anchor is the mean
of its two members' known anchors; when it exists, every protocol first
aims at it (moved inside the two traders' valuations), and only if no
mutually beneficial block exists there bargains as without anchors.
A pair without anchors bargains exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

import numpy as np
from numba import njit, prange

from vmt.world.chunks import flagged
from vmt.protocols.context import TickContext
from vmt.protocols.gains import pair_goods, quote_gap
from vmt.protocols.registry import ProtocolParams
from vmt.world.state import NO_AGENT


class BargainingParams(ProtocolParams):
    anchor: Literal["none", "signal"] = "signal"  # try the price anchor handed by the institution first
    #: A pair trades while the buyer values the good more than the seller by
    #: over this fraction; within it, the pair is on its contract curve.
    contract_curve_tolerance: float = Field(0.01, gt=0.0, lt=1.0)

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
    price: np.ndarray  # real price the protocol aimed at (second good per first), NaN if none
    market_id: np.ndarray | None = None  # float per row: area or post of the trade, NaN if none

    @classmethod
    def none(cls) -> "Proposals":
        """No pairs (a tick without bilateral trade): no kernel to load for it."""
        empty = np.zeros(0, np.int64)
        return cls(empty, empty, empty, empty, empty, empty, empty, np.zeros(0))

    def outputs(self) -> tuple:
        """The arrays a protocol kernel writes, in kernel argument order (the
        built-in protocols also write :attr:`price`, passed after these)."""
        return self.pair_type, self.buyer, self.seller, self.q1, self.q2

    def agreed(self) -> np.ndarray:
        return self.pair_type >= 0


@njit(cache=True, parallel=True)
def _no_agreements(m):
    """The outputs for ``m`` pairs before they bargain — no agreement (-1),
    nothing moved, no price — filled in parallel (a million agents make
    some 400,000 pairs a tick, eight columns of them)."""
    pair_type, buyer, seller = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64)
    q1, q2, price = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m)
    for p in prange(m):
        pair_type[p], buyer[p], seller[p], q1[p], q2[p], price[p] = -1, -1, -1, 0, 0, np.nan
    return pair_type, buyer, seller, q1, q2, price


def proposals_in_range(ctx: TickContext) -> Proposals:
    """One row, no agreement yet, per pair (i, j) with i < j of partnered
    agents within the interaction radius, by i."""
    ag = ctx.world.agents
    return Proposals(*_pairs_in_range(ag.partner, ag.x, ag.y, ctx.interaction_radius))


@njit(cache=True)
def _pairs_in_range(partner, x, y, radius):
    """The pairs and their empty outputs in one compiled call (one cached kernel to load, not two)."""
    i, j = _pairs_within(partner, x, y, radius)
    pair_type, buyer, seller, q1, q2, price = _no_agreements(i.shape[0])
    return i, j, pair_type, buyer, seller, q1, q2, price


@njit(cache=True, parallel=True)
def _pairs_within(partner, x, y, radius):
    # flagged in parallel, then compacted in order of i (vmt.world.chunks)
    near = np.empty(partner.shape[0], dtype=np.bool_)
    for a in prange(partner.shape[0]):
        b = partner[a]
        near[a] = b > a and abs(x[a] - x[b]) + abs(y[a] - y[b]) <= radius
    i = flagged(near)
    j = np.empty(i.shape[0], np.int64)
    for p in prange(i.shape[0]):
        j[p] = partner[i[p]]
    return i, j


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


@njit(cache=True, parallel=True)
def conclude(pi, pj, pair_type, buyer, seller, q1, q2, inventory, quotes_stale,
             partner, cooldown_partner, cooldown_until, until):
    """Settle every pair's proposal: an agreed trade moves the goods and marks
    both traders' quotes stale; a pair that did not agree parts and keeps
    apart until tick ``until``. Pairs are disjoint, so each iteration writes
    only its own two agents' rows."""
    for p in prange(pi.shape[0]):
        i, j, k = pi[p], pj[p], pair_type[p]
        if k >= 0:
            g1, g2 = pair_goods(k)
            inventory[buyer[p], g1] += q1[p]
            inventory[seller[p], g1] -= q1[p]
            inventory[buyer[p], g2] -= q2[p]
            inventory[seller[p], g2] += q2[p]
            quotes_stale[i] = True
            quotes_stale[j] = True
        else:
            partner[i] = NO_AGENT
            partner[j] = NO_AGENT
            cooldown_partner[i], cooldown_partner[j] = j, i
            cooldown_until[i] = until
            cooldown_until[j] = until

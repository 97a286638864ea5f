"""The neighbourhood scan shared by search protocols.

Visits every agent and resource cell within Manhattan ``vision`` of agent
``i``, row by row. The work is arranged so that little is repeated:

* the discount ``beta**d`` is looked up in a table of ``vision + 1`` values
  (:func:`discount_table`) instead of raised to a power on every cell;
* the agents of one row of the vision diamond are one contiguous slice of
  the spatial hash's ``order`` (cells of a row are consecutive), so empty
  cells cost nothing;
* resources are found through a row index, so empty cells cost nothing
  there either;
* ``i``'s own utility is evaluated once per scan, not once per neighbour,
  and the gain of a full harvest of each good once, not once per cell.

Every score is computed by the same arithmetic as a direct evaluation, so
the result is the same to the last bit. Partner lists are ordered by
(score, id) — a total order — so the order neighbours are visited in does not
matter; resources are visited row by row, left to right, and the first of
equal scores wins.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from vmt.protocols.context import insert_candidate, hashed_uniform
from vmt.protocols.gains import midpoint_gain, real_holdings
from vmt.world.foraging import harvest_size
from vmt.world.spatial import RESOURCE_BLOCK, diamond_row_span
from vmt.economics.kernels import parameter_row
from vmt.world.valuation import holdings_utility, trade_gain_from


@njit(cache=True)
def discount_table(beta, vision):
    """``beta**d`` for ``d = 0 .. vision``."""
    out = np.empty(vision + 1)
    for d in range(vision + 1):
        out[d] = beta ** d
    return out


@njit(cache=True)
def full_harvests(units, forage_rate):
    """Minor units one harvest takes from a well-stocked cell, per good
    (:func:`vmt.world.foraging.harvest_size`). Computed once per
    scan, so a visited cell costs a ``min``, not a division and a rounding."""
    out = np.empty(units.shape[0], dtype=np.int64)
    for g in range(units.shape[0]):
        out[g] = harvest_size(forage_rate, units[g])
    return out


@njit(cache=True, inline='always')
def harvest_take(r, res_good, res_amount, full_take):
    """Minor units one harvest of resource ``r`` would take (0 if depleted)."""
    return min(res_amount[r], full_take[res_good[r]])


@njit(cache=True, inline='always')
def harvest_gain(code, p, lam, held, before_u, g, take, units):
    """Utility gain (>= 0) of an agent (utility ``code``/``p``/``lam``,
    holding ``held`` of utility ``before_u``) harvesting ``take`` minor units
    of good ``g``."""
    return max(0.0, trade_gain_from(code, p, lam, held, before_u, g, take * units[g], 2, 0.0))


@njit(cache=True)
def own_utility(i, family, params, lam, inventory, units):
    """Agent ``i``'s utility (family code, parameters, λ), real holdings and
    their utility, read and valued once per scan: ``(code, p, lam_i, held,
    before_u)``. The parameters come as a tuple (``parameter_row``): an
    array view made inside a parallel loop counts a reference on the shared
    parameter array, an atomic write the threads fight over."""
    code, p, lam_i = family[i], parameter_row(params, i), lam[i]
    held = real_holdings(inventory, units, i)
    return code, p, lam_i, held, holdings_utility(code, p, lam_i, held[0], held[1], held[2])


# inline: called once per agent inside a parallel loop; an out-of-line call
# counts references on its array arguments, an atomic write the threads share
@njit(cache=True, inline="always")
def best_resource(held, before_u, code, p, lam, xi, yi, units, width, height, vision, discount,
                  res_x, row_block_first, res_good, res_amount, full_take):
    """The best resource visible from (``xi``, ``yi``) and its score (-1, 0.0
    if none) for an agent of utility ``code``/``p``/``lam`` holding ``held``.

    A cell scores ``discount[d] ×`` the harvest gain; full harvests of good A
    and of good B (``full_take``, :func:`full_harvests`) are valued once each
    and reused across cells. Each row of the vision diamond is read through
    the resource row index (``vmt.world.spatial.resource_row_index``): only
    the resources on it, left to right, not every cell.
    """
    best_r, best_score = -1, 0.0
    full_gain_a, full_gain_b = -1.0, -1.0
    last = row_block_first.shape[1] - 1
    for dy in range(-vision, vision + 1):
        x0, x1 = diamond_row_span(xi, yi, dy, vision, width, height)
        if x1 < x0:
            continue
        row = yi + dy
        r, end = row_block_first[row, x0 // RESOURCE_BLOCK], row_block_first[row, last]
        while r < end and res_x[r] < x0:
            r += 1
        while r < end and res_x[r] <= x1:
            take = harvest_take(r, res_good, res_amount, full_take)
            if take > 0:
                g = res_good[r]
                if take != full_take[g] or g > 1:
                    gain = harvest_gain(code, p, lam, held, before_u, g, take, units)
                elif g == 0:
                    if full_gain_a < 0.0:
                        full_gain_a = harvest_gain(code, p, lam, held, before_u, g, take, units)
                    gain = full_gain_a
                else:
                    if full_gain_b < 0.0:
                        full_gain_b = harvest_gain(code, p, lam, held, before_u, g, take, units)
                    gain = full_gain_b
                score = discount[abs(res_x[r] - xi) + abs(dy)] * gain
                if score > best_score:
                    best_r, best_score = r, score
            r += 1
    return best_r, best_score


class NeighbourSlots(NamedTuple):
    """What a partner scan reads of each agent who may be listed, copied in
    cell order into consecutive slots: the agents of a row of the vision
    diamond are then consecutive memory, read in one sweep instead of one
    jump per neighbour into arrays indexed by id, and agents hidden from
    partner lists (taken this tick) take no slot, so the scan never visits
    them.

    ``visible_before[s]``: how many agents of ``order[:s]`` (the spatial
    index) have a slot, so the slots of cells ``c0 .. c1`` are
    ``visible_before[cell_start[c0]] : visible_before[cell_start[c1 + 1]]``.
    Per slot: ``id``, ``x``: the agent and its column; ``cooling``: the
    partner it is kept apart from this tick, else -1; ``quotes[v, 2p]``,
    ``quotes[v, 2p + 1]``: ask and bid in the ``p``-th allowed exchange pair
    (``pairs[p]``).
    """

    pairs: np.ndarray
    visible_before: np.ndarray
    id: np.ndarray
    x: np.ndarray
    cooling: np.ndarray
    quotes: np.ndarray

    @classmethod
    def fit(cls, slots: "NeighbourSlots | None", order: np.ndarray, pair_active: np.ndarray) -> "NeighbourSlots":
        """``slots`` if they fit this population and regime, else new ones."""
        pairs = np.flatnonzero(pair_active).astype(np.int64)
        n = order.shape[0]
        if slots is not None and slots.x.shape[0] == n and np.array_equal(slots.pairs, pairs):
            return slots
        return cls(pairs, np.empty(n + 1, dtype=order.dtype), np.empty(n, dtype=order.dtype),
                   np.empty(n, dtype=np.int32), np.empty(n, dtype=order.dtype), np.empty((n, 2 * pairs.size)))


@njit(cache=True, parallel=True)
def fill_slots(tick, x, available_view, cooldown_partner, cooldown_until, ask, bid, order, pairs,
               visible_before, slot_id, slot_x, slot_cooling, slot_quotes):
    """Give every agent not hidden from partner lists (``available_view < 0``)
    its slot, in cell order, and copy its scan data there (see
    :class:`NeighbourSlots`)."""
    _count_visible_before(available_view, order, visible_before)
    for s in prange(order.shape[0]):
        v = visible_before[s]
        if visible_before[s + 1] == v:
            continue
        j = order[s]
        slot_id[v] = j
        slot_x[v] = x[j]
        slot_cooling[v] = cooldown_partner[j] if tick < cooldown_until[j] else -1
        for p in range(pairs.shape[0]):
            slot_quotes[v, 2 * p] = ask[j, pairs[p]]
            slot_quotes[v, 2 * p + 1] = bid[j, pairs[p]]


#: Fixed chunks of the running count of visible agents.
COUNT_CHUNKS = 64


@njit(cache=True, parallel=True)
def _count_visible_before(available_view, order, visible_before):
    """``visible_before[s]``: how many of ``order[:s]`` are not hidden, as a
    running count in parallel: each fixed chunk counts its own, a running
    total over the chunks gives each its start, and each chunk adds up from
    there (whole numbers: the same counts whatever the threads)."""
    n = order.shape[0]
    starts = np.zeros(COUNT_CHUNKS + 1, dtype=np.int64)
    for c in prange(COUNT_CHUNKS):
        seen = 0
        for s in range(c * n // COUNT_CHUNKS, (c + 1) * n // COUNT_CHUNKS):
            seen += 1 if available_view[order[s]] < 0 else 0
        starts[c + 1] = seen
    for c in range(COUNT_CHUNKS):
        starts[c + 1] += starts[c]
    visible_before[0] = 0
    for c in prange(COUNT_CHUNKS):
        seen = starts[c]
        for s in range(c * n // COUNT_CHUNKS, (c + 1) * n // COUNT_CHUNKS):
            seen += 1 if available_view[order[s]] < 0 else 0
            visible_before[s + 1] = seen


# inline: called once per agent inside a parallel loop; an out-of-line call
# counts references on its array arguments, an atomic write the threads share
@njit(cache=True, inline="always")
def rank_partners(i, held, before_u, seed, randomise, xi, yi, i_cooling, code, p, lam, units, ask, bid,
                  cell_start, width, height, vision, discount, pairs, visible_before, slot_id, slot_x, slot_cooling,
                  slot_quotes, cand_ids, cand_scores):
    """Fill agent ``i``'s partner list (row ``i`` of ``cand_ids`` and
    ``cand_scores``), best first.

    Scores are expected gain × ``discount[d]``; with ``randomise`` the score
    is a hashed uniform draw (random search), keeping only partners with a
    positive expected gain. A pair is skipped while kept apart after a failed
    negotiation (``i_cooling``: whom ``i`` avoids; a slot's ``cooling``: whom
    that neighbour avoids). The list arrives empty. ``pairs`` ..
    ``slot_quotes``: the fields of :class:`NeighbourSlots`.
    """
    count = 0
    for dy in range(-vision, vision + 1):
        x0, x1 = diamond_row_span(xi, yi, dy, vision, width, height)
        if x1 < x0:
            continue
        row_start = (yi + dy) * width
        for v in range(visible_before[cell_start[row_start + x0]], visible_before[cell_start[row_start + x1 + 1]]):
            j = slot_id[v]
            if j == i or j == i_cooling or slot_cooling[v] == i:
                continue
            gain = 0.0
            for q in range(pairs.shape[0]):
                k = pairs[q]
                gain = midpoint_gain(gain, code, p, lam, held, before_u, units, k,
                                     bid[i, k], ask[i, k], slot_quotes[v, 2 * q + 1], slot_quotes[v, 2 * q])
            if gain <= 0.0:
                continue
            score = hashed_uniform(seed, i, j) if randomise else gain * discount[abs(slot_x[v] - xi) + abs(dy)]
            count = insert_candidate(cand_ids, cand_scores, i, count, j, score)

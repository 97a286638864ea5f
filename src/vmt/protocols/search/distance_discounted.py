"""``distance_discounted`` search: rank by expected surplus × beta^distance.

An agent sees partners and resource cells within its vision radius and
scores each by its own expected utility gain (``vmt.protocols.gains``)
discounted by ``beta`` per cell of distance, so a near modest gain can beat
a far large one.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.protocols.context import Candidates, TickContext
from vmt.protocols.registry import register
from vmt.protocols.search.scan import (
    NeighbourSlots, best_resource, discount_table, fill_slots, full_harvests, own_utility, rank_partners,
)


@register("search", "distance_discounted")
class DistanceDiscountedSearch:
    """Rank partners and resources by expected gain × beta^distance.

    The output lists and the neighbour slots are kept and overwritten tick
    after tick (no per-tick allocation of the n×8 lists); the lists handed
    out are valid until the next ``rank``.
    """

    randomise = False

    def __init__(self, params):
        self.params = params
        self._out: Candidates | None = None
        self._slots: NeighbourSlots | None = None

    def rank(self, ctx: TickContext) -> Candidates:
        ag = ctx.world.agents
        if self._out is None or self._out.resource.shape[0] != ag.n:
            self._out = Candidates.empty(ag.n)
        self._out.wander_x = self._out.wander_y = None
        self._slots = rank_every_agent(ctx, self.randomise, ag.partner, np.ones(ag.n, dtype=np.bool_),
                                       self._out, self._slots)
        return self._out


def rank_every_agent(ctx: TickContext, randomise: bool, available_view, bilateral_ok, out: Candidates,
                     slots: NeighbourSlots | None = None) -> NeighbourSlots:
    """:func:`rank_all` on the tick's state into ``out``; returns the
    neighbour slots used (pass them back next tick to reuse them)."""
    world, sp = ctx.world, ctx.spatial
    ag, res = world.agents, world.resources
    slots = NeighbourSlots.fit(slots, sp.order, ctx.pair_active)
    rank_all(
        ctx.tick, ctx.tick_seed, randomise, ag.x, ag.y, ag.partner, available_view, bilateral_ok,
        ag.cooldown_partner, ag.cooldown_until, ag.family, ag.utility_params, ag.lambda_money, ag.inventory,
        world.units, ag.ask, ag.bid, sp.cell_start, sp.order, world.width, world.height,
        ctx.vision_radius, ctx.beta, res.x, res.row_block_first, res.good, res.amount, ctx.forage_rate,
        *slots, out.partner_ids, out.partner_scores, out.resource, out.resource_score,
    )
    return slots


@njit(cache=True, parallel=True)
def rank_all(tick, seed, randomise, x, y, partner, available_view, bilateral_ok, cooldown_partner,
             cooldown_until, family, params, lam, inventory, units, ask, bid,
             cell_start, order, width, height, vision, beta,
             res_x, row_block_first, res_good, res_amount, forage_rate,
             pairs, visible_before, slot_id, slot_x, slot_cooling, slot_quotes,
             cand_ids, cand_scores, resource, resource_score):
    """Rank partners and resources for every unpaired agent.

    ``available_view[j] >= 0`` hides ``j`` from partner lists (normally the
    ``partner`` array: taken agents are hidden); agents with
    ``bilateral_ok[i]`` False keep their resource ranking but no partners
    (market posts' institutions use both). First what a neighbour scan reads
    of every visible agent is copied into the fields of a
    :class:`NeighbourSlots` (``pairs``: the exchange pairs the regime allows
    .. ``slot_quotes``) in cell order (:func:`fill_slots`), so the scan reads consecutive memory; then agents are visited in cell order
    (``order``), so neighbouring iterations read neighbouring memory. Every
    row of the output is written (paired agents get empty lists); each
    iteration writes only its own rows, so the result does not depend on the
    threads.
    """
    fill_slots(tick, x, available_view, cooldown_partner, cooldown_until, ask, bid, order, pairs,
               visible_before, slot_id, slot_x, slot_cooling, slot_quotes)
    _clear_lists(cand_ids, cand_scores, resource, resource_score)
    discount = discount_table(beta, vision)
    full_take = full_harvests(units, forage_rate)
    for idx in prange(order.shape[0]):
        i = order[idx]
        if partner[i] >= 0:
            continue
        held, before_u = own_utility(i, family, params, lam, inventory, units)
        code, p, lam_i, xi, yi = family[i], params[i], lam[i], x[i], y[i]
        resource[i], resource_score[i] = best_resource(
            held, before_u, code, p, lam_i, xi, yi, units, width, height, vision, discount,
            res_x, row_block_first, res_good, res_amount, full_take)
        if bilateral_ok[i]:
            i_cooling = cooldown_partner[i] if tick < cooldown_until[i] else -1
            rank_partners(i, held, before_u, seed, randomise, xi, yi, i_cooling,
                          code, p, lam_i, units, ask[i], bid[i], cell_start, width, height, vision, discount,
                          pairs, visible_before, slot_id, slot_x, slot_cooling, slot_quotes,
                          cand_ids[i], cand_scores[i])


@njit(cache=True, parallel=True)
def _clear_lists(cand_ids, cand_scores, resource, resource_score):
    """Empty last tick's lists, in id order (one sweep through memory; only
    rows that hold something are written)."""
    for i in prange(cand_ids.shape[0]):
        if cand_ids[i, 0] >= 0 or cand_scores[i, 0] != 0.0:
            cand_ids[i, :] = -1
            cand_scores[i, :] = 0.0
        resource[i], resource_score[i] = -1, 0.0

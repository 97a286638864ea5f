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
    #: Whether agents rank the resource cells they see (random search
    #: forages only where it happens to stand, so it skips that scan).
    rank_resources = True

    def __init__(self, params):
        self.params = params
        self._out: Candidates | None = None
        self._slots: NeighbourSlots | None = None
        self._bilateral_ok: np.ndarray | None = None  # all True: every agent may trade bilaterally

    @property
    def resources_rankable_late(self) -> bool:
        """Whether :meth:`rank_partners` then :meth:`rank_free_resources` after
        matching give what :meth:`rank` gives: true unless a subclass ranks in
        its own way (and may read the resources while it does)."""
        return type(self).rank is DistanceDiscountedSearch.rank

    def rank(self, ctx: TickContext) -> Candidates:
        """Partners and the best resource of every unpaired agent."""
        return self._rank(ctx, self.rank_resources)

    def rank_partners(self, ctx: TickContext) -> Candidates:
        """Partner lists only, every resource left at -1; the tick ranks
        resources after matching with :meth:`rank_free_resources`, for the
        agents matching left unpaired (the only ones who head for one)."""
        return self._rank(ctx, False)

    def rank_free_resources(self, ctx: TickContext, candidates: Candidates) -> None:
        """The best resource of every agent still unpaired, into ``candidates``
        (as :meth:`rank` would have ranked it: the world has not changed).
        Without resource cells every agent keeps the -1 that
        :meth:`rank_partners` wrote, and the kernel is not even loaded."""
        if self.rank_resources and ctx.world.resources.n > 0:
            world, ag, res = ctx.world, ctx.world.agents, ctx.world.resources
            rank_free_resources(ctx.spatial.order, ag.x, ag.y, ag.partner, ag.family, ag.utility_params,
                                ag.lambda_money, ag.inventory, world.units, world.width, world.height,
                                ctx.vision_radius, ctx.beta, res.x, res.row_block_first, res.good, res.amount,
                                ctx.forage_rate, candidates.resource, candidates.resource_score)

    def _rank(self, ctx: TickContext, rank_resources: bool) -> Candidates:
        ag = ctx.world.agents
        if self._out is None or self._out.resource.shape[0] != ag.n:
            self._out = Candidates.empty(ag.n)
        self._out.wander_x = self._out.wander_y = None
        if self._bilateral_ok is None or self._bilateral_ok.shape[0] != ag.n:
            self._bilateral_ok = np.ones(ag.n, dtype=np.bool_)
        self._slots = rank_every_agent(ctx, self.randomise, ag.partner, self._bilateral_ok,
                                       self._out, self._slots, rank_resources)
        return self._out


def rank_every_agent(ctx: TickContext, randomise: bool, available_view, bilateral_ok, out: Candidates,
                     slots: NeighbourSlots | None = None, rank_resources: bool = True) -> NeighbourSlots:
    """:func:`rank_all` on the tick's state into ``out``; returns the
    neighbour slots used (pass them back next tick to reuse them). Without
    ``rank_resources`` every agent's best resource is left at -1, 0.0."""
    world, sp = ctx.world, ctx.spatial
    ag, res = world.agents, world.resources
    slots = NeighbourSlots.fit(slots, sp.order, ctx.pair_active)
    rank_all(
        ctx.tick, ctx.tick_seed, randomise, rank_resources, ag.x, ag.y, ag.partner, available_view, bilateral_ok,
        ag.cooldown_partner, ag.cooldown_until, ag.family, ag.utility_params, ag.lambda_money, ag.inventory,
        world.units, ag.ask, ag.bid, sp.cell_start, sp.order, world.width, world.height,
        ctx.vision_radius, ctx.beta, res.x, res.row_block_first, res.good, res.amount, ctx.forage_rate,
        *slots, out.partner_ids, out.partner_scores, out.resource, out.resource_score,
    )
    return slots


@njit(cache=True, parallel=True)
def rank_all(tick, seed, randomise, rank_resources, x, y, partner, available_view, bilateral_ok, cooldown_partner,
             cooldown_until, family, params, lam, inventory, units, ask, bid,
             cell_start, order, width, height, vision, beta,
             res_x, row_block_first, res_good, res_amount, forage_rate,
             pairs, visible_before, slot_id, slot_x, slot_cooling, slot_quotes,
             cand_ids, cand_scores, resource, resource_score):
    """Rank partners and resources for every unpaired agent.

    ``available_view[j] >= 0`` hides ``j`` from partner lists (normally the
    ``partner`` array: taken agents are hidden); agents with
    ``bilateral_ok[i]`` False keep their resource ranking but no partners
    (market posts' institutions use both); without ``rank_resources`` nobody
    ranks resources (random search). First what a neighbour scan reads of
    every visible agent is copied into the fields of a
    :class:`NeighbourSlots` (``pairs``: the exchange pairs the regime allows
    .. ``slot_quotes``) in cell order (:func:`fill_slots`), so the scan reads
    consecutive memory; then agents are visited in cell order (``order``), so
    neighbouring iterations read neighbouring memory. Every
    row of the output is written (paired agents get empty lists); each
    iteration writes only its own rows, so the result does not depend on the
    threads.
    """
    fill_slots(tick, x, available_view, cooldown_partner, cooldown_until, ask, bid, order, pairs,
               visible_before, slot_id, slot_x, slot_cooling, slot_quotes)
    discount = discount_table(beta, vision)
    full_take = full_harvests(units, forage_rate)
    for idx in prange(order.shape[0]):
        i = order[idx]
        _clear_row(i, cand_ids, cand_scores, resource, resource_score)
        if partner[i] >= 0:
            continue
        code, p, lam_i, held, before_u = own_utility(i, family, params, lam, inventory, units)
        xi, yi = x[i], y[i]
        if rank_resources:
            resource[i], resource_score[i] = best_resource(
                held, before_u, code, p, lam_i, xi, yi, units, width, height, vision, discount,
                res_x, row_block_first, res_good, res_amount, full_take)
        if bilateral_ok[i]:
            i_cooling = cooldown_partner[i] if tick < cooldown_until[i] else -1
            rank_partners(i, held, before_u, seed, randomise, xi, yi, i_cooling,
                          code, p, lam_i, units, ask, bid, cell_start, width, height, vision, discount,
                          pairs, visible_before, slot_id, slot_x, slot_cooling, slot_quotes, cand_ids, cand_scores)


@njit(cache=True, parallel=True)
def rank_free_resources(order, x, y, partner, family, params, lam, inventory, units, width, height, vision, beta,
                        res_x, row_block_first, res_good, res_amount, forage_rate, resource, resource_score):
    """The best resource (and its score) of every unpaired agent, -1 and 0.0
    for the paired. Agents are visited in cell order (the spatial hash's
    ``order``), so neighbouring iterations read neighbouring rows of the
    resource index."""
    discount = discount_table(beta, vision)
    full_take = full_harvests(units, forage_rate)
    for idx in prange(order.shape[0]):
        i = order[idx]
        if partner[i] >= 0:
            resource[i], resource_score[i] = -1, 0.0
            continue
        code, p, lam_i, held, before_u = own_utility(i, family, params, lam, inventory, units)
        resource[i], resource_score[i] = best_resource(
            held, before_u, code, p, lam_i, x[i], y[i], units, width, height, vision, discount,
            res_x, row_block_first, res_good, res_amount, full_take)


@njit(cache=True, inline="always")
def _clear_row(i, cand_ids, cand_scores, resource, resource_score):
    """Empty agent ``i``'s list of last tick (written only if it holds
    something) and its resource. Done by the iteration that then fills the
    row, so the row is read once and is in cache when it is written, not
    swept by a pass of its own over every row (a hundred MB at a million
    agents). Element by element: a slice of a shared array made in a
    parallel loop counts a reference on it."""
    if cand_ids[i, 0] >= 0 or cand_scores[i, 0] != 0.0:
        for r in range(cand_ids.shape[1]):
            cand_ids[i, r], cand_scores[i, r] = -1, 0.0
    resource[i], resource_score[i] = -1, 0.0

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
from vmt.protocols.search.scan import best_resource, discount_table, own_utility, rank_partners


@register("search", "distance_discounted")
class DistanceDiscountedSearch:
    """Rank partners and resources by expected gain × beta^distance."""

    randomise = False

    def __init__(self, params):
        self.params = params

    def rank(self, ctx: TickContext) -> Candidates:
        world, sp = ctx.world, ctx.spatial
        ag, res = world.agents, world.resources
        out = Candidates.empty(ag.n)
        rank_all(
            ctx.tick, ctx.tick_seed, self.randomise, ag.x, ag.y, ag.partner, ag.partner,
            np.ones(ag.n, dtype=np.bool_), ag.cooldown_partner,
            ag.cooldown_until, ag.family, ag.utility_params, ag.lambda_money, ag.inventory,
            world.units, ag.ask, ag.bid, ctx.pair_active, sp.cell_start, sp.order,
            world.width, world.height, ctx.vision_radius, ctx.beta, res.x, res.row_block_first,
            res.good, res.amount, ctx.forage_rate,
            out.partner_ids, out.partner_scores, out.resource, out.resource_score,
        )
        return out


@njit(cache=True, parallel=True)
def rank_all(tick, seed, randomise, x, y, partner, available_view, bilateral_ok, cooldown_partner,
             cooldown_until, family, params, lam, inventory, units, ask, bid, pair_active,
             cell_start, order, width, height, vision, beta,
             res_x, row_block_first, res_good, res_amount, forage_rate,
             cand_ids, cand_scores, resource, resource_score):
    """Rank partners and resources for every unpaired agent.

    ``available_view[j] >= 0`` hides ``j`` from partner lists (normally the
    ``partner`` array: taken agents are hidden); agents with
    ``bilateral_ok[i]`` False keep their resource ranking but no partners
    (market posts' institutions use both). Agents are visited in cell order
    (``order``), so neighbouring iterations read neighbouring memory; each
    writes only its own rows, so the result does not depend on the threads.
    """
    discount = discount_table(beta, vision)
    for idx in prange(order.shape[0]):
        i = order[idx]
        if partner[i] >= 0:
            continue
        held, before_u = own_utility(i, family, params, lam, inventory, units)
        resource[i], resource_score[i] = best_resource(
            i, held, before_u, x, y, family, params, lam, units, width, height, vision, discount,
            res_x, row_block_first, res_good, res_amount, forage_rate)
        if bilateral_ok[i]:
            rank_partners(i, held, before_u, tick, seed, randomise, x, y, available_view, cooldown_partner,
                          cooldown_until, family, params, lam, units, ask, bid, pair_active,
                          cell_start, order, width, height, vision, discount, cand_ids[i], cand_scores[i])

"""``market_aware`` search: partners, resource cells and market posts on one scale.

("Market-Aware Search Protocol"): an agent ranks every target it
sees by its *own expected utility gain* times ``beta**distance``:

* a partner and a resource cell exactly as ``distance_discounted`` does;
* a market post ``j`` within its visibility radius by the gain of trading,
  at the post's last known price, the quantity it would demand there,
  summed over the post's exchange pairs and discounted by the price's age::

      score_j = beta**d_ij * sum_k staleness_decay**age_jk * G_i(k, p_jk)

  ``G_i(k, p)`` is the utility gain of the agent's discrete demand at price
  ``p`` (:func:`best_trade`). The price is the post's own if the agent is
  within the post's broadcast radius, else the last price the agent heard
  for that pair (``AgentState.observed_price``), of age ``tick - formed``.

A *post-goer* (``PostBoard.uses_posts``) whose best post scores at least as
much as its best partner and its best resource is *post-bound*: it heads
for the post and is struck from everybody's partner list before matching,
so nobody waits for a partner who is walking to a market.

The posts are not part of the world's core state: the market-posts
component hands this protocol a :class:`PostBoard` (:meth:`attach_posts`).
Without one it ranks exactly like ``distance_discounted``.

The kernels :func:`units_demanded` and :func:`best_trade` are also what
agents' orders at posts are made of (``vmt.markets.posts``): one definition
of "what an agent wants at a price".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange
from pydantic import Field

from vmt.protocols.context import Candidates, TickContext
from vmt.protocols.gains import pair_goods
from vmt.protocols.registry import ProtocolParams, register
from vmt.protocols.search.distance_discounted import DistanceDiscountedSearch
from vmt.protocols.search.distance_discounted import rank_every_agent, rank_free_resources
from vmt.protocols.search.post_view import PostView
from vmt.economics.kernels import parameter_row
from vmt.world.tuples import row_triple, triple
from vmt.world.valuation import GAIN_TOLERANCE, holdings_utility


class PostBoard(NamedTuple):
    """What agents can know about market posts (arrays shared with the posts component).

    Prices are integer *ticks*: minor units of the pair's second good per
    minor unit of its first; ``tick_size[k]`` is the real price of one tick.
    ``price_ticks`` is -1 where a post has no price for a pair.
    """

    x: np.ndarray  # int64 (P,)
    y: np.ndarray
    visibility: np.ndarray
    interaction: np.ndarray
    broadcast: np.ndarray
    pair_active: np.ndarray  # bool (P, 3)
    price_ticks: np.ndarray  # int64 (P, 3)
    price_tick: np.ndarray  # int64 (P, 3): tick the price was formed
    tick_size: np.ndarray  # float64 (3,)
    uses_posts: np.ndarray  # bool (n,): agents who go to posts when worth it
    bilateral_ok: np.ndarray  # bool (n,): agents who may trade bilaterally
    view: PostView  # which posts each block of cells may see (built once: posts do not move)


# --------------------------------------------------------------- demand
@njit(cache=True)
def shifted_utility(code, params, lam, inventory_row, units, g1, d1, g2, d2):
    """``u(A, B) + lam M`` after adding ``d1`` minor units of ``g1`` and ``d2`` of ``g2``."""
    a, b, m = inventory_row[0], inventory_row[1], inventory_row[2]
    for g, d in ((g1, d1), (g2, d2)):
        if g == 0:
            a += d
        elif g == 1:
            b += d
        else:
            m += d
    return holdings_utility(code, params, lam, a * units[0], b * units[1], m * units[2])


@njit(cache=True)
def unit_gain(code, params, lam, inventory_row, units, k, ticks, side, unit):
    """Utility change from the ``unit``-th unit of a trade along the price line.

    ``side`` +1 buys one minor unit of the pair's first good for ``ticks``
    minor units of its second good; -1 sells.
    """
    g1, g2 = pair_goods(k)
    s = side
    before = shifted_utility(code, params, lam, inventory_row, units, g1, s * (unit - 1), g2, -s * (unit - 1) * ticks)
    after = shifted_utility(code, params, lam, inventory_row, units, g1, s * unit, g2, -s * unit * ticks)
    return after - before


@njit(cache=True)
def _acceptable(code, params, lam, inventory_row, units, k, ticks, side, unit, tol, strict):
    gain = unit_gain(code, params, lam, inventory_row, units, k, ticks, side, unit)
    return gain > tol if strict else gain >= -tol


@njit(cache=True)
def units_demanded(code, params, lam, inventory_row, units, k, ticks, side, max_units, strict):
    """Largest ``q <= max_units`` whose every unit's marginal gain is positive.

    The agent's discrete demand at a price of ``ticks``: the marginal gain of
    successive units falls along the price line (quasi-concave utility), so
    the units worth trading are a prefix, found by galloping then bisection
    (O(log q) utility evaluations). ``strict`` requires a gain above the
    rounding-noise tolerance (``GAIN_TOLERANCE`` relative); otherwise a
    gain of zero (within noise) is accepted, as at a reservation price.
    """
    if max_units <= 0:
        return 0
    base = shifted_utility(code, params, lam, inventory_row, units, 0, 0, 1, 0)
    tol = GAIN_TOLERANCE * (1.0 + abs(base))
    if not _acceptable(code, params, lam, inventory_row, units, k, ticks, side, 1, tol, strict):
        return 0
    lo, hi = 1, 2
    while hi <= max_units and _acceptable(code, params, lam, inventory_row, units, k, ticks, side, hi, tol, strict):
        lo, hi = hi, 2 * hi
    if hi > max_units:
        if _acceptable(code, params, lam, inventory_row, units, k, ticks, side, max_units, tol, strict):
            return max_units
        hi = max_units
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _acceptable(code, params, lam, inventory_row, units, k, ticks, side, mid, tol, strict):
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def max_units(inventory_row, k, ticks, side):
    """Most minor units the agent can buy (pay for) or sell (deliver) at ``ticks``."""
    g1, g2 = pair_goods(k)
    if side > 0:
        return inventory_row[g2] // ticks if ticks > 0 else 0
    return inventory_row[g1]


@njit(cache=True)
def best_trade(code, params, lam, inventory_row, units, k, ticks):
    """(signed quantity, utility gain) of the agent's demand at ``ticks``.

    Positive quantity buys the first good of pair ``k``, negative sells it;
    every unit traded strictly raises utility. (0, 0.0) if nothing does.
    """
    for side in (1, -1):
        q = units_demanded(code, params, lam, inventory_row, units, k, ticks, side,
                           max_units(inventory_row, k, ticks, side), True)
        if q > 0:
            g1, g2 = pair_goods(k)
            base = shifted_utility(code, params, lam, inventory_row, units, g1, 0, g2, 0)
            after = shifted_utility(code, params, lam, inventory_row, units, g1, side * q, g2, -side * q * ticks)
            return side * q, after - base
    return 0, 0.0


# ----------------------------------------------------------- post values
# inline: called once per agent, post and pair inside a parallel loop; an
# out-of-line call counts references on its array arguments, an atomic write
# the threads share
@njit(cache=True, inline="always")
def _known_price(i, j, k, tick, d, broadcast, price_ticks, price_tick, observed_price, observed_tick, tick_size):
    """(ticks, age) of the price agent ``i`` knows for pair ``k`` at post ``j``; ticks -1 if none."""
    if d <= broadcast[j] and price_ticks[j, k] > 0:
        return price_ticks[j, k], tick - price_tick[j, k]
    if observed_tick[i, k] >= 0 and observed_price[i, k] > 0.0:
        ticks = max(1, int(round(observed_price[i, k] / tick_size[k])))
        return ticks, tick - observed_tick[i, k]
    return -1, 0


@njit(cache=True, parallel=True)
def _score_posts(eligible, x, y, family, params, lam, inventory, units, observed_price, observed_tick,
                 post_x, post_y, visibility, broadcast, pair_active, price_ticks, price_tick, tick_size,
                 view_block, view_blocks_x, view_start, view_posts, tick, beta, decay, best_post, best_score):
    # Each agent scores only the posts its block of the visibility index lists
    # (post_view.py), in increasing post index: the posts and order of a full scan.
    # The demand kernels get the agent's parameters, holdings and the unit sizes
    # as tuples (see vmt.world.tuples).
    unit_sizes = triple(units)
    for i in prange(x.shape[0]):
        best_post[i], best_score[i] = -1, 0.0
        if not eligible[i]:
            continue
        b = (y[i] // view_block) * view_blocks_x + x[i] // view_block
        for r in range(view_start[b], view_start[b + 1]):
            j = view_posts[r]
            d = abs(post_x[j] - x[i]) + abs(post_y[j] - y[i])
            if d > visibility[j]:
                continue
            value = 0.0
            for k in range(3):
                if not pair_active[j, k]:
                    continue
                ticks, age = _known_price(i, j, k, tick, d, broadcast, price_ticks, price_tick,
                                          observed_price, observed_tick, tick_size)
                if ticks > 0:
                    gain = best_trade(family[i], parameter_row(params, i), lam[i], row_triple(inventory, i),
                                      unit_sizes, k, ticks)[1]
                    value += decay ** max(age, 0) * gain
            score = value * beta ** d
            if score > best_score[i]:
                best_post[i], best_score[i] = j, score


def score_posts(board: PostBoard, ctx: TickContext, eligible: np.ndarray, staleness_decay: float):
    """Best visible post and its score for every ``eligible`` agent (-1, 0.0 if none)."""
    ag, world = ctx.world.agents, ctx.world
    best_post = np.empty(ag.n, dtype=np.int64)
    best_score = np.empty(ag.n)
    _score_posts(eligible, ag.x, ag.y, ag.family, ag.utility_params, ag.lambda_money, ag.inventory, world.units,
                 ag.observed_price, ag.observed_tick, board.x, board.y, board.visibility, board.broadcast,
                 board.pair_active, board.price_ticks, board.price_tick, board.tick_size, *board.view,
                 ctx.tick, ctx.beta, staleness_decay, best_post, best_score)
    return best_post, best_score


def post_bound(board: PostBoard, cand: Candidates, partner: np.ndarray, post_score: np.ndarray) -> np.ndarray:
    """Post-goers, unpaired, whose best post beats their best partner and resource."""
    bound = np.empty(partner.shape[0], dtype=np.bool_)
    _post_bound(board.uses_posts, partner, cand.partner_ids, cand.partner_scores, cand.resource_score, post_score,
                bound)
    return bound


@njit(cache=True, parallel=True)
def _post_bound(uses_posts, partner, partner_ids, partner_scores, resource_score, post_score, bound):
    # One parallel pass instead of numpy's six over every agent. A NaN score
    # anywhere makes the comparisons false, as numpy's maximum would.
    for i in prange(partner.shape[0]):
        best_partner = partner_scores[i, 0] if partner_ids[i, 0] >= 0 else 0.0
        bound[i] = (uses_posts[i] and partner[i] < 0 and post_score[i] > 0.0
                    and post_score[i] >= best_partner and post_score[i] >= resource_score[i])


# --------------------------------------------------------------- search
@njit(cache=True, parallel=True)
def strike_from_lists(cand_ids, cand_scores, struck):
    """Remove ``struck`` agents from every partner list (order kept) and empty their own lists."""
    for i in prange(cand_ids.shape[0]):
        keep = 0
        for r in range(cand_ids.shape[1]):
            j = cand_ids[i, r]
            if j >= 0 and not struck[i] and not struck[j]:
                cand_ids[i, keep] = j
                cand_scores[i, keep] = cand_scores[i, r]
                keep += 1
        for r in range(keep, cand_ids.shape[1]):
            cand_ids[i, r] = -1
            cand_scores[i, r] = 0.0


@dataclass
class MarketAwareCandidates(Candidates):
    """Search output plus each agent's best post, its score and whether it heads there."""

    post: np.ndarray | None = None
    post_score: np.ndarray | None = None
    post_bound: np.ndarray | None = None


class MarketAwareParams(ProtocolParams):
    staleness_decay: float = Field(0.95, gt=0.0, le=1.0)  # confidence factor per tick of a price's age


@register("search", "market_aware", MarketAwareParams)
class MarketAwareSearch(DistanceDiscountedSearch):
    """Rank partners, resources and visible market posts by expected gain × beta^distance."""

    def __init__(self, params):
        super().__init__(params)
        self.board: PostBoard | None = None
        self._posts_out: MarketAwareCandidates | None = None

    def attach_posts(self, board: PostBoard) -> None:
        """Called by the market-posts component: from now on posts are ranked too."""
        self.board = board
        self._partners_ranked = bool(board.bilateral_ok.any())

    @property
    def reads_quotes(self) -> bool:
        """Quotes are read only by the partner scan, which posts-only runs skip."""
        return self.board is None or self._partners_ranked

    @property
    def resources_rankable_late(self) -> bool:
        """With bilateral trade and posts, resources may be ranked after matching
        (:meth:`rank_partners`); posts-only runs rank every agent's before it
        (nobody is paired, so every agent needs one either way)."""
        return self.board is not None and self._partners_ranked

    def rank(self, ctx: TickContext) -> MarketAwareCandidates:
        if self.board is None:
            base = super().rank(ctx)
            return MarketAwareCandidates(base.partner_ids, base.partner_scores, base.resource, base.resource_score)
        return self._rank_with_posts(ctx, every_resource=True)

    def rank_partners(self, ctx: TickContext) -> MarketAwareCandidates:
        """Partners and posts of every unpaired agent, and resources only where a
        post choice weighs them: for the post-goers that see a post worth going
        to. The tick ranks the others' resources after matching
        (:meth:`rank_free_resources`), for the agents it left unpaired: the
        only ones who head for a resource. Their rankings are those of
        :meth:`rank` (the world does not change in between)."""
        return self._rank_with_posts(ctx, every_resource=False)

    def _rank_with_posts(self, ctx: TickContext, every_resource: bool) -> MarketAwareCandidates:
        board, world = self.board, ctx.world
        ag, res, sp = world.agents, world.resources, ctx.spatial
        out = self._lists(ag.n)
        if self._partners_ranked:
            view = np.where(board.bilateral_ok, ag.partner, 0)
            self._slots = rank_every_agent(ctx, False, view, board.bilateral_ok, out, self._slots, every_resource)
        eligible = board.uses_posts & (ag.partner < 0)
        out.post, out.post_score = score_posts(board, ctx, eligible, self.params.staleness_decay)
        if not self._partners_ranked or not every_resource:
            # posts-only: every agent; otherwise the agents whose post choice compares with a resource
            visiting = sp.order if not self._partners_ranked else \
                np.flatnonzero(eligible & (out.post_score > 0.0)).astype(sp.order.dtype)
            rank_free_resources(visiting, ag.x, ag.y, ag.partner, ag.family, ag.utility_params, ag.lambda_money,
                                ag.inventory, world.units, world.width, world.height, ctx.vision_radius, ctx.beta,
                                res.x, res.row_block_first, res.good, res.amount, ctx.forage_rate, out.resource,
                                out.resource_score)
        out.post_bound = post_bound(board, out, ag.partner, out.post_score)
        if self._partners_ranked:  # otherwise every partner list is empty
            strike_from_lists(out.partner_ids, out.partner_scores, out.post_bound)
        return out

    def _lists(self, n: int) -> MarketAwareCandidates:
        """This tick's output, overwriting last tick's (no per-tick allocation of the n x 8
        partner lists). Partner lists are written only by the bilateral scan, which
        empties them first; without bilateral trade they stay empty as created."""
        if self._posts_out is None or self._posts_out.resource.shape[0] != n:
            self._posts_out = MarketAwareCandidates(**vars(Candidates.empty(n)))
        return self._posts_out

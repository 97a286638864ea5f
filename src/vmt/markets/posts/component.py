"""The market-posts institution: posts agents see, walk to and trade at.

``centralized`` -- every agent is a post-goer and nobody trades
bilaterally (``allows_bilateral_trade = False``). ``mixed_bilateral_centralized``
-- each agent is drawn once, at the start, to be a post-goer with
probability ``centralized_weight`` (else ``1 - bilateral_weight``, else
one half); post-goers use a post when it is their best target and trade
bilaterally otherwise, the others never use posts ("70% prefer
markets when available").

Per tick (the hooks of :class:`~vmt.markets.base.MarketComponent`):

* perception -- agents hear the prices posts broadcast
  (:mod:`.broadcast`); the ``market_aware`` search is handed the posts;
* decision -- post-goers whose best visible post beats their best partner
  and resource become *post-bound*: they head for the post and stop within
  its interaction radius. With the ``market_aware`` search this was decided
  while ranking, before matching. ``distance_discounted`` is replaced by
  ``market_aware`` with default parameters (it ranks partners and resources
  identically and adds the posts); with any other search the component
  scores posts itself with the same function after matching and only
  unpaired agents can go;
* trade -- at each post, the post-bound agents within its interaction
  radius are its participants; its mechanism clears each exchange pair in
  turn (:mod:`.mechanisms`) and the price the post announces is updated.
  Posts share no participants, so the clearings run pair by pair across
  all posts (the first pair at every post, then the second), each kind of
  mechanism handed all of one pair's sessions at once
  (:meth:`~.mechanisms.base.Mechanism.clear_many`: the Walrasian searches
  run in parallel); each post still clears its pairs in pair order, and
  the tick's orders, trades and records are laid out post by post.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.markets import register_institution
from vmt.markets.base import MarketComponent
from vmt.markets.posts.broadcast import hear_prices
from vmt.markets.posts.exchange import PairMarket, SeededStream, TradeRows
from vmt.markets.posts.mechanisms import PostSetup, mechanism_entry, validate_params
from vmt.markets.posts.mechanisms.base import Session
from vmt.markets.posts.orders import OrderLog
from vmt.markets.posts.records import PostRecords, post_table
from vmt.markets.posts.state import build_posts, opening_price, to_ticks
from vmt.protocols.search.distance_discounted import DistanceDiscountedSearch
from vmt.protocols.search.market_aware import MarketAwareParams, MarketAwareSearch, PostBoard, post_bound, score_posts
from vmt.protocols.search.post_view import build_post_view
from vmt.world.state import NO_AGENT, PAIRS


@njit(cache=True, parallel=True)
def _aim_bound_agents(bound, post, partner, post_x, post_y, interaction, target_x, target_y, stop_distance,
                      is_bound, target_post):
    """Unpaired post-bound agents head for their post and stop within its interaction radius."""
    for i in prange(bound.shape[0]):
        is_bound[i] = bound[i] and partner[i] < 0
        target_post[i] = post[i] if is_bound[i] else -1
        if is_bound[i]:
            target_x[i], target_y[i] = post_x[post[i]], post_y[post[i]]
            stop_distance[i] = interaction[post[i]]


@njit(cache=True, parallel=True)
def _aim_free_agents(bound, resource, res_x, res_y, wander_x, wander_y, target_x, target_y, stop_distance):
    """Agents not bound for a post head for their best resource, else their wander target."""
    for i in prange(bound.shape[0]):
        if bound[i]:
            continue
        r = resource[i]
        if r >= 0:
            target_x[i], target_y[i] = res_x[r], res_y[r]
        else:
            target_x[i], target_y[i] = wander_x[i], wander_y[i]
        stop_distance[i] = 0


def post_goer_share(params) -> float:
    """Share of agents drawn to use posts in the mixed institution."""
    if params.centralized_weight is not None:
        return float(params.centralized_weight)
    if params.bilateral_weight is not None:
        return 1.0 - float(params.bilateral_weight)
    return 0.5


class PostsComponent(MarketComponent):
    """Market posts of one run: their state, mechanisms, participants and records."""

    def __init__(self, scenario, world, rng: np.random.Generator, centralized: bool) -> None:
        self.world = world
        self.allows_bilateral_trade = not centralized
        n = world.agents.n
        self.uses_posts = np.ones(n, dtype=np.bool_) if centralized else rng.random(n) < post_goer_share(scenario.params)
        self.seed = int(rng.integers(0, 2**63))
        self.posts = build_posts(scenario, world)
        self.mechanisms = [self._mechanism(j, spec) for j, spec in enumerate(scenario.market_posts)]
        self.board = PostBoard(self.posts.x, self.posts.y, self.posts.visibility, self.posts.interaction,
                               self.posts.broadcast, self.posts.pair_active, self.posts.price_ticks,
                               self.posts.price_tick, self.posts.tick_size, self.uses_posts,
                               np.full(n, not centralized, dtype=np.bool_),
                               build_post_view(self.posts.x, self.posts.y, self.posts.visibility,
                                               world.width, world.height))
        self.broadcast_view = build_post_view(self.posts.x, self.posts.y, self.posts.broadcast,
                                              world.width, world.height)
        self.search_params = MarketAwareParams()
        self.bound = np.zeros(n, dtype=np.bool_)
        self.target_post = np.full(n, -1, dtype=np.int64)
        self.records = PostRecords()
        self.orders, self.trades = OrderLog(), TradeRows()

    def _mechanism(self, j: int, spec):
        where = f"market_posts[{j}].mechanism_params"
        params = validate_params(spec.mechanism_type, spec.mechanism_params, where)
        opening = {}
        for k in self.posts.pairs(j):
            price = opening_price(self.world, self.posts, j, k, params.opening_price)
            opening[k] = to_ticks(price, self.posts.tick_size[k])
            self.posts.price_ticks[j, k] = opening[k]
        setup = PostSetup(j, tuple(self.posts.pairs(j)), self.world.units, self.posts.tick_size, opening)
        return mechanism_entry(spec.mechanism_type).factory(params, setup)

    # ------------------------------------------------------------ hooks
    def after_perception(self, tick: int, tick_state) -> None:
        self.records.start_tick()
        self.orders, self.trades = OrderLog(), TradeRows()
        if type(tick_state.search) is DistanceDiscountedSearch:
            tick_state.search = MarketAwareSearch(self.search_params)
        if isinstance(tick_state.search, MarketAwareSearch) and tick_state.search.board is not self.board:
            tick_state.search.attach_posts(self.board)
        hear_prices(self.posts, self.world, self.broadcast_view)

    def after_decision(self, tick: int, tick_state) -> None:
        ag, cand = self.world.agents, tick_state.candidates
        if not self.allows_bilateral_trade:
            ag.partner[:] = NO_AGENT
        post, bound = self._post_choices(tick_state, cand)
        self.bound, self.target_post = np.empty(ag.n, dtype=np.bool_), np.empty(ag.n, dtype=np.int64)
        _aim_bound_agents(bound, post, ag.partner, self.posts.x, self.posts.y, self.posts.interaction,
                          ag.target_x, ag.target_y, tick_state.stop_distance, self.bound, self.target_post)
        if not self.allows_bilateral_trade:
            self._retarget_without_partners(tick_state, cand)

    def _post_choices(self, tick_state, cand):
        if getattr(cand, "post_bound", None) is not None:
            return cand.post, cand.post_bound
        ag = self.world.agents
        if not self.allows_bilateral_trade:
            cand.partner_ids[:] = -1
            cand.partner_scores[:] = 0.0
        eligible = self.uses_posts & (ag.partner < 0)
        post, score = score_posts(self.board, tick_state.ctx, eligible, self.search_params.staleness_decay)
        return post, post_bound(self.board, cand, ag.partner, score)

    def _retarget_without_partners(self, tick_state, cand) -> None:
        """Without bilateral trade an agent that is not post-bound forages, wanders (random search)
        or stays: nobody chases a partner."""
        ag, res = self.world.agents, self.world.resources
        wander = (cand.wander_x, cand.wander_y) if cand.wander_x is not None else (ag.x, ag.y)
        _aim_free_agents(self.bound, cand.resource, res.x, res.y, *wander, ag.target_x, ag.target_y,
                         tick_state.stop_distance)

    def after_trade(self, tick: int, tick_state) -> None:
        sessions = {}
        participants = list(self._participants())
        for k in range(len(PAIRS)):
            for sessions_of_kind in self._kinds([(j, members) for j, members in participants
                                                 if self.posts.pair_active[j, k]]):
                opened = [self._session(tick, j, k, members) for j, members in sessions_of_kind]
                records = type(self.mechanisms[sessions_of_kind[0][0]]).clear_many(opened)
                sessions.update(((s.market.j, k), (s, record)) for s, record in zip(opened, records))
        for j, k in sorted(sessions):
            self._close_session(tick, *sessions[j, k])

    def _kinds(self, at_posts: list) -> list[list]:
        """``(post, participants)`` grouped by mechanism class, each group in post order."""
        groups: dict[type, list] = {}
        for j, members in at_posts:
            groups.setdefault(type(self.mechanisms[j]), []).append((j, members))
        return list(groups.values())

    def _participants(self):
        """(post, its participants in increasing id) for every post with any, in post order:
        the post-bound agents within their target post's interaction radius."""
        ag, posts = self.world.agents, self.posts
        going = np.flatnonzero(self.bound)
        target = self.target_post[going]
        arrived = going[posts.distance(target, ag.x[going], ag.y[going]) <= posts.interaction[target]]
        by_post = arrived[np.argsort(self.target_post[arrived], kind="stable")]
        posts_of, first = np.unique(self.target_post[by_post], return_index=True)
        return zip(posts_of.tolist(), np.split(by_post, first[1:]))

    def _session(self, tick: int, j: int, k: int, members: np.ndarray) -> Session:
        """Pair ``k`` at post ``j`` opened for its participants, with its own order and trade logs."""
        mechanism, orders, trades = self.mechanisms[j], OrderLog(), TradeRows()
        market = PairMarket(self.world, self.posts, j, k, members, tick, SeededStream((self.seed, tick, j, k)),
                            orders, trades, mechanism.maker(k))
        return Session(mechanism, market, int(self.posts.price_ticks[j, k]), orders, trades)

    def _close_session(self, tick: int, session: Session, record) -> None:
        """Add a clearing's orders, trades and record to the tick's, and announce its price.

        Sessions are closed in (post, pair) order, the order of the tables, whatever
        order the clearings ran in.
        """
        market, posts = session.market, self.posts
        self.orders.extend(session.orders)
        self.trades.extend(session.trades)
        if record is None:
            return
        self.records.add(tick, market, record, self.world.units)
        j, k, announced = market.j, market.k, record.next_price
        if announced is not None and (record.price is not None or announced != posts.price_ticks[j, k]):
            posts.price_ticks[j, k], posts.price_tick[j, k] = announced, tick

    # -------------------------------------------------------- accounting
    def held_outside_agents(self) -> np.ndarray:
        """Minor units of A, B, M held by the posts' market makers (for conservation)."""
        held = np.zeros(3, dtype=np.int64)
        for mechanism in self.mechanisms:
            held += mechanism.held_goods()
        return held

    def trade_rows(self, tick: int) -> dict | None:
        """This tick's trades at posts, as columns of the ``trades`` table (None if none)."""
        return self.trades.columns(tick) if self.trades.count else None

    def telemetry_static(self) -> dict[str, dict]:
        return {"market_posts": post_table(self.posts)}

    def telemetry_rows(self, tick: int) -> dict[str, dict]:
        return {"market_orders": self.orders.columns(tick), **self.records.tick_tables()}


@register_institution("centralized")
def build_centralized(scenario, world, rng) -> list[MarketComponent]:
    """Market posts only: agents trade at posts and never bilaterally."""
    return [PostsComponent(scenario, world, rng, centralized=True)]


@register_institution("mixed_bilateral_centralized")
def build_mixed(scenario, world, rng) -> list[MarketComponent]:
    """Market posts and bilateral trade; post-goers drawn with ``centralized_weight``."""
    return [PostsComponent(scenario, world, rng, centralized=False)]

"""The standard bilateral tick: the eight phases of the design wired to the
world kernels and the protocols the scenario names.

Each phase is a method taking the tick number; :class:`BilateralTick` keeps
the per-tick context (spatial hash, search candidates, trade proposals) that
one phase hands to the next.
"""

from __future__ import annotations

import numpy as np

from vmt.engine import Phase
from vmt.protocols.bargaining.common import Proposals
from vmt.protocols.context import Candidates, TickContext
from vmt.world.foraging import forage, regenerate
from vmt.world.movement import move_agents, set_targets
from vmt.world.quotes import refresh_quotes
from vmt.world.spatial import build_spatial_hash
from vmt.world.state import NO_AGENT, World

#: Which exchange pairs (A<->B, A<->M, B<->M) each exchange regime allows.
REGIME_PAIRS = {
    "barter": np.array([True, False, False]),
    "money": np.array([False, True, True]),
    "mixed": np.array([True, True, True]),
}


class BilateralTick:
    """Owns the protocols and the hand-over state between phases."""

    def __init__(self, world: World, params, search, matching, bargaining, tick_rng: np.random.Generator):
        self.world = world
        self.params = params
        self.search, self.matching, self.bargaining = search, matching, bargaining
        self.tick_rng = tick_rng
        self.pair_active = REGIME_PAIRS[params.exchange_regime]
        self.ctx: TickContext | None = None
        self.candidates: Candidates | None = None
        self.proposals: Proposals | None = None
        self.harvested = np.zeros(3, dtype=np.int64)
        self.components: list = []  # market institution components (vmt.markets.base)
        refresh_quotes(world, params.quote_spread, self.pair_active, only_stale=False)

    def phases(self) -> list[Phase]:
        return [
            Phase("perception", self._with_components(self.perceive, "after_perception")),
            Phase("decision", self._with_components(self.decide, "after_decision")),
            Phase("movement", self.move),
            Phase("trade", self._with_components(self.trade, "after_trade")),
            Phase("forage", self.forage),
            Phase("regeneration", self.regenerate),
            Phase("markets", self._with_components(self.markets, "after_markets")),
            Phase("housekeeping", self._with_components(self.housekeep, "after_housekeeping", first=True)),
        ]

    def _with_components(self, work, method: str, first: bool = False):
        """Run ``work`` and then (or, with ``first``, before it) each component's ``method``."""

        def run(tick: int) -> None:
            if not first:
                work(tick)
            for component in self.components:
                getattr(component, method)(tick, self)
            if first:
                work(tick)

        return run

    @property
    def _resources_after_matching(self) -> bool:
        """Whether resources can be ranked after matching, for the agents left
        unpaired only (about half fewer scans): the search says its ranking
        allows it (distance-discounted search's own ranking does; a subclass
        that ranks in its own way may read them) and the matching declares it
        does not read them."""
        return (getattr(self.search, "resources_rankable_late", False) is True
                and getattr(self.matching, "reads_resources", True) is False)

    @property
    def bilateral_trade(self) -> bool:
        return all(c.allows_bilateral_trade for c in self.components)

    def perceive(self, tick: int) -> None:
        w, p = self.world, self.params
        self.ctx = TickContext(
            world=w,
            spatial=build_spatial_hash(w.agents.x, w.agents.y, w.width, w.height,
                                       reuse=self.ctx.spatial if self.ctx is not None else None),
            tick=tick,
            vision_radius=p.vision_radius,
            interaction_radius=p.interaction_radius,
            beta=p.beta,
            forage_rate=float(p.forage_rate),
            pair_active=self.pair_active,
            tick_seed=np.uint64(self.tick_rng.integers(0, 2**63)),
            max_trade_quantity=float(p.max_trade_quantity),
            trade_cooldown_ticks=p.trade_cooldown_ticks,
        )

    def decide(self, tick: int) -> None:
        if self.params.move_budget_per_tick == 0:
            _release_unreachable_pairs(self.world, self.params.interaction_radius)
        self.candidates = None  # last tick's lists go before this tick's are made (peak memory)
        late = self._resources_after_matching
        self.candidates = self.search.rank_partners(self.ctx) if late else self.search.rank(self.ctx)
        self.matching.match(self.ctx, self.candidates)
        if late:
            self.search.rank_free_resources(self.ctx, self.candidates)
        self.stop_distance = _set_targets(self.world, self.candidates, self.params.interaction_radius,
                                          getattr(self, "stop_distance", None))

    def move(self, tick: int) -> None:
        ag = self.world.agents
        move_agents(ag.x, ag.y, ag.target_x, ag.target_y, self.stop_distance, ag.partner,
                    self.params.move_budget_per_tick)

    def trade(self, tick: int) -> None:
        self.proposals = None  # last tick's go before this tick's are made (peak memory)
        if self.bilateral_trade:
            self.proposals = self.bargaining.trade(self.ctx)
        else:
            self.proposals = Proposals.none()

    def forage(self, tick: int) -> None:
        w, ag, res = self.world, self.world.agents, self.world.resources
        self.harvested = np.zeros(3, dtype=np.int64)
        if res.n == 0:  # no resource cells (a pure exchange economy): nothing to load or harvest
            return
        self._forage_claims = forage(
            ag.x, ag.y, ag.partner, ag.inventory, ag.family, ag.utility_params, ag.lambda_money,
            w.units, res.x, res.row_block_first, res.good, res.amount, res.cooldown, res.cooldown_left,
            float(self.params.forage_rate), self.harvested, ag.quotes_stale, getattr(self, "_forage_claims", None))

    def regenerate(self, tick: int) -> None:
        res = self.world.resources
        if res.n == 0:
            return
        regenerate(res.amount, res.cap, res.regeneration_rate, res.cooldown_left, res.regrowth_progress)

    def markets(self, tick: int) -> None:
        """The markets phase belongs to the institution's components."""

    def housekeep(self, tick: int) -> None:
        if self.quotes_read_in_tick:
            self.refresh_quotes()
        self.world.tick = tick + 1

    @property
    def quotes_read_in_tick(self) -> bool:
        """Whether the tick reads quotes (bilateral bargaining, a search that scans partners).

        When nothing does (market posts only, whose search ranks no partners),
        housekeeping leaves them stale and :meth:`refresh_quotes` brings them up
        to date when they are read: quotes are a function of the holdings,
        so the values read are the same.
        """
        return self.bilateral_trade or getattr(self.search, "reads_quotes", True)

    def refresh_quotes(self) -> None:
        """Recompute the quotes of agents whose holdings changed since they were last computed."""
        refresh_quotes(self.world, self.params.quote_spread, self.pair_active)


def _set_targets(world: World, cand: Candidates, interaction_radius: int, stop=None) -> np.ndarray:
    """Where each agent heads this tick and how close it must get.

    Paired agents head for their partner (stop within the interaction radius);
    the unpaired head for their best resource, else toward their best
    (already taken) partner candidate, else wander (random search) or stay.
    """
    ag, res = world.agents, world.resources
    if stop is None or stop.shape[0] != ag.n:
        stop = np.empty(ag.n, dtype=np.int64)  # else last tick's, overwritten
    wander = cand.wander_x is not None
    set_targets(ag.x, ag.y, ag.partner, cand.partner_ids[:, 0], cand.resource, res.x, res.y,
                cand.wander_x if wander else ag.x, cand.wander_y if wander else ag.y,
                interaction_radius, ag.target_x, ag.target_y, stop)
    return stop


def _release_unreachable_pairs(world: World, interaction_radius: int) -> None:
    """With no movement, a pair out of range can never meet: split it."""
    ag = world.agents
    has = ag.partner >= 0
    idx = np.flatnonzero(has)
    far = np.abs(ag.x[idx] - ag.x[ag.partner[idx]]) + np.abs(ag.y[idx] - ag.y[ag.partner[idx]]) > interaction_radius
    ag.partner[idx[far]] = NO_AGENT

"""Market posts as a struct-of-arrays, built from the scenario's ``market_posts``.

Which exchange pairs a post runs follows from its commodities: with money
among them, every other good trades against money (``[A, B, M]`` runs
A<->M and B<->M; ``[A, M]`` runs A<->M); without money, ``[A, B]`` runs
the barter pair A<->B.

Prices at posts live on a *tick grid*: a price of ``T`` ticks means one
minor unit of the pair's first good costs ``T`` minor units of its second
good, so every payment is a whole number of minor units and goods and money
are conserved exactly. One tick is worth ``unit(second) / unit(first)`` in
real price (0.01 M per A with the default units).

Before its first clearing a post announces an *opening price* per pair:
``mechanism_params.opening_price`` (alias ``initial_price``; a number, or a
mapping from the pair's first good to a number), else the median of the
marginal valuations ``MU_g / lambda`` (money pairs) or ``MU_A / MU_B``
(barter) of the agents within its visibility radius (of all agents if none
is), so that agents have a price to judge the post by from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmt.economics import vectorized as V
from vmt.world.state import GOOD_M, GOODS, PAIR_AB, PAIR_AM, PAIR_BM, PAIR_NAMES, PAIRS, World

#: Name of a pair at a post as written in ``market_orders``/``market_clears``:
#: the good for money pairs (priced in M), the pair for barter.
PAIR_LABELS = ("A<->B", "A", "B")


def post_pairs(commodities: list[str]) -> list[int]:
    """Exchange pairs a post with these commodities runs, in pair order."""
    if "M" in commodities:
        return [k for k, good in ((PAIR_AM, "A"), (PAIR_BM, "B")) if good in commodities]
    return [PAIR_AB]


def tick_sizes(units: np.ndarray) -> np.ndarray:
    """Real price of one tick for each pair: unit(second good) / unit(first good)."""
    return np.array([units[second] / units[first] for first, second in PAIRS])


@dataclass
class PostState:
    """Every post attribute as an array indexed by post index (scenario order)."""

    market_id: np.ndarray  # int64 (P,): the scenario's post id
    x: np.ndarray
    y: np.ndarray
    visibility: np.ndarray
    interaction: np.ndarray
    broadcast: np.ndarray
    pair_active: np.ndarray  # bool (P, 3)
    price_ticks: np.ndarray  # int64 (P, 3): current (published) price, -1 if none
    price_tick: np.ndarray  # int64 (P, 3): tick the price was formed
    tick_size: np.ndarray  # float64 (3,)
    mechanism: list[str]
    commodities: list[list[str]]

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def pairs(self, j: int) -> list[int]:
        return [int(k) for k in np.flatnonzero(self.pair_active[j])]

    def distance(self, j, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Manhattan distance from post ``j`` (an index, or one per position) to (``x``, ``y``)."""
        return np.abs(x - self.x[j]) + np.abs(y - self.y[j])


def build_posts(scenario, world: World) -> PostState:
    """Arrays for the scenario's posts (prices not yet opened: see :func:`open_prices`)."""
    posts = scenario.market_posts
    count = len(posts)
    col = lambda attr: np.array([getattr(p, attr) for p in posts], dtype=np.int64).reshape(count)  # noqa: E731
    active = np.zeros((count, len(PAIRS)), dtype=np.bool_)
    for j, post in enumerate(posts):
        active[j, post_pairs(list(post.commodities))] = True
    return PostState(
        market_id=col("id"),
        x=np.array([p.location[0] for p in posts], dtype=np.int64).reshape(count),
        y=np.array([p.location[1] for p in posts], dtype=np.int64).reshape(count),
        visibility=col("visibility_radius"),
        interaction=col("interaction_radius"),
        broadcast=col("broadcast_radius"),
        pair_active=active,
        price_ticks=np.full((count, len(PAIRS)), -1, dtype=np.int64),
        price_tick=np.zeros((count, len(PAIRS)), dtype=np.int64),
        tick_size=tick_sizes(world.units),
        mechanism=[p.mechanism_type for p in posts],
        commodities=[list(p.commodities) for p in posts],
    )


def median_valuation(world: World, members: np.ndarray, k: int) -> float:
    """Median marginal valuation (real price of pair ``k``) among ``members``; NaN if none is finite."""
    ag, held = world.agents, world.real_holdings()
    if members.size == 0:
        return float("nan")
    mu_a, mu_b = V.marginal_utilities(ag.family[members], ag.utility_params[members], held[members, 0], held[members, 1])
    first, second = PAIRS[k]
    mu = mu_a if first == 0 else mu_b
    value = mu / (ag.lambda_money[members] if second == GOOD_M else mu_b)
    value = value[np.isfinite(value) & (value > 0)]
    return float(np.median(value)) if value.size else float("nan")


def opening_price(world: World, posts: PostState, j: int, k: int, given) -> float:
    """The real opening price of pair ``k`` at post ``j`` (see the module docstring)."""
    if isinstance(given, dict):
        given = given.get(GOODS[PAIRS[k][0]])
    if given is not None:
        return float(given)
    ag = world.agents
    seen = np.flatnonzero(posts.distance(j, ag.x, ag.y) <= posts.visibility[j])
    value = median_valuation(world, seen, k)
    if not np.isfinite(value):
        value = median_valuation(world, np.arange(ag.n), k)
    if not np.isfinite(value):
        raise ValueError(f"market_posts[{j}]: no agent has a finite valuation of pair {PAIR_NAMES[k]}; "
                         "set mechanism_params.opening_price")
    return value


def to_ticks(price: float, tick_size: float, rounding=np.rint) -> int:
    """A real price on the tick grid (at least one tick)."""
    return max(1, int(rounding(price / tick_size)))

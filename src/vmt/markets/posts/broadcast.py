"""Hearing posts' prices: every agent within a post's broadcast radius hears its price.

Per exchange pair an agent keeps one remembered price
(``AgentState.observed_price``) and the tick it was formed
(``observed_tick``). Each tick it hears every post within broadcast range
that has a price for the pair and keeps the *freshest*, among equally
fresh ones the *nearest* (then the lower post index), replacing its memory
when that is at least as fresh. The age of what it knows is
``tick - observed_tick``; the ``market_aware`` search discounts by it.

Each agent, in parallel, tests only the posts that a block index of the
posts' broadcast radii (:mod:`vmt.protocols.search.post_view`, built once:
posts do not move) lists for its part of the grid, in increasing post
index: the posts and the order of a scan of every post, so the rule above
picks the same price whatever the threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: Distance of a price not heard this tick (any heard one is nearer).
_NOT_HEARD = np.iinfo(np.int64).max


@njit(cache=True, parallel=True)
def _hear(x, y, post_x, post_y, broadcast, pair_active, price_ticks, price_tick, tick_size,
          view_block, view_blocks_x, view_start, view_posts, observed_price, observed_tick):
    for i in prange(x.shape[0]):
        b = (y[i] // view_block) * view_blocks_x + x[i] // view_block
        if view_start[b] == view_start[b + 1]:
            continue
        heard = (_NOT_HEARD, _NOT_HEARD, _NOT_HEARD)  # distance of the price heard this tick, per pair
        for r in range(view_start[b], view_start[b + 1]):
            j = view_posts[r]
            d = abs(post_x[j] - x[i]) + abs(post_y[j] - y[i])
            if d > broadcast[j]:
                continue
            for k in range(3):
                if not pair_active[j, k] or price_ticks[j, k] <= 0:
                    continue
                formed = price_tick[j, k]
                if formed > observed_tick[i, k] or (formed == observed_tick[i, k] and d < heard[k]):
                    observed_price[i, k] = price_ticks[j, k] * tick_size[k]
                    observed_tick[i, k] = formed
                    heard = _replaced(heard, k, d)


# inline: called inside a parallel loop; the distances stay a tuple (no
# per-agent array allocated, no reference counted on a shared one)
@njit(cache=True, inline="always")
def _replaced(values, k, value):
    """The 3-tuple ``values`` with entry ``k`` set to ``value``."""
    return (value if k == 0 else values[0], value if k == 1 else values[1], value if k == 2 else values[2])


def hear_prices(posts, world, view) -> None:
    """Update every agent's remembered post prices from this tick's broadcasts.

    ``view``: the :class:`~vmt.protocols.search.post_view.PostView` of the
    posts' broadcast radii."""
    ag = world.agents
    _hear(ag.x, ag.y, posts.x, posts.y, posts.broadcast, posts.pair_active, posts.price_ticks, posts.price_tick,
          posts.tick_size, *view, ag.observed_price, ag.observed_tick)

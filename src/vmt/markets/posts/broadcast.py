"""Hearing posts' prices: every agent within a post's broadcast radius hears its price.

Per exchange pair an agent keeps one remembered price
(``AgentState.observed_price``) and the tick it was formed
(``observed_tick``). Each tick it hears every post within broadcast range
that has a price for the pair and keeps the *freshest*, among equally
fresh ones the *nearest* (then the lower post index), replacing its memory
when that is at least as fresh. The age of what it knows is
``tick - observed_tick``; the ``market_aware`` search discounts by it.

The scan goes post by post over the cells of the broadcast diamond through
the spatial hash (never agents x posts), in a fixed order: deterministic.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.world.spatial import diamond_row_span


@njit(cache=True)
def _hear(post_x, post_y, broadcast, pair_active, price_ticks, price_tick, tick_size,
          cell_start, order, width, height, observed_price, observed_tick, heard_distance):
    for j in range(post_x.shape[0]):
        radius = broadcast[j]
        for dy in range(-radius, radius + 1):
            x0, x1 = diamond_row_span(post_x[j], post_y[j], dy, radius, width, height)
            row = post_y[j] + dy
            for cx in range(x0, x1 + 1):
                d = abs(cx - post_x[j]) + abs(dy)
                cell = row * width + cx
                for idx in range(cell_start[cell], cell_start[cell + 1]):
                    i = order[idx]
                    for k in range(3):
                        if not pair_active[j, k] or price_ticks[j, k] <= 0:
                            continue
                        formed = price_tick[j, k]
                        if formed > observed_tick[i, k] or (formed == observed_tick[i, k] and d < heard_distance[i, k]):
                            observed_price[i, k] = price_ticks[j, k] * tick_size[k]
                            observed_tick[i, k] = formed
                            heard_distance[i, k] = d


def hear_prices(posts, world, spatial) -> None:
    """Update every agent's remembered post prices from this tick's broadcasts."""
    ag = world.agents
    heard_distance = np.full(ag.observed_tick.shape, np.iinfo(np.int64).max, dtype=np.int64)
    _hear(posts.x, posts.y, posts.broadcast, posts.pair_active, posts.price_ticks, posts.price_tick,
          posts.tick_size, spatial.cell_start, spatial.order, world.width, world.height,
          ag.observed_price, ag.observed_tick, heard_distance)

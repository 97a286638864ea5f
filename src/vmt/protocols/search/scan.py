"""The neighbourhood scan shared by search protocols.

Visits every agent and resource cell within Manhattan ``vision`` of agent
``i`` through the spatial hash, row by row, in a fixed order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.protocols.context import cooling_down, insert_candidate, hashed_uniform
from vmt.protocols.gains import expected_trade_gain, real_holdings
from vmt.world.spatial import diamond_row_span
from vmt.world.valuation import trade_gain


@njit(cache=True)
def forage_gain(i, r, family, params, lam, inventory, units, res_good, res_amount, forage_rate):
    """Utility gain of harvesting resource ``r`` once (0 if empty)."""
    if res_amount[r] <= 0:
        return 0.0
    g = res_good[r]
    take = min(res_amount[r], max(1, int(round(forage_rate / units[g]))))
    held = real_holdings(inventory, units, i)
    return max(0.0, trade_gain(family[i], params[i], lam[i], held, g, take * units[g], 2, 0.0))


@njit(cache=True)
def scan_agent(i, tick, seed, randomise, x, y, partner, cooldown_partner, cooldown_until,
               family, params, lam, inventory, units, ask, bid, pair_active,
               cell_start, order, width, height, vision, beta,
               cell_resource, res_good, res_amount, forage_rate,
               cand_ids, cand_scores):
    """Fill agent ``i``'s partner list and return its best (resource, score).

    Scores are expected gain × beta^distance; with ``randomise`` the partner
    score is replaced by a hashed uniform draw (random search), keeping only
    partners with a positive expected gain.
    """
    best_r, best_score = -1, 0.0
    for dy in range(-vision, vision + 1):
        x0, x1 = diamond_row_span(x[i], y[i], dy, vision, width, height)
        row = y[i] + dy
        for cx in range(x0, x1 + 1):
            d = abs(cx - x[i]) + abs(dy)
            discount = beta ** d
            cell = row * width + cx
            for idx in range(cell_start[cell], cell_start[cell + 1]):
                j = order[idx]
                if j == i or partner[j] >= 0 or cooling_down(i, j, tick, cooldown_partner, cooldown_until):
                    continue
                gain = expected_trade_gain(i, j, family, params, lam, inventory, units, ask, bid, pair_active)
                if gain <= 0.0:
                    continue
                score = hashed_uniform(seed, i, j) if randomise else gain * discount
                insert_candidate(cand_ids, cand_scores, j, score)
            r = cell_resource[row, cx]
            if r >= 0:
                score = discount * forage_gain(i, r, family, params, lam, inventory, units, res_good, res_amount, forage_rate)
                if score > best_score:
                    best_r, best_score = r, score
    return best_r, best_score

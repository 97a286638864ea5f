"""Foraging and regeneration of resource cells.

Foraging is serial in agent-id order, so when two agents share a cell the
lower id harvests first: a deterministic rule without random draws. An agent
only harvests what raises its utility (a satiated agent leaves the cell).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.world.valuation import trade_gain


@njit(cache=True)
def forage(x, y, partner, inventory, family, params, lam, units, cell_resource,
           resource_good, resource_amount, cooldown, cooldown_left, forage_rate, harvested, stale):
    """Unpaired agents on a stocked cell harvest up to ``forage_rate`` real units.

    ``harvested`` (int64, shape (3,)) receives the minor units taken per good,
    so callers can check that holdings changed only by foraging.
    """
    held = np.empty(3)
    for i in range(x.shape[0]):
        if partner[i] >= 0:
            continue
        r = cell_resource[y[i], x[i]]
        if r < 0 or resource_amount[r] <= 0:
            continue
        g = resource_good[r]
        take = min(resource_amount[r], max(1, int(round(forage_rate / units[g]))))
        for k in range(3):
            held[k] = inventory[i, k] * units[k]
        if trade_gain(family[i], params[i], lam[i], held, g, take * units[g], 2, 0.0) <= 0.0:
            continue
        inventory[i, g] += take
        resource_amount[r] -= take
        harvested[g] += take
        stale[i] = True
        if resource_amount[r] == 0:
            cooldown_left[r] = cooldown[r]


@njit(cache=True)
def regenerate(amount, cap, rate, cooldown_left, progress):
    """Regrow each cell by ``rate`` minor units per tick after its cooldown."""
    for r in range(amount.shape[0]):
        if cooldown_left[r] > 0:
            cooldown_left[r] -= 1
            continue
        if amount[r] >= cap[r]:
            progress[r] = 0.0
            continue
        progress[r] += rate[r]
        whole = int(progress[r])
        if whole > 0:
            grown = min(whole, cap[r] - amount[r])
            amount[r] += grown
            progress[r] -= whole

"""Foraging harvests as one pass in agent-id order, whatever the threads:
agents alone on a cell harvest in parallel, shared cells go lower id first."""

from __future__ import annotations

import numba
import numpy as np

from vmt.economics.families import COBB_DOUGLAS
from vmt.engine.threads import using_threads
from vmt.world.foraging import forage
from vmt.world.spatial import resource_row_index
from vmt.world.valuation import trade_gain


def serial_forage(x, y, partner, inventory, params, units, cell_resource, good, amount, cooldown, cooldown_left, rate):
    """The rule written out: unpaired agents in id order take min(stock, rate) if it raises utility."""
    harvested = np.zeros(3, dtype=np.int64)
    for i in range(x.size):
        r = cell_resource[y[i], x[i]]
        if partner[i] >= 0 or r < 0 or amount[r] <= 0:
            continue
        g = good[r]
        take = min(amount[r], max(1, int(round(rate / units[g]))))
        held = inventory[i] * units
        if trade_gain(COBB_DOUGLAS, params[i], 0.0, held, g, take * units[g], 2, 0.0) <= 0.0:
            continue
        inventory[i, g] += take
        amount[r] -= take
        harvested[g] += take
        if amount[r] == 0:
            cooldown_left[r] = cooldown[r]
    return harvested


def test_parallel_forage_equals_the_id_order_pass():
    rng = np.random.default_rng(11)
    n, width, height = 600, 12, 10
    x, y = rng.integers(0, width, n), rng.integers(0, height, n)  # 5 agents a cell: many shared cells
    partner = np.where(rng.random(n) < 0.2, 0, -1)
    inventory = rng.integers(0, 300, (n, 3))
    inventory[rng.random(n) < 0.1, 1] = 0  # some agents gain nothing from A (utility stays 0)
    params = np.zeros((n, 8))
    params[:, 0] = rng.uniform(0.2, 0.8, n)
    params[:, 1] = 1.0 - params[:, 0]
    units = np.array([0.01, 0.01, 1e-9])
    cells = rng.permutation(width * height)[:70]
    cell_resource = np.full((height, width), -1, dtype=np.int32)
    cell_resource.flat[np.sort(cells)] = np.arange(70)
    res_x, row_first = np.sort(cells) % width, resource_row_index(np.sort(cells) % width, np.sort(cells) // width,
                                                                  width, height)
    good = rng.integers(0, 2, 70)
    amount = rng.integers(0, 400, 70)
    cooldown = rng.integers(1, 5, 70)
    expected = [inventory.copy(), amount.copy(), np.zeros(70, dtype=np.int64)]
    want_harvest = serial_forage(x, y, partner, expected[0], params, units, cell_resource, good, expected[1],
                                 cooldown, expected[2], 2.5)
    assert want_harvest.sum() > 0 and (expected[1] == 0).any()
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        inv, amt, left = inventory.copy(), amount.copy(), np.zeros(70, dtype=np.int64)
        harvested, stale = np.zeros(3, dtype=np.int64), np.zeros(n, dtype=np.bool_)
        with using_threads(threads):
            forage(x, y, partner, inv, np.full(n, COBB_DOUGLAS), params, np.zeros(n), units, res_x, row_first,
                   good, amt, cooldown, left, 2.5, harvested, stale)
        assert np.array_equal(inv, expected[0]) and np.array_equal(amt, expected[1])
        assert np.array_equal(left, expected[2]) and np.array_equal(harvested, want_harvest)
        assert np.array_equal(stale, (inv != inventory).any(axis=1))

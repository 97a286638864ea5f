"""Build the initial :class:`World` from a validated scenario.

All random draws (positions, endowments, resource cells) come from the one
``numpy.random.Generator`` of the run, in a fixed order, so the same scenario
and seed always produce the same world.

Agents of a group are numbered in cell order (row by row, left to right),
and so are resource cells. A neighbourhood scan reads about ten arrays
indexed by agent id (holdings, preferences, quotes, partner, position,
candidate lists); with ids scattered over the grid, a million agents make
nearly every such read a cache miss, while in cell order the agents one
scan reads sit together in memory. Numbering is a relabelling: a group's
positions are independent uniform draws and its endowments are drawn
independently of them, one per id, so giving the sorted positions to the
ids in turn leaves the joint distribution of (position, endowment,
preferences) of the group's agents exactly as it was. Only which
realisation a given seed yields changed (agents sharing a cell keep their
draw order). What ids still decide — the lower id first among equals — now
leans towards the upper left of the grid instead of falling at random;
``docs/performance.md`` says what that affects.
"""

from __future__ import annotations

import numpy as np

from vmt.economics.families import family_code, pack_utility_params
from vmt.world.spatial import resource_row_index
from vmt.world.state import GOODS, AgentState, ResourceState, World


def build_world(scenario, rng: np.random.Generator) -> World:
    """Spawn agents and resource cells described by ``scenario``."""
    units = np.array([getattr(scenario.units, g) for g in GOODS], dtype=np.float64)
    width, height = scenario.grid.width, scenario.grid.height
    agents = _spawn_agents(scenario, units, rng)
    resources = _spawn_resources(scenario, units, rng, width, height)
    return World(width=width, height=height, units=units, agents=agents, resources=resources)


def _region(spec, width: int, height: int) -> tuple[int, int, int, int]:
    """Inclusive (x0, y0, x1, y1) of a spawn region, the whole grid if unset."""
    if spec is None:
        return 0, 0, width - 1, height - 1
    x0, y0, x1, y1 = (int(v) for v in spec)
    return x0, y0, x1, y1


def _draw_amounts(amount, unit: float, count: int, rng: np.random.Generator) -> np.ndarray:
    """Minor-unit amounts for ``count`` entities from a number or a [lo, hi] range."""
    if isinstance(amount, (list, tuple)):
        lo, hi = (int(round(v / unit)) for v in amount)
        return rng.integers(lo, hi + 1, size=count, dtype=np.int64)
    return np.full(count, int(round(amount / unit)), dtype=np.int64)


def _spawn_agents(scenario, units: np.ndarray, rng: np.random.Generator) -> AgentState:
    width, height = scenario.grid.width, scenario.grid.height
    columns = {k: [] for k in ("x", "y", "inv", "family", "params", "lam", "group")}
    for index, group in enumerate(scenario.agents):
        count = group.count
        x0, y0, x1, y1 = _region(group.spawn_region, width, height)
        x = rng.integers(x0, x1 + 1, size=count, dtype=np.int64)
        y = rng.integers(y0, y1 + 1, size=count, dtype=np.int64)
        in_cell_order = np.argsort(y * width + x, kind="stable")
        columns["x"].append(x[in_cell_order])
        columns["y"].append(y[in_cell_order])
        endowment = np.zeros((count, len(GOODS)), dtype=np.int64)
        for g, good in enumerate(GOODS):
            amount = group.endowment.get(good, 0) if isinstance(group.endowment, dict) else getattr(group.endowment, good, 0)
            endowment[:, g] = _draw_amounts(amount, units[g], count, rng)
        columns["inv"].append(endowment)
        code = family_code(group.utility.family)
        row = pack_utility_params(group.utility.family, group.utility.params)
        columns["family"].append(np.full(count, code, dtype=np.int64))
        columns["params"].append(np.tile(row, (count, 1)))
        lam = group.lambda_money if group.lambda_money is not None else scenario.params.lambda_money
        columns["lam"].append(np.full(count, float(lam)))
        columns["group"].append(np.full(count, index, dtype=np.int64))
    return AgentState(
        x=np.concatenate(columns["x"]),
        y=np.concatenate(columns["y"]),
        inventory=np.concatenate(columns["inv"]),
        family=np.concatenate(columns["family"]),
        utility_params=np.concatenate(columns["params"]),
        lambda_money=np.concatenate(columns["lam"]),
        group=np.concatenate(columns["group"]),
    )


def _spawn_resources(scenario, units: np.ndarray, rng: np.random.Generator, width: int, height: int) -> ResourceState:
    """Place resource cells without replacement; one resource per cell."""
    cell_resource = np.full((height, width), -1, dtype=np.int32)  # taken cells while placing; 4 bytes a cell
    cols = {k: [] for k in ("x", "y", "good", "amount", "cap", "rate", "cooldown")}
    for spec in scenario.resources:
        good = GOODS.index(spec.commodity)
        x0, y0, x1, y1 = _region(spec.spawn_region, width, height)
        chosen = _draw_free_cells(cell_resource[y0:y1 + 1, x0:x1 + 1] < 0, spec, (x0, y0, x1, y1), rng)
        cx, cy = x0 + chosen % (x1 - x0 + 1), y0 + chosen // (x1 - x0 + 1)
        cell_resource[cy, cx] = sum(len(c) for c in cols["x"]) + np.arange(spec.count)
        cap = int(round(spec.cap / units[good]))
        initial = spec.amount if spec.amount is not None else spec.cap
        cols["x"].append(cx.astype(np.int64))
        cols["y"].append(cy.astype(np.int64))
        cols["good"].append(np.full(spec.count, good, dtype=np.int64))
        cols["amount"].append(np.minimum(_draw_amounts(initial, units[good], spec.count, rng), cap))
        cols["cap"].append(np.full(spec.count, cap, dtype=np.int64))
        cols["rate"].append(np.full(spec.count, spec.regeneration_rate / units[good]))
        cols["cooldown"].append(np.full(spec.count, int(spec.cooldown), dtype=np.int64))
    return _resource_state(cols, width, height)


def _draw_free_cells(free: np.ndarray, spec, region, rng: np.random.Generator) -> np.ndarray:
    """``spec.count`` distinct free cells of a region (``free``: its mask,
    row by row), drawn without replacement, as indices into the region.

    When every cell is free the draw is over the count alone: the same
    draw as over the list of all cells, without the list (80 MB at ten
    million cells)."""
    if free.all():
        available, candidates = free.size, None
    else:
        candidates = np.flatnonzero(free)
        available = candidates.size
    if spec.count > available:
        raise ValueError(
            f"resources: {spec.count} cells of {spec.commodity} requested in region "
            f"{tuple(region)} but only {available} free cells remain"
        )
    chosen = rng.choice(available, size=spec.count, replace=False)
    return chosen if candidates is None else candidates[chosen]


def _resource_state(cols: dict, width: int, height: int) -> ResourceState:
    """Resource arrays numbered in cell order (row by row, left to right).

    Cells are drawn at random, so in draw order neighbouring cells would
    have far-apart ids and a vision scan would jump around memory; in cell
    order the resources an agent sees sit together. Only the numbering
    changes: each cell keeps the amount drawn for it, and every rule that
    involves several cells visits them by position, not by id.
    """
    def cat(key, dtype):
        return np.concatenate(cols[key]).astype(dtype) if cols[key] else np.zeros(0, dtype=dtype)

    x, y = cat("x", np.int64), cat("y", np.int64)
    in_cell_order = np.lexsort((x, y))
    n = x.size
    x, y = x[in_cell_order], y[in_cell_order]
    return ResourceState(
        x=x,
        y=y,
        good=cat("good", np.int64)[in_cell_order],
        amount=cat("amount", np.int64)[in_cell_order],
        cap=cat("cap", np.int64)[in_cell_order],
        regeneration_rate=cat("rate", np.float64)[in_cell_order],
        cooldown=cat("cooldown", np.int64)[in_cell_order],
        cooldown_left=np.zeros(n, dtype=np.int64),
        regrowth_progress=np.zeros(n, dtype=np.float64),
        row_block_first=resource_row_index(x, y, width, height),
    )

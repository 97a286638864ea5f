"""Foraging and regeneration of resource cells.

When two agents share a cell the lower id harvests first: a deterministic
rule without random draws (agents alone on their cell harvest in parallel). An agent
only harvests what raises its utility (a satiated agent leaves the cell).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from vmt.economics.kernels import parameter_row
from vmt.world.chunks import flagged
from vmt.world.spatial import resource_at
from vmt.world.valuation import real_holdings, trade_gain


class ForageClaims:
    """Work arrays of :func:`forage`, kept across ticks (no per-tick allocation)."""

    def __init__(self, n_agents: int, n_resources: int):
        agent_index = np.int32 if n_agents < 2**31 else np.int64
        self.claim = np.empty(n_agents, dtype=np.int32 if n_resources < 2**31 else np.int64)
        self.took = np.zeros(n_agents, dtype=np.int64)
        self.next_claimant = np.empty(n_agents, dtype=agent_index)
        self.first = np.full(n_resources, -1, dtype=agent_index)
        self.last = np.full(n_resources, -1, dtype=agent_index)
        self.shared = np.zeros(n_resources, dtype=np.bool_)

    def fits(self, n_agents: int, n_resources: int) -> bool:
        return self.claim.shape[0] == n_agents and self.first.shape[0] == n_resources


def forage(x, y, partner, inventory, family, params, lam, units, resource_x, row_block_first, resource_good,
           resource_amount, cooldown, cooldown_left, forage_rate, harvested, stale, claims: ForageClaims | None = None):
    """Unpaired agents on a stocked cell harvest up to ``forage_rate`` real units.

    The rule is serial in agent-id order (the lower id harvests first on a
    shared cell), but only agents sharing a cell depend on each other: the
    cells one agent claims are harvested in parallel, and so are the shared
    ones, each by its claimants one after another in id order — the same
    harvests as one pass in id order. The agents that claim a cell are
    listed (in id order, in parallel) and chained per cell while the shared
    cells are marked; every later step visits only them.
    ``harvested`` (int64, shape (3,)) receives the minor units taken
    per good, so callers can check that holdings changed only by foraging.
    Resources are found through their row index (``resource_x``,
    ``row_block_first``: :func:`vmt.world.spatial.resource_row_index`).
    ``claims``: work arrays to reuse (made when None).
    """
    if claims is None or not claims.fits(x.shape[0], resource_amount.shape[0]):
        claims = ForageClaims(x.shape[0], resource_amount.shape[0])
    c = claims
    _forage_kernel(x, y, partner, inventory, family, params, lam, units, resource_x, row_block_first, resource_good,
                   resource_amount, cooldown, cooldown_left, forage_rate, harvested, stale, c.claim, c.took,
                   c.next_claimant, c.first, c.last, c.shared)
    return claims


@njit(cache=True)
def _forage_kernel(x, y, partner, inventory, family, params, lam, units, resource_x, row_block_first, resource_good,
                   resource_amount, cooldown, cooldown_left, forage_rate, harvested, stale, claim, took,
                   next_claimant, first, last, shared):
    """The steps of :func:`forage` in one compiled call (a run loads one
    cached kernel for foraging instead of six)."""
    claimants = _claim_cells(x, y, partner, resource_x, row_block_first, resource_amount, claim)
    _mark_shared(claimants, claim, first, last, next_claimant, shared)
    _harvest_alone(claimants, claim, shared, inventory, family, params, lam, units, resource_good,
                   resource_amount, cooldown, cooldown_left, forage_rate, stale, took)
    _harvest_shared_cells(claimants, claim, first, next_claimant, shared, inventory, family, params, lam,
                          units, resource_good, resource_amount, cooldown, cooldown_left, forage_rate, stale, took)
    harvested += _harvest_by_good(claimants, claim, resource_good, took)
    _clear_marks(claimants, claim, first, last, shared)


@njit(cache=True, parallel=True)
def _claim_cells(x, y, partner, resource_x, row_block_first, resource_amount, claim):
    """``claim[i]``: the stocked resource under unpaired agent ``i``, else -1;
    returns the claiming agents, ascending."""
    claims = np.empty(x.shape[0], dtype=np.bool_)
    for i in prange(x.shape[0]):
        r = resource_at(x[i], y[i], resource_x, row_block_first) if partner[i] < 0 else -1
        claim[i] = r if r >= 0 and resource_amount[r] > 0 else -1
        claims[i] = claim[i] >= 0
    return flagged(claims)


@njit(cache=True)
def _mark_shared(claimants, claim, first, last, next_claimant, shared):
    """``first[r]``: the lowest id claiming ``r``; ``shared[r]``: claimed by
    more than one; ``next_claimant[i]``: the next higher id claiming ``i``'s
    cell (-1: none), so each shared cell's claimants form a chain in id
    order (``last[r]``: the chain's end while it is built)."""
    for q in range(claimants.shape[0]):
        i = claimants[q]
        r = claim[i]
        next_claimant[i] = -1
        if first[r] < 0:
            first[r] = i
        else:
            next_claimant[last[r]] = i
            shared[r] = True
        last[r] = i


@njit(cache=True, inline='always')
def harvest_size(forage_rate, unit):
    """Minor units one harvest takes from a well-stocked cell of a good of
    minor unit ``unit``: ``forage_rate`` real units, at least one minor unit.
    Search values a harvest by the same size (``vmt.protocols.search.scan``)."""
    return max(1, int(round(forage_rate / unit)))


# inline: called once per claimant inside a parallel loop; an out-of-line call
# counts references on its array arguments, an atomic write the threads share
@njit(cache=True, inline="always")
def _harvest(i, r, inventory, family, params, lam, units, resource_good, resource_amount, cooldown, cooldown_left,
             forage_rate, stale):
    """Agent ``i`` harvests resource ``r`` if that raises its utility; returns the minor units taken."""
    if resource_amount[r] <= 0:
        return 0
    g = resource_good[r]
    take = min(resource_amount[r], harvest_size(forage_rate, units[g]))
    if trade_gain(family[i], parameter_row(params, i), lam[i], real_holdings(inventory, units, i),
                  g, take * units[g], 2, 0.0) <= 0.0:
        return 0
    inventory[i, g] += take
    resource_amount[r] -= take
    stale[i] = True
    if resource_amount[r] == 0:
        cooldown_left[r] = cooldown[r]
    return take


@njit(cache=True, parallel=True)
def _harvest_alone(claimants, claim, shared, inventory, family, params, lam, units, resource_good, resource_amount,
                   cooldown, cooldown_left, forage_rate, stale, took):
    # a cell claimed by one agent is touched by that agent's iteration only
    for q in prange(claimants.shape[0]):
        i = claimants[q]
        r = claim[i]
        took[i] = 0
        if not shared[r]:
            took[i] = _harvest(i, r, inventory, family, params, lam, units, resource_good, resource_amount,
                               cooldown, cooldown_left, forage_rate, stale)


@njit(cache=True, parallel=True)
def _harvest_shared_cells(claimants, claim, first, next_claimant, shared, inventory, family, params, lam, units,
                          resource_good, resource_amount, cooldown, cooldown_left, forage_rate, stale, took):
    """Each shared cell's claimants harvest one after another, in id order
    (down its chain from the lowest id); cells are independent, so they
    run in parallel."""
    for q in prange(claimants.shape[0]):
        i = claimants[q]
        r = claim[i]
        if not shared[r] or first[r] != i:
            continue
        while i >= 0:
            took[i] = _harvest(i, r, inventory, family, params, lam, units, resource_good, resource_amount,
                               cooldown, cooldown_left, forage_rate, stale)
            i = next_claimant[i]


@njit(cache=True, parallel=True)
def _harvest_by_good(claimants, claim, resource_good, took):
    """Minor units harvested per good (whole numbers: the sum does not depend
    on the order of the additions)."""
    taken_a, taken_b, taken_m = 0, 0, 0
    for q in prange(claimants.shape[0]):
        i = claimants[q]
        g = resource_good[claim[i]]
        taken_a += took[i] if g == 0 else 0
        taken_b += took[i] if g == 1 else 0
        taken_m += took[i] if g == 2 else 0
    return np.array([taken_a, taken_b, taken_m], dtype=np.int64)


@njit(cache=True, parallel=True)
def _clear_marks(claimants, claim, first, last, shared):
    # claimants of one cell write the same values: the order does not matter
    for q in prange(claimants.shape[0]):
        r = claim[claimants[q]]
        first[r] = -1
        last[r] = -1
        shared[r] = False


@njit(cache=True, parallel=True)
def regenerate(amount, cap, rate, cooldown_left, progress):
    """Regrow each cell by ``rate`` minor units per tick after its cooldown
    (cells are independent: in parallel)."""
    for r in prange(amount.shape[0]):
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

"""The search scan against a direct scan of every cell of the vision diamond.

``rank_all`` reads neighbours through slots, resources through a row index,
values full harvests once per good and keeps partner lists with a counted
insert. Here a plain Python scan visits every cell within Manhattan reach,
values every resource and every neighbour from scratch (``trade_gain``,
``expected_trade_gain``) and sorts; both must agree to the last bit — the
same best resource (first of equal scores in row order), the same partner
lists, the same scores — for every utility family (a family registered at
run time included), every exchange regime, hidden and paired agents, pairs
kept apart, depleted, partial and full harvests, and random search.
"""

from __future__ import annotations

import numpy as np
import pytest

from extending_families import CobbDouglasParams, cobb_douglas_utility
from vmt.economics.families import FAMILIES, USER_FAMILY_BASE, pack_utility_params, resolve_family
from vmt.economics.user_families import register_family, unregister_family
from vmt.protocols.context import MAX_CANDIDATES, Candidates, hashed_uniform
from vmt.protocols.gains import expected_trade_gain
from vmt.protocols.search.distance_discounted import rank_all, rank_free_resources
from vmt.protocols.search.scan import NeighbourSlots, discount_table
from vmt.world.spatial import build_spatial_hash, resource_row_index
from vmt.world.valuation import trade_gain

USER_FAMILY = "test_scan_cobb_douglas"

#: Parameters per family, as a researcher would write them.
PARAMS = {
    "cobb_douglas": {"alpha": 0.6, "beta": 0.4},
    "ces": {"alpha": 0.5, "beta": 0.5, "rho": -0.7},
    "linear": {"alpha": 1.0, "beta": 2.5},
    "leontief": {"alpha": 1.0, "beta": 2.0},
    "quadratic": {"bliss_a": 30.0, "bliss_b": 20.0, "sigma_a": 0.02, "sigma_b": 0.03},
    "stone_geary": {"alpha": 0.5, "beta": 0.5, "gamma_a": 1.0, "gamma_b": 2.0},
    "translog": {"alpha_0": 0.1, "alpha_a": 0.45, "alpha_b": 0.5, "beta_aa": -0.02, "beta_bb": -0.03,
                 "beta_ab": 0.01},
    USER_FAMILY: {"alpha": 0.35, "beta": 0.65},
}
PAIRS = {"barter": [True, False, False], "money": [False, True, True], "mixed": [True, True, True]}


@pytest.fixture(scope="module", autouse=True)
def user_family():
    """A Cobb-Douglas registered at run time, taken out again afterwards."""
    register_family(USER_FAMILY, cobb_douglas_utility, CobbDouglasParams)
    yield
    unregister_family(USER_FAMILY)


def random_economy(seed: int, families: list[str], regime: str, width: int = 19, height: int = 15,
                   n: int = 160, vision: int = 4) -> dict:
    """Arrays of a crowded little world (several agents per cell in places),
    in the form ``rank_all`` reads them."""
    rng = np.random.default_rng(seed)
    units = np.array([1e-2, 1e-6, 1e-2])
    forage_rate = 0.75
    full = np.array([max(1, int(round(forage_rate / u))) for u in units])
    names = rng.choice(families, n)
    partner = np.full(n, -1)
    paired = rng.permutation(n)[: 2 * (n // 6)]
    partner[paired[0::2]], partner[paired[1::2]] = paired[1::2], paired[0::2]
    cooling = rng.random(n) < 0.2
    mid = rng.lognormal(0.0, 0.6, (n, 3)) * np.array([1e-1, 1.0, 1e-1])
    spread = rng.uniform(0.0, 0.4, (n, 3))
    ask = mid * (1.0 + spread)
    ask[rng.random((n, 3)) < 0.05] = np.inf  # nothing to sell
    cells = np.sort(rng.choice(width * height, size=width * height // 6, replace=False))
    res_good = rng.integers(0, 2, cells.size)
    # depleted, a partial harvest, exactly a full one, more than a full one
    kind = rng.integers(0, 4, cells.size)
    amount = np.where(kind == 0, 0, np.where(kind == 1, rng.integers(1, full[res_good]),
                                             np.where(kind == 2, full[res_good], 3 * full[res_good])))
    return dict(
        tick=7, seed=np.uint64(seed * 7919 + 13), width=width, height=height, vision=vision, beta=0.9,
        forage_rate=forage_rate, units=units, pair_active=np.array(PAIRS[regime]),
        x=rng.integers(0, width, n), y=rng.integers(0, height, n), partner=partner,
        family=np.array([resolve_family(f).code for f in names]),
        params=np.array([pack_utility_params(f, PARAMS[f]) for f in names]),
        lam=rng.uniform(0.5, 2.0, n),
        inventory=np.stack([rng.integers(0, 4000, n), rng.integers(0, 40_000_000, n), rng.integers(0, 3000, n)], 1),
        cooldown_partner=np.where(cooling, rng.integers(0, n, n), -1), cooldown_until=np.where(cooling, 9, 0),
        ask=ask, bid=mid * (1.0 - spread), bilateral_ok=rng.random(n) < 0.85,
        res_x=cells % width, res_y=cells // width, res_good=res_good, res_amount=amount,
    )


def ranked(e: dict, randomise: bool = False, rank_resources: bool = True) -> Candidates:
    """``rank_all`` on economy ``e``."""
    n = e["x"].size
    sp = build_spatial_hash(e["x"], e["y"], e["width"], e["height"])
    slots = NeighbourSlots.fit(None, sp.order, e["pair_active"])
    out = Candidates.empty(n)
    out.partner_ids[:] = 5  # last tick's lists: every row is rewritten
    rank_all(e["tick"], e["seed"], randomise, rank_resources, e["x"], e["y"], e["partner"], e["partner"], e["bilateral_ok"],
             e["cooldown_partner"], e["cooldown_until"], e["family"], e["params"], e["lam"], e["inventory"],
             e["units"], e["ask"], e["bid"], sp.cell_start, sp.order, e["width"], e["height"],
             e["vision"], e["beta"], e["res_x"], row_index(e), e["res_good"], e["res_amount"],
             e["forage_rate"], *slots, out.partner_ids, out.partner_scores, out.resource, out.resource_score)
    return out


def row_index(e: dict) -> np.ndarray:
    return resource_row_index(e["res_x"], e["res_y"], e["width"], e["height"])


def diamond(e: dict, i: int):
    """(distance, column, row) of every cell within vision of ``i``, row by row, left to right."""
    v = e["vision"]
    for row in range(e["y"][i] - v, e["y"][i] + v + 1):
        for col in range(e["x"][i] - v, e["x"][i] + v + 1):
            d = abs(col - e["x"][i]) + abs(row - e["y"][i])
            if d <= v and 0 <= col < e["width"] and 0 <= row < e["height"]:
                yield d, col, row


def direct_resource(e: dict, i: int) -> tuple[int, float]:
    """Agent ``i``'s best resource by a cell-by-cell scan (first of equal scores wins)."""
    discount = discount_table(e["beta"], e["vision"])
    where = {(c, r): k for k, (c, r) in enumerate(zip(e["res_x"], e["res_y"]))}
    held = e["inventory"][i] * e["units"]
    best = (-1, 0.0)
    for d, col, row in diamond(e, i):
        r = where.get((col, row), -1)
        if r < 0 or e["res_amount"][r] <= 0:
            continue
        g = e["res_good"][r]
        take = min(e["res_amount"][r], max(1, int(round(e["forage_rate"] / e["units"][g]))))
        gain = max(0.0, trade_gain(e["family"][i], e["params"][i], e["lam"][i], held, g, take * e["units"][g], 2, 0.0))
        if discount[d] * gain > best[1]:
            best = (r, discount[d] * gain)
    return best


def direct_partners(e: dict, i: int, randomise: bool) -> list[tuple[int, float]]:
    """Agent ``i``'s partner list by valuing every visible neighbour and sorting."""
    discount = discount_table(e["beta"], e["vision"])
    kept_apart = lambda a, b: e["tick"] < e["cooldown_until"][a] and e["cooldown_partner"][a] == b  # noqa: E731
    found = []
    for d, col, row in diamond(e, i):
        for j in np.flatnonzero((e["x"] == col) & (e["y"] == row)):
            if j == i or e["partner"][j] >= 0 or kept_apart(i, j) or kept_apart(j, i):
                continue
            gain = expected_trade_gain(i, j, e["family"], e["params"], e["lam"], e["inventory"], e["units"],
                                       e["ask"], e["bid"], e["pair_active"])
            if gain > 0.0:
                found.append((int(j), hashed_uniform(e["seed"], i, j) if randomise else gain * discount[d]))
    return sorted(found, key=lambda c: (-c[1], c[0]))[:MAX_CANDIDATES]


def assert_matches_direct_scan(e: dict, out: Candidates, randomise: bool = False) -> None:
    for i in range(e["x"].size):
        if e["partner"][i] >= 0:
            assert out.resource[i] == -1 and out.partner_ids[i, 0] == -1
            continue
        assert (out.resource[i], out.resource_score[i]) == direct_resource(e, i)
        expected = direct_partners(e, i, randomise) if e["bilateral_ok"][i] else []
        got = [(int(j), s) for j, s in zip(out.partner_ids[i], out.partner_scores[i]) if j >= 0]
        assert got == expected
        assert np.all(out.partner_ids[i, len(got):] == -1) and np.all(out.partner_scores[i, len(got):] == 0.0)


@pytest.mark.parametrize("regime", ["barter", "money", "mixed"])
@pytest.mark.parametrize("families", [["cobb_douglas"], ["ces", "linear", "leontief"],
                                      ["quadratic", "stone_geary", "translog", USER_FAMILY]])
def test_scan_equals_a_direct_scan_of_every_cell(regime, families):
    e = random_economy(len(families) * 10 + len(regime), families, regime)
    out = ranked(e)
    assert (out.resource >= 0).sum() > 20 and (out.partner_ids[:, 0] >= 0).sum() > 10  # the check has teeth
    assert_matches_direct_scan(e, out)


def test_random_search_keeps_the_same_partners_in_hashed_order():
    e = random_economy(3, list(PARAMS), "mixed")
    out = ranked(e, randomise=True)
    assert_matches_direct_scan(e, out, randomise=True)
    unranked = ranked(e, randomise=True, rank_resources=False)  # random walk: no directed foraging
    assert np.all(unranked.resource == -1) and np.all(unranked.resource_score == 0.0)
    assert np.array_equal(unranked.partner_ids, out.partner_ids)
    assert np.array_equal(unranked.partner_scores, out.partner_scores)


def test_resource_only_ranking_equals_the_full_scan():
    """Resources ranked alone (market-aware search, and agents left unpaired by matching) equal the full scan."""
    e = random_economy(4, list(PARAMS), "mixed", width=70, height=9)  # rows of several index blocks
    resource, score = np.empty(e["x"].size, dtype=np.int64), np.empty(e["x"].size)
    order = build_spatial_hash(e["x"], e["y"], e["width"], e["height"]).order
    rank_free_resources(order, e["x"], e["y"], e["partner"], e["family"], e["params"], e["lam"], e["inventory"], e["units"],
                        e["width"], e["height"], e["vision"], e["beta"], e["res_x"], row_index(e), e["res_good"],
                        e["res_amount"], e["forage_rate"], resource, score)
    full = ranked(e)
    assert np.array_equal(resource, full.resource) and np.array_equal(score, full.resource_score)
    assert_matches_direct_scan(e, full)


def test_every_built_in_family_is_covered():
    assert {f.name for f in FAMILIES.values() if f.code < USER_FAMILY_BASE} <= set(PARAMS)

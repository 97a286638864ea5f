"""The bargaining kernels' block search against a straightforward scan, and the
trade phase's kernels whatever the number of threads.

The kernels find the largest acceptable block from a closed-form guess and
regula falsi instead of trying every block. Here, on seeded random traders of
every utility family, exchange pair and acceptance rule, the block they
return must be the one a scan finds: every block up to it is accepted, the
next is refused (or it is the cap). Then every protocol's proposals on a
random economy must carry exactly the block the protocol's rule, computed
with scans, gives at the price the protocol chose; and the proposals and the
settled trades must not depend on the number of threads.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from numba import njit

from vmt.economics.families import family_code, pack_utility_params
from vmt.economics.kernels import marginal_utilities, mrs
from vmt.engine.threads import using_threads
from vmt.protocols.bargaining import common, compensating_block, nash, pairwise_walrasian
from vmt.protocols.bargaining import split_difference, take_it_or_leave_it
from vmt.protocols.bargaining.blocks import block_cap, largest_block
from vmt.protocols.bargaining.traders import GAINS, WANTS_MORE, payment, trader
from vmt.world.tuples import triple
from vmt.protocols.gains import pair_goods
from vmt.world.valuation import trade_gain

UNITS = np.array([0.01, 1e-6, 1e-9])  # the default minor units
MAX_Q = np.array([500, 500, 5_000_000])  # 5 real units of each pair's first good
FAMILIES = [
    ("cobb_douglas", {"alpha": 0.3, "beta": 0.7}),
    ("cobb_douglas", {"alpha": 0.8, "beta": 0.4}),
    ("ces", {"alpha": 0.6, "beta": 0.4, "rho": -1.5}),
    ("ces", {"alpha": 0.5, "beta": 0.5, "rho": 0.5}),
    ("linear", {"alpha": 1.0, "beta": 1.7}),
    ("leontief", {"alpha": 1.0, "beta": 2.0}),
    ("quadratic", {"bliss_a": 25.0, "bliss_b": 30.0, "sigma_a": 0.5, "sigma_b": 1.0}),
    ("stone_geary", {"alpha": 0.4, "beta": 0.6, "gamma_a": 1.0, "gamma_b": 2.0}),
    ("translog", {"alpha_a": 0.4, "alpha_b": 0.5, "beta_aa": -0.02, "beta_bb": -0.02, "beta_ab": 0.01,
                  "domain_min": 0.1, "domain_max": 200.0}),
]


def random_agents(rng, n):
    """``n`` agents of random families with random holdings (minor units) and λ."""
    picks = rng.integers(0, len(FAMILIES), n)
    params = np.array([pack_utility_params(FAMILIES[p][0], FAMILIES[p][1]) for p in picks])
    codes = np.array([family_code(FAMILIES[p][0]) for p in picks], dtype=np.int64)
    real = rng.uniform([0.5, 0.5, 5.0], [30.0, 30.0, 60.0], size=(n, 3))
    inventory = np.round(real / UNITS).astype(np.int64)
    lam = rng.uniform(0.02, 0.5, n)
    return codes, params, lam, inventory


@njit(cache=True)
def _accepted(mode, code, params, lam, inv, side, k, price, q1):
    """Acceptance of ``q1`` at ``price`` from the definitions: the payment
    rounded to the minor unit, the valuation after the trade on the agent's
    side of the price, or its utility strictly rising."""
    g1, g2 = pair_goods(k)
    q2 = np.floor(price * q1 * UNITS[g1] / UNITS[g2] + 0.5)
    held = (inv[0] * UNITS[0], inv[1] * UNITS[1], inv[2] * UNITS[2])
    if mode == 1:
        if side > 0:
            return trade_gain(code, params, lam, held, g1, q1 * UNITS[g1], g2, q2 * UNITS[g2]) > 0.0
        return trade_gain(code, params, lam, held, g2, q2 * UNITS[g2], g1, q1 * UNITS[g1]) > 0.0
    after = [held[0], held[1], held[2]]
    after[g1] += side * q1 * UNITS[g1]
    after[g2] -= side * q2 * UNITS[g2]
    if min(after[0], after[1], after[2]) < 0.0:
        return False
    if k == 0:
        value = mrs(code, params, after[0], after[1])
    else:
        value = marginal_utilities(code, params, after[0], after[1])[k - 1] / lam
    return value >= price if side > 0 else value <= price


@njit(cache=True)
def scan_block(mode, code, params, lam, inv, side, k, price, cap):
    """The first refused block minus one (``cap`` if none is refused), and
    whether acceptance changes only once in ``[1, cap]`` (a trader refusing
    one unit trades nothing, whatever larger blocks it would accept)."""
    first_refusal = cap + 1
    for q in range(1, cap + 1):
        if not _accepted(mode, code, params, lam, inv, side, k, price, q):
            first_refusal = q
            break
    once = True
    for q in range(first_refusal + 1, cap + 1 if first_refusal > 1 else 0):
        if _accepted(mode, code, params, lam, inv, side, k, price, q):
            once = False
            break
    return first_refusal - 1, once


@njit(cache=True)
def bisect_block(mode, code, params, lam, inv, side, k, price, cap):
    """Plain bisection: 0 if one unit is refused, ``cap`` if accepted, else
    halve ``[1, cap]`` keeping the lower end accepted."""
    if not _accepted(mode, code, params, lam, inv, side, k, price, 1):
        return 0
    if _accepted(mode, code, params, lam, inv, side, k, price, cap):
        return cap
    lo, hi = 1, cap
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _accepted(mode, code, params, lam, inv, side, k, price, mid):
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def _fast_block(mode, agent, side, k, price, cap, family, params, lam, inventory, units):
    t = trader(agent, family, params, lam, inventory, units)
    return largest_block(mode, t, side, k, price, cap, triple(units))


def random_cases(rng, codes, params, lam, inventory):
    """(agent, pair, rule, side, price, cap): prices within a factor 2 of the
    agent's own valuation, caps up to thousands of minor units."""
    for agent in range(codes.size):
        for _ in range(4):
            k, mode, side = int(rng.integers(0, 3)), int(rng.integers(0, 2)), int(rng.choice([-1, 1]))
            held = inventory[agent] * UNITS
            value = (mrs(codes[agent], params[agent], held[0], held[1]) if k == 0
                     else marginal_utilities(codes[agent], params[agent], held[0], held[1])[k - 1] / lam[agent])
            if np.isfinite(value) and value > 0.0:
                cap = int(rng.integers(1, 3000 if k < 2 else 20_000))
                yield agent, k, mode, side, value * float(np.exp(rng.uniform(-0.7, 0.7))), cap


#: Families along whose trades acceptance must change once: the valuation is
#: monotone for all but the quadratic; the gain strictly concave for these.
ONCE = {WANTS_MORE: {"cobb_douglas", "ces", "linear", "leontief", "stone_geary", "translog"},
        GAINS: {"cobb_douglas", "ces"}}


def test_block_search_equals_the_scan_and_bisection_for_every_family_pair_and_rule():
    rng = np.random.default_rng(20261201)
    codes, params, lam, inventory = random_agents(rng, 300)
    names = {family_code(name): name for name, _ in FAMILIES}
    seen = set()
    for agent, k, mode, side, price, cap in random_cases(rng, codes, params, lam, inventory):
        row = (codes[agent], params[agent], lam[agent], inventory[agent], side, k, price, cap)
        scanned, once = scan_block(mode, *row)
        got = _fast_block(mode, agent, side, k, price, cap, codes, params, lam, inventory, UNITS)
        case = (names[codes[agent]], k, mode, side, price, cap)
        assert got == bisect_block(mode, *row), case
        if names[codes[agent]] in ONCE[mode]:
            assert once and got == scanned, case
        seen.add((names[codes[agent]], k, mode))
    assert {name for name, _, _ in seen} == set(names.values())  # every family,
    assert {(k, mode) for _, k, mode in seen} == {(k, m) for k in range(3) for m in (WANTS_MORE, GAINS)}  # pair, rule
    assert len(seen) >= 36


@njit(cache=True)
def _scan_for_trader(mode, t, side, k, price, cap):
    return scan_block(mode, t[0], t[1], t[2], t[4], side, k, price, cap)[0]


@njit(cache=True)
def expected_block(rule, k, tb, ts, price, max_q, units, buyer_proposes):
    """The block each protocol's rule gives at ``price``, by scans.

    0: short side (compensating block, Nash); 1: both strictly gain
    (split the difference); 2: the proposer's demand cut to what the
    responder gains from (take it or leave it); 3: the smaller of the two
    demands (pairwise Walrasian)."""
    cap = block_cap(k, tb, ts, price, max_q, units)
    if rule == 0:
        return _scan_for_trader(WANTS_MORE, ts, -1, k, price, _scan_for_trader(WANTS_MORE, tb, 1, k, price, cap))
    if rule == 1:
        return _scan_for_trader(GAINS, ts, -1, k, price, _scan_for_trader(GAINS, tb, 1, k, price, cap))
    if rule == 2:
        proposer, responder, own = (tb, ts, 1) if buyer_proposes else (ts, tb, -1)
        wanted = _scan_for_trader(WANTS_MORE, proposer, own, k, price, cap)
        return _scan_for_trader(GAINS, responder, -own, k, price, wanted)
    return min(_scan_for_trader(WANTS_MORE, tb, 1, k, price, cap), _scan_for_trader(WANTS_MORE, ts, -1, k, price, cap))


def random_economy(seed, n=240):
    rng = np.random.default_rng(seed)
    codes, params, lam, inventory = random_agents(rng, n)
    inventory[:, 1] = np.minimum(inventory[:, 1], 2_000)  # small B holdings keep B<->M scans short
    order = rng.permutation(n)
    i, j = np.minimum(order[::2], order[1::2]), np.maximum(order[::2], order[1::2])
    keep = np.argsort(i)
    return i[keep], j[keep], codes, params, lam, inventory


PROTOCOLS = {
    "compensating_block": (compensating_block, 0, lambda: (common.NO_ANCHORS,)),
    "nash": (nash, 0, lambda: (15, common.NO_ANCHORS)),
    "split_difference": (split_difference, 1, lambda: (common.NO_ANCHORS,)),
    "take_it_or_leave_it": (take_it_or_leave_it, 2, lambda: (0.1, False, np.uint64(0), common.NO_ANCHORS)),
    "pairwise_walrasian": (pairwise_walrasian, 3, lambda: ()),
}


def propose(name, economy, threads):
    module, _, extra = PROTOCOLS[name]
    i, j, codes, params, lam, inventory = economy
    m = i.size
    out = [np.full(m, -1, np.int64) for _ in range(3)] + [np.zeros(m, np.int64), np.zeros(m, np.int64),
                                                           np.full(m, np.nan)]
    max_q = np.full(3, pairwise_walrasian._UNLIMITED, np.int64) if name == "pairwise_walrasian" else MAX_Q
    quotes = np.zeros((codes.size, 3))
    with using_threads(threads):
        module._propose_all(i, j, codes, params, lam, inventory, UNITS, quotes, quotes, np.ones(3, np.bool_),
                            max_q, 0.01, *extra(), *out)
    return out, max_q



@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_every_protocol_trades_the_block_its_rule_gives_by_scan(name):
    economy = random_economy(7)
    i, j, codes, params, lam, inventory = economy
    (k, b, s, q1, q2, price), max_q = propose(name, economy, 1)
    agreed = np.flatnonzero(k >= 0)
    assert agreed.size > 40
    units, blocks = triple(UNITS), triple(max_q)
    for p in agreed:
        tb = trader(b[p], codes, params, lam, inventory, UNITS)
        ts = trader(s[p], codes, params, lam, inventory, UNITS)
        block = expected_block(PROTOCOLS[name][1], k[p], tb, ts, price[p], blocks, units, b[p] == i[p])
        assert (q1[p], q2[p]) == (block, payment(price[p], k[p], block, units)), (name, p)


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_proposals_do_not_depend_on_the_threads(name):
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    economy = random_economy(11, n=2_000)
    one, _ = propose(name, economy, 1)
    many, _ = propose(name, economy, threads)
    for a, b in zip(one, many):
        np.testing.assert_array_equal(a, b)


def test_settling_a_tick_does_not_depend_on_the_threads():
    threads = min(2, numba.config.NUMBA_NUM_THREADS)
    i, j, codes, params, lam, inventory = random_economy(13, n=2_000)
    (k, b, s, q1, q2, _), _ = propose("compensating_block", (i, j, codes, params, lam, inventory), 1)
    states = []
    for count in (1, threads):
        inv, stale = inventory.copy(), np.zeros(codes.size, np.bool_)
        partner, cooldown_partner, until = np.full(codes.size, -1), np.full(codes.size, -1), np.zeros(codes.size, np.int64)
        partner[i], partner[j] = j, i
        with using_threads(count):
            common.conclude(i, j, k, b, s, q1, q2, inv, stale, partner, cooldown_partner, until, 9)
        states.append((inv, stale, partner, cooldown_partner, until))
    for a, b_ in zip(*states):
        np.testing.assert_array_equal(a, b_)
    inv, stale, partner, cooldown_partner, until = states[0]
    assert np.array_equal(inv.sum(axis=0), inventory.sum(axis=0))  # trade conserves every good
    failed = np.concatenate([i[k < 0], j[k < 0]])
    assert (partner[failed] == -1).all() and (until[failed] == 9).all() and stale[failed].sum() == 0
    traded = np.concatenate([i[k >= 0], j[k >= 0]])
    assert stale[traded].all() and (partner[traded] >= 0).all()

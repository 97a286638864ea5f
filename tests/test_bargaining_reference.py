"""The compensating-block kernel against a slow pure-Python reference.

Two adjacent Cobb-Douglas agents in an Edgeworth box keep bargaining until
no block strictly benefits both. The reference below re-derives every step
from the definitions in docs/engine.md and docs/economics.md with plain
floats and bisection — no numba, no shared code — and the whole trade trace
must agree.
"""

from __future__ import annotations

import math

from vmt.simulation import Simulation

ALICE = (0.3, 0.7)
BOB = (0.7, 0.3)


def scenario(a0=(16, 4), b0=(4, 16)):
    agent = lambda name, ab, endow, x: {  # noqa: E731
        "name": name, "count": 1,
        "utility": {"family": "cobb_douglas", "params": {"alpha": ab[0], "beta": ab[1]}},
        "endowment": {"A": endow[0], "B": endow[1]}, "spawn_region": [x, 2, x, 2],
    }
    return {
        "grid": {"width": 6, "height": 6},
        "agents": [agent("alice", ALICE, a0, 2), agent("bob", BOB, b0, 3)],
        "params": {"ticks": 60, "vision_radius": 10, "exchange_regime": "barter"},
    }


def u(ab, a, b):
    return a ** ab[0] * b ** ab[1] if a > 0 and b > 0 else 0.0


def solve(f, lo, hi):
    """Root of an increasing f on [lo, hi] by bisection."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return hi


def ask(ab, a, b):
    """Price of A in B making the sale of one A utility-neutral."""
    if a < 1:
        return math.inf
    return solve(lambda x: u(ab, a - 1, b + x) - u(ab, a, b), 0.0, 1e6)


def bid(ab, a, b):
    """Price making the purchase of one A utility-neutral, at most all of B."""
    if u(ab, a + 1, 0.0) >= u(ab, a, b):
        return b
    return solve(lambda y: u(ab, a, b) - u(ab, a + 1, b - y), 0.0, b)


def ladder(lo, hi, candidates=9):
    step = max(1, (hi - lo) // max(1, candidates - 1))
    centre = (lo + hi) // 2
    out = [centre]
    for k in range(1, candidates + 1):
        out += [centre + k * step, centre - k * step]
    return [v for v in out if lo <= v <= hi]


def reference_trace(a0=(16, 4), b0=(4, 16), max_block=5):
    holdings = {0: list(a0), 1: list(b0)}
    prefs = {0: ALICE, 1: BOB}
    trades = []
    for tick in range(60):
        quotes = {i: (ask(prefs[i], *holdings[i]), bid(prefs[i], *holdings[i])) for i in (0, 1)}
        buyer, seller = (1, 0) if quotes[1][1] - quotes[0][0] >= quotes[0][1] - quotes[1][0] else (0, 1)
        if not quotes[buyer][1] > quotes[seller][0]:
            break
        deal = None
        for q in range(1, max_block + 1):
            if holdings[seller][0] < q:
                break
            lo = max(1, math.ceil(quotes[seller][0] * q - 1e-9))
            hi = math.floor(quotes[buyer][1] * q + 1e-9)
            for pay in ladder(lo, hi):
                hb, hs = holdings[buyer], holdings[seller]
                if pay <= hb[1] and u(prefs[buyer], hb[0] + q, hb[1] - pay) > u(prefs[buyer], *hb) \
                        and u(prefs[seller], hs[0] - q, hs[1] + pay) > u(prefs[seller], *hs):
                    deal = (q, pay)
                    break
            if deal:
                break
        if deal is None:
            break
        q, pay = deal
        holdings[buyer][0] += q
        holdings[buyer][1] -= pay
        holdings[seller][0] -= q
        holdings[seller][1] += pay
        trades.append((tick, buyer, seller, float(q), float(pay)))
    return trades


def engine_trace(**kw):
    frame = Simulation(scenario(**kw), seed=0).run().trades_df()
    return [tuple(r) for r in frame[["tick", "buyer_id", "seller_id", "quantity_A", "quantity_B"]].itertuples(index=False)]


def test_first_trade_by_hand():
    # alice's ask at (16, 4) is ~0.11 B per A, bob's bid at (4, 16) ~6.49:
    # payments 1..6 for one A, the ladder starts at the midpoint 3, and
    # (15, 7) / (5, 13) raise both utilities.
    assert engine_trace()[0] == (0, 1, 0, 1.0, 3.0)


def test_whole_trace_matches_reference():
    expected = reference_trace()
    assert len(expected) >= 4
    assert engine_trace() == expected


def test_trace_matches_reference_from_another_box():
    assert engine_trace(a0=(30, 2), b0=(3, 25)) == reference_trace(a0=(30, 2), b0=(3, 25))

"""The compensating-block kernel against a slow pure-Python reference.

Two adjacent Cobb-Douglas agents in an Edgeworth box bargain until their
marginal rates of substitution are within the contract-curve tolerance. The
reference re-derives every step from the rule in docs/economics.md with
plain floats: the price is the midpoint in log price of the two MRS, the
block the short side at that price (found here by scanning every block size,
where the kernel bisects), the payment rounded to the minor unit of B. The
whole trade trace must agree.
"""

from __future__ import annotations

import math

from vmt.simulation import Simulation

ALICE = (0.3, 0.7)
BOB = (0.7, 0.3)
UNIT_A, UNIT_B = 0.01, 1e-6  # the default minor units
BLOCK = 5.0  # params.max_trade_quantity, real units of A
TOLERANCE = 0.01  # contract-curve tolerance


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
    return a ** ab[0] * b ** ab[1]


def mrs(ab, a, b):
    return ab[0] / ab[1] * (b / a) ** 1.0 if a > 0 else math.inf


def reference_trace(a0=(16, 4), b0=(4, 16)):
    held = {0: [round(a0[0] / UNIT_A), round(a0[1] / UNIT_B)], 1: [round(b0[0] / UNIT_A), round(b0[1] / UNIT_B)]}
    prefs = {0: ALICE, 1: BOB}
    real = lambda i, dq=0, dpay=0: (  # noqa: E731
        (held[i][0] + dq) * UNIT_A, (held[i][1] - dpay) * UNIT_B)
    trades = []
    for tick in range(60):
        value = {i: mrs(prefs[i], *real(i)) for i in (0, 1)}
        buyer, seller = (0, 1) if value[0] >= value[1] else (1, 0)
        if not value[buyer] > value[seller] * (1 + TOLERANCE):
            break
        price = math.sqrt(value[seller] * value[buyer])
        pay = lambda q: math.floor(price * q * UNIT_A / UNIT_B + 0.5)  # noqa: E731
        cap = min(round(BLOCK / UNIT_A), held[seller][0], math.floor(held[buyer][1] * UNIT_B / (price * UNIT_A)))
        bought = max([q for q in range(cap + 1) if q == 0 or mrs(prefs[buyer], *real(buyer, q, pay(q))) >= price])
        q = max([q for q in range(bought + 1) if q == 0 or mrs(prefs[seller], *real(seller, -q, -pay(q))) <= price])
        if q == 0 or abs(pay(q) * UNIT_B / (q * UNIT_A * price) - 1) > 1e-3:
            break
        if not (u(prefs[buyer], *real(buyer, q, pay(q))) > u(prefs[buyer], *real(buyer))
                and u(prefs[seller], *real(seller, -q, -pay(q))) > u(prefs[seller], *real(seller))):
            break
        held[buyer][0] += q
        held[buyer][1] -= pay(q)
        held[seller][0] -= q
        held[seller][1] += pay(q)
        trades.append((tick, buyer, seller, round(q * UNIT_A, 9), round(pay(q) * UNIT_B, 9)))
    return trades


def engine_trace(**kw):
    frame = Simulation(scenario(**kw), seed=0).run().trades_df()
    rows = frame[["tick", "buyer_id", "seller_id", "quantity_A", "quantity_B"]].itertuples(index=False)
    return [(t, b, s, round(qa, 9), round(qb, 9)) for t, b, s, qa, qb in rows]


def test_first_trade_by_hand():
    # alice's MRS at (16, 4) is (0.3/0.7)(4/16) = 3/28, bob's at (4, 16) is
    # (0.7/0.3)(16/4) = 28/3: the midpoint in log price is exactly 1 B per A.
    # At p = 1 both have wealth 20; bob wants 0.7 * 20 = 14 A (10 more), alice
    # keeps 0.3 * 20 = 6 A (sells 10): the short side is 10, cut to the block
    # of 5 A. So bob buys 5 A for 5 B.
    assert engine_trace()[0] == (0, 1, 0, 5.0, 5.0)


def test_whole_trace_matches_reference_and_ends_on_the_contract_curve():
    expected = reference_trace()
    assert len(expected) >= 2
    assert engine_trace() == expected
    a = {0: [16.0, 4.0], 1: [4.0, 16.0]}
    for _, buyer, seller, qa, qb in expected:
        a[buyer][0] += qa
        a[buyer][1] -= qb
        a[seller][0] -= qa
        a[seller][1] += qb
    assert abs(math.log(mrs(ALICE, *a[0]) / mrs(BOB, *a[1]))) < math.log(1 + TOLERANCE)


def test_trace_matches_reference_from_another_box():
    expected = reference_trace(a0=(30, 2), b0=(3, 25))
    assert len(expected) >= 4
    assert engine_trace(a0=(30, 2), b0=(3, 25)) == expected

"""VCG: hand-computed textbook instances (allocation and every payment), the
known failures (revenue outside the core, loser collusion, shill bidding),
the tie rule, the time budget and input errors."""

import math

import numpy as np
import pytest

from vmt.mechanisms import (
    Bundle,
    MechanismInputError,
    WinnerDeterminationFailure,
    XorBid,
    vcg,
)


def bundle(*items):
    return Bundle.of(items)


def big_random_auction(n_bidders=200, n_items=60, seed=3):
    """Far too large to solve with its Clarke re-solves in a microsecond."""
    rng = np.random.default_rng(seed)
    items = [f"i{g}" for g in range(n_items)]
    bids = []
    for b in range(n_bidders):
        offers = {}
        for _ in range(4):
            chosen = rng.choice(n_items, size=int(rng.integers(1, 5)), replace=False)
            offers[tuple(items[g] for g in chosen)] = float(rng.uniform(1, 10) * chosen.size)
        bids.append(XorBid(b, offers))
    return bids, items


# --- textbook instances, computed by hand ------------------------------------------

def test_combinatorial_instance_allocation_and_payments():
    # Offers: 1: A=5, AB=8; 2: B=4, BC=7; 3: C=2; 4: ABC=11.
    # Best: 1 gets A, 2 gets BC, W* = 12 (1A+2B+3C = 11, 4 alone = 11, 1AB+3C = 10).
    # W_-1 = 11 (4 alone)         -> p1 = 11 - (12 - 5) = 4
    # W_-2 = 11 (4 alone)         -> p2 = 11 - (12 - 7) = 6
    # 3 and 4 win nothing and pay 0. Revenue 10.
    bids = [XorBid(1, {"A": 5, ("A", "B"): 8}), XorBid(2, {"B": 4, ("B", "C"): 7}),
            XorBid(3, {"C": 2}), XorBid(4, {("A", "B", "C"): 11})]
    outcome = vcg(bids, ["A", "B", "C"])
    assert outcome.status == "optimal" and outcome.optimal
    assert outcome.allocation == {1: bundle("A"), 2: bundle("B", "C")}
    assert outcome.welfare == 12.0
    assert outcome.payments == {1: 4.0, 2: 6.0, 3: 0.0, 4: 0.0}
    assert outcome.welfare_without == {1: 11.0, 2: 11.0, 3: 12.0, 4: 12.0}
    assert outcome.revenue == 10.0


def test_single_item_vcg_is_vickrey():
    outcome = vcg([XorBid(i, {"A": v}) for i, v in enumerate([10, 7, 3])], ["A"])
    assert outcome.allocation == {0: bundle("A")}
    assert outcome.payments == {0: 7.0, 1: 0.0, 2: 0.0}


def test_identical_units_unit_demand_pay_the_highest_losing_bid():
    outcome = vcg([XorBid(i, {"u": v}) for i, v in enumerate([10, 8, 5])], {"u": 2})
    assert outcome.allocation == {0: bundle("u"), 1: bundle("u")}
    assert outcome.payments == {0: 5.0, 1: 5.0, 2: 0.0}


def test_multi_unit_demand_pays_its_externality():
    # 3 units. a: 2 units=16, 1 unit=9; b: 8; c: 6; d: 2.
    # W* = 24 (a takes 2, b takes 1). Without a: b+c+d = 16 -> p_a = 16 - 8 = 8.
    # Without b: a2 + c = 22 -> p_b = 22 - 16 = 6.
    bids = [XorBid("a", {("u", "u"): 16, "u": 9}), XorBid("b", {"u": 8}),
            XorBid("c", {"u": 6}), XorBid("d", {"u": 2})]
    outcome = vcg(bids, {"u": 3})
    assert outcome.allocation == {"a": Bundle.of({"u": 2}), "b": bundle("u")}
    assert outcome.welfare == 24.0
    assert outcome.payments == {"a": 8.0, "b": 6.0, "c": 0.0, "d": 0.0}


# --- known failures of VCG ---------------------------------------------------------

def test_revenue_can_be_zero_and_outside_the_core():
    # Two items, three bidders: x wants A (2), y wants B (2), z wants AB (2).
    # x and y win; each one's removal still leaves welfare 2 -> both pay 0.
    # The seller and z could both gain by trading AB at any price in (0, 2]:
    # the outcome is blocked, i.e. not in the core.
    bids = [XorBid("x", {"A": 2}), XorBid("y", {"B": 2}), XorBid("z", {("A", "B"): 2})]
    outcome = vcg(bids, ["A", "B"])
    assert set(outcome.allocation) == {"x", "y"}
    assert outcome.revenue == 0.0
    z_value = 2.0
    assert z_value > outcome.revenue  # a blocking coalition {seller, z} exists


def test_losing_bidders_collude_and_win_at_zero_price():
    truthful = [XorBid("x", {"A": 0.5}), XorBid("y", {"B": 0.5}), XorBid("z", {("A", "B"): 2})]
    honest = vcg(truthful, ["A", "B"])
    assert honest.allocation == {"z": bundle("A", "B")} and honest.payments["z"] == 1.0
    colluding = [XorBid("x", {"A": 2}), XorBid("y", {"B": 2}), truthful[2]]
    collusion = vcg(colluding, ["A", "B"])
    assert set(collusion.allocation) == {"x", "y"}
    assert collusion.payments["x"] == collusion.payments["y"] == 0.0
    # each colluder now earns its true value 0.5 instead of 0
    assert 0.5 - collusion.payments["x"] > 0.0


def test_shill_bidding_pays():
    # s values AB at 3, rival r values AB at 2. Truthful: s pays 2, utility 1.
    honest = vcg([XorBid("s", {("A", "B"): 3}), XorBid("r", {("A", "B"): 2})], ["A", "B"])
    assert honest.payments["s"] == 2.0
    # Bidding under two names s1 (A: 2) and s2 (B: 2), s wins both for nothing.
    shill = vcg([XorBid("s1", {"A": 2}), XorBid("s2", {"B": 2}), XorBid("r", {("A", "B"): 2})],
                ["A", "B"])
    assert set(shill.allocation) == {"s1", "s2"}
    assert shill.payments["s1"] + shill.payments["s2"] == 0.0
    assert 3.0 - 0.0 > 3.0 - honest.payments["s"]


# --- tie rule, determinism, empty auction -------------------------------------------------

def test_equal_bids_go_to_the_bidder_listed_first():
    first = vcg([XorBid("p", {"A": 4}), XorBid("q", {"A": 4})], ["A"])
    swapped = vcg([XorBid("q", {"A": 4}), XorBid("p", {"A": 4})], ["A"])
    assert first.allocation == {"p": bundle("A")} and first.payments["p"] == 4.0
    assert swapped.allocation == {"q": bundle("A")}


def test_same_input_same_outcome():
    bids = [XorBid(i, {"A": 3, ("A", "B"): 5, "B": 3}) for i in range(4)]
    outcomes = [vcg(bids, ["A", "B"]) for _ in range(3)]
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert outcomes[0].allocation == {0: bundle("A"), 1: bundle("B")}


def test_empty_auction():
    outcome = vcg([], ["A"])
    assert outcome.allocation == {} and outcome.welfare == 0.0 and outcome.status == "optimal"


def test_xor_value_uses_free_disposal():
    bid = XorBid("b", {"A": 3, ("A", "B"): 5})
    assert bid.value_of(bundle("A", "B", "C")) == 5.0
    assert bid.value_of(bundle("A", "C")) == 3.0
    assert bid.value_of(bundle("C")) == 0.0


def test_bundle_forms_agree():
    assert Bundle.of("A") == Bundle.of(["A"]) == Bundle.of({"A": 1})
    assert Bundle.of(["B", "A", "A"]) == Bundle.of({"A": 2, "B": 1})
    assert str(Bundle.of({"A": 2, "B": 1})) == "{Ax2, B}"


# --- time budget ----------------------------------------------------------------------------

def test_exhausted_time_budget_raises_instead_of_answering():
    bids, items = big_random_auction()
    with pytest.raises(WinnerDeterminationFailure) as failure:
        vcg(bids, items, time_limit=1e-6)
    assert failure.value.status == "time_limit"


def test_exhausted_time_budget_can_be_flagged():
    bids, items = big_random_auction()
    outcome = vcg(bids, items, time_limit=1e-6, on_failure="flag")
    assert outcome.status == "time_limit" and not outcome.optimal
    assert outcome.allocation == {} and outcome.payments == {} and math.isnan(outcome.welfare)


# --- invalid input ----------------------------------------------------------------------------

@pytest.mark.parametrize("make, fragment", [
    (lambda: XorBid("b7", {"A": -1}), "bidder 'b7' on bundle {A} is -1"),
    (lambda: XorBid("b7", {"A": math.nan}), "bidder 'b7' on bundle {A} is nan"),
    (lambda: XorBid("b7", {(): 3}), "bidder 'b7'.*empty"),
    (lambda: XorBid("b7", {("A", "B"): 1, ("B", "A"): 2}), "bidder 'b7' lists bundle {A, B} twice"),
    (lambda: XorBid("b7", {"A": "x"}), "bidder 'b7' on bundle {A}"),
])
def test_bad_bids_raise_naming_the_bid(make, fragment):
    with pytest.raises(MechanismInputError, match=fragment):
        make()


@pytest.mark.parametrize("bids, items, fragment", [
    ([XorBid("b1", {"Z": 1})], ["A"], "bidder 'b1' on bundle {Z} names unknown item 'Z'"),
    ([XorBid("b1", {"A": 1}), XorBid("b1", {"A": 2})], ["A"], "bidder id 'b1' appears in more than one bid"),
    ([XorBid("b1", {("A", "A"): 1})], ["A"], "bidder 'b1' on bundle {Ax2} asks 2 units of 'A' but only 1"),
    ([XorBid("b1", {"A": 1})], ["A", "A"], "item 'A' is listed twice"),
    ([XorBid("b1", {"A": 1})], {"A": 0}, "supply of item 'A' is 0"),
    ([("b1", {"A": 1})], ["A"], "expected XorBid"),
])
def test_bad_auction_input_raises_naming_the_culprit(bids, items, fragment):
    with pytest.raises(MechanismInputError, match=fragment):
        vcg(bids, items)


def test_bad_parameters_raise():
    with pytest.raises(MechanismInputError, match="time_limit"):
        vcg([], ["A"], time_limit=0)
    with pytest.raises(MechanismInputError, match="on_failure"):
        vcg([], ["A"], on_failure="ignore")

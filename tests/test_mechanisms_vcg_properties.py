"""Property tests of VCG on small random XOR-bid auctions, checked against
brute-force enumeration: efficiency, Clarke payments, individual rationality,
truthfulness, determinism, and agreement with the sealed-bid auctions."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.mechanisms import Bundle, XorBid, multi_unit_second_price, second_price, vcg

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True)
TOL = 1e-6

SUPPLIES = [{"A": 1, "B": 1, "C": 1}, {"A": 1, "B": 2, "C": 1}, {"A": 2, "B": 1}]


def bundles_for(supply):
    names = [item for item, units in supply.items() for _ in range(units)]
    combos = {tuple(sorted(c)) for r in range(1, len(names) + 1)
              for c in itertools.combinations(names, r)}
    return sorted(combos)


@st.composite
def xor_offers(draw, supply):
    keys = st.sampled_from(bundles_for(supply))
    return draw(st.dictionaries(keys, st.integers(0, 20), min_size=1, max_size=3))


@st.composite
def auctions(draw):
    supply = draw(st.sampled_from(SUPPLIES))
    n_bidders = draw(st.integers(1, 4))
    bids = [XorBid(f"b{i}", draw(xor_offers(supply))) for i in range(n_bidders)]
    return bids, supply


def feasible(choices, supply):
    used = {}
    for bundle in choices:
        for item, quantity in bundle.quantities:
            used[item] = used.get(item, 0) + quantity
    return all(used[item] <= supply[item] for item in used)


def brute_force_welfare(bids, supply, skip=None):
    """Best reported welfare over every way of giving each bidder one offer or nothing."""
    options = [[(None, 0.0)] + ([] if bid.bidder == skip else list(bid.offers)) for bid in bids]
    best = 0.0
    for combo in itertools.product(*options):
        chosen = [b for b, _ in combo if b is not None]
        if feasible(chosen, supply):
            best = max(best, sum(v for _, v in combo))
    return best


def utility(outcome, true_bid):
    received = outcome.allocation.get(true_bid.bidder)
    value = true_bid.value_of(received) if received is not None else 0.0
    return value - outcome.payments.get(true_bid.bidder, 0.0)


@PROPERTY
@given(auctions())
def test_allocation_is_efficient_and_payments_are_clarke_by_brute_force(auction):
    bids, supply = auction
    outcome = vcg(bids, supply)
    assert feasible(list(outcome.allocation.values()), supply)
    reported = {bid.bidder: dict(bid.offers) for bid in bids}
    welfare = sum(reported[b][bundle] for b, bundle in outcome.allocation.items())
    assert abs(welfare - outcome.welfare) <= TOL
    assert abs(outcome.welfare - brute_force_welfare(bids, supply)) <= TOL
    for bid in bids:
        own = reported[bid.bidder].get(outcome.allocation.get(bid.bidder), 0.0)
        expected = brute_force_welfare(bids, supply, skip=bid.bidder) - (outcome.welfare - own)
        assert abs(outcome.payments[bid.bidder] - expected) <= TOL


@PROPERTY
@given(auctions())
def test_truthful_bidders_are_individually_rational(auction):
    bids, supply = auction
    outcome = vcg(bids, supply)
    for bid in bids:
        assert outcome.payments[bid.bidder] >= 0.0
        assert utility(outcome, bid) >= -TOL
        if bid.bidder not in outcome.allocation:
            assert outcome.payments[bid.bidder] == 0.0


@PROPERTY
@given(auctions(), st.data())
def test_no_sampled_misreport_beats_truth(auction, data):
    bids, supply = auction
    liar = data.draw(st.integers(0, len(bids) - 1))
    lie = XorBid(bids[liar].bidder, data.draw(xor_offers(supply)))
    reported = bids[:liar] + [lie] + bids[liar + 1:]
    truthful = utility(vcg(bids, supply), bids[liar])
    misreported = utility(vcg(reported, supply), bids[liar])
    assert truthful >= misreported - TOL


@PROPERTY
@given(auctions())
def test_vcg_is_deterministic(auction):
    bids, supply = auction
    assert vcg(bids, supply) == vcg(bids, supply) == vcg(list(bids), dict(supply))


@PROPERTY
@given(st.lists(st.integers(0, 10), min_size=1, max_size=6), st.integers(1, 3))
def test_unit_demand_vcg_equals_sealed_bid_including_ties(values, units):
    bids = [XorBid(i, {"u": v}) for i, v in enumerate(values)]
    outcome = vcg(bids, {"u": units})
    if units == 1:
        vickrey = second_price(values)
        assert outcome.allocation == {vickrey.winner: Bundle.of("u")}
        assert outcome.payments[vickrey.winner] == vickrey.price
        return
    uniform = multi_unit_second_price(values, units)
    assert set(outcome.allocation) == set(uniform.winners)
    assert all(outcome.payments[w] == p for w, p in zip(uniform.winners, uniform.prices))

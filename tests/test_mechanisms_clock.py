"""Clock auctions: hand-traced clocks, equivalence with sealed-bid auctions up to
the price step, tie rule, determinism and input errors."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.mechanisms import MechanismInputError, first_price, reverse_first_price, reverse_second_price, second_price
from vmt.mechanisms.clock import (
    CLOCK_AUCTIONS,
    dutch_clock,
    english_clock,
    reverse_dutch_clock,
    reverse_english_clock,
)
from vmt.mechanisms.sealed_bid import uniform_first_price_equilibrium_bid

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True)
values_st = st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=6)
step_st = st.sampled_from([0.1, 0.25, 1.0, 3.0])
SLACK = 1e-9  # float rounding of start + t * step


# --- hand-traced clocks --------------------------------------------------------------

def test_english_clock_trace():
    # values 10, 7.3, 3, step 1: at 7 two are in, at 8 only bidder 0 -> wins at 8.
    outcome = english_clock([10, 7.3, 3], increment=1.0)
    assert (outcome.winner, outcome.price, outcome.ticks) == (0, 8.0, 8)


def test_english_clock_simultaneous_dropout_goes_to_lowest_index_at_last_accepted_price():
    # 7.5 and 7.3 are both in at 7 and both out at 8: bidder 0 wins at 7.
    outcome = english_clock([7.3, 7.5, 3], increment=1.0)
    assert (outcome.winner, outcome.price) == (0, 7.0)


def test_english_clock_start_is_reserve():
    assert english_clock([2, 1], 1.0, start=5).winner is None
    assert english_clock([6, 1], 1.0, start=5).price == 5.0


def test_dutch_clock_trace():
    # price 20, 19, ..., 8: bidder 0 accepts at 8.
    outcome = dutch_clock([8, 6.5, 3], start=20, decrement=1)
    assert (outcome.winner, outcome.price, outcome.ticks) == (0, 8.0, 12)


def test_dutch_clock_simultaneous_acceptance_goes_to_lowest_index():
    assert dutch_clock([8, 8.5, 3], start=20, decrement=1).winner == 0


def test_dutch_clock_stops_at_reserve():
    assert dutch_clock([4, 3], start=20, decrement=1.5, reserve=4.5).winner is None
    outcome = dutch_clock([4.6, 3], start=20, decrement=1.5, reserve=4.5)
    assert (outcome.winner, outcome.price) == (0, 4.5)


def test_reverse_clocks_trace():
    # descending: 6 still has seller 1 (5.5) in, at 5 only seller 0 -> paid 5.
    assert reverse_english_clock([3, 5.5, 9], decrement=1.0, start=20).price == 5.0
    # ascending offer 0, 1, 2, 3: seller 0 (ask 3) accepts at 3.
    outcome = reverse_dutch_clock([3, 5.5, 9], start=0, increment=1.0, reserve=20)
    assert (outcome.winner, outcome.price) == (0, 3.0)


# --- equivalence with sealed-bid auctions ---------------------------------------------

@PROPERTY
@given(values_st, step_st, st.floats(0, 50, allow_nan=False))
def test_english_matches_second_price_up_to_increment(values, step, start):
    clock = english_clock(values, step, start)
    sealed = second_price(values, reserve=start)
    assert (clock.winner is None) == (sealed.winner is None)
    if sealed.winner is None:
        return
    assert abs(clock.price - sealed.price) <= step + SLACK
    assert values[clock.winner] >= max(values) - step
    ranked = sorted(values, reverse=True) + [-math.inf]
    if ranked[0] - ranked[1] > step:
        assert clock.winner == sealed.winner


@PROPERTY
@given(values_st, step_st, st.floats(0, 40, allow_nan=False))
def test_dutch_with_equilibrium_bids_matches_first_price_up_to_decrement(values, step, reserve):
    bids = uniform_first_price_equilibrium_bid(values, len(values)).tolist()
    clock = dutch_clock(bids, start=200.0, decrement=step, reserve=reserve)
    sealed = first_price(bids, reserve=reserve)
    assert (clock.winner is None) == (sealed.winner is None)
    if sealed.winner is None:
        return
    assert sealed.price - step - SLACK <= clock.price <= sealed.price
    assert bids[clock.winner] >= max(bids) - step
    ranked = sorted(bids, reverse=True) + [-math.inf]
    if ranked[0] - ranked[1] > step:
        assert clock.winner == sealed.winner


@PROPERTY
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=6), step_st)
def test_reverse_clocks_match_reverse_sealed_bid(costs, step):
    ceiling = 150.0
    descending = reverse_english_clock(costs, decrement=step, start=ceiling)
    vickrey = reverse_second_price(costs, reserve=ceiling)
    assert abs(descending.price - vickrey.price) <= step + SLACK
    assert costs[descending.winner] <= min(costs) + step
    ascending = reverse_dutch_clock(costs, start=0.0, increment=step, reserve=ceiling)
    pay_as_bid = reverse_first_price(costs, reserve=ceiling)
    assert pay_as_bid.price <= ascending.price <= pay_as_bid.price + step + SLACK


# --- determinism and errors ------------------------------------------------------------

@PROPERTY
@given(values_st, step_st)
def test_clocks_are_deterministic(values, step):
    calls = {
        "english": lambda: english_clock(values, step),
        "dutch": lambda: dutch_clock(values, 150.0, step),
        "reverse_english": lambda: reverse_english_clock(values, step, 150.0),
        "reverse_dutch": lambda: reverse_dutch_clock(values, 0.0, step, 150.0),
    }
    assert set(calls) == set(CLOCK_AUCTIONS)
    for call in calls.values():
        assert len({call() for _ in range(3)}) == 1


def test_clock_input_errors():
    with pytest.raises(MechanismInputError, match="increment"):
        english_clock([1.0], increment=0.0)
    with pytest.raises(MechanismInputError, match="value 1 is -1.0"):
        english_clock([1.0, -1.0], increment=1.0)
    with pytest.raises(MechanismInputError, match="reserve"):
        dutch_clock([1.0], start=5.0, decrement=1.0, reserve=6.0)
    with pytest.raises(MechanismInputError, match="reserve"):
        reverse_dutch_clock([1.0], start=0.0, increment=1.0)
    with pytest.raises(MechanismInputError, match="ask 0 is nan"):
        reverse_dutch_clock([math.nan], start=0.0, increment=1.0, reserve=3.0)

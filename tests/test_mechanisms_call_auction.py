"""Uniform-price call auction: hand cases and, for random order books, individual rationality,
no excluded order that would trade at the price, and maximal volume."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.mechanisms import MechanismInputError
from vmt.mechanisms.call_auction import uniform_price_call

prices = st.lists(st.integers(0, 20).map(float), max_size=8)


def test_price_is_the_midpoint_of_the_walrasian_interval():
    """Bids 9, 6, 2 and asks 1, 4, 8: two units cross; the interval is
    [max(ask_2 = 4, bid_3 = 2), min(bid_2 = 6, ask_3 = 8)] = [4, 6], price 5."""
    outcome = uniform_price_call([6.0, 2.0, 9.0], [8.0, 1.0, 4.0])
    assert (outcome.volume, outcome.price) == (2, 5.0)
    assert outcome.buying_bids.tolist() == [2, 0] and outcome.selling_asks.tolist() == [1, 2]


def test_empty_side_means_no_trade():
    assert uniform_price_call([], [1.0]).volume == 0
    assert np.isnan(uniform_price_call([3.0], []).price)


def test_bad_orders_are_refused_naming_them():
    with pytest.raises(MechanismInputError, match="bid 1"):
        uniform_price_call([1.0, -2.0], [0.0])


@settings(max_examples=80, deadline=None, derandomize=True)
@given(prices, prices)
def test_trades_are_individually_rational_and_volume_is_maximal(bids, asks):
    outcome = uniform_price_call(bids, asks)
    bids, asks = np.array(bids), np.array(asks)
    traded_bids, traded_asks = bids[outcome.buying_bids], asks[outcome.selling_asks]
    assert len(traded_bids) == len(traded_asks) == outcome.volume
    if outcome.volume:
        assert np.all(traded_bids >= outcome.price) and np.all(traded_asks <= outcome.price)
        left_bids = np.delete(bids, outcome.buying_bids)
        left_asks = np.delete(asks, outcome.selling_asks)
        assert np.all(left_bids <= outcome.price) and np.all(left_asks >= outcome.price)
    most = sum(b >= a for b, a in zip(sorted(bids, reverse=True), sorted(asks)))
    assert outcome.volume == most

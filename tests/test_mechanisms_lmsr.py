"""LMSR market maker: closed-form costs and prices, the b ln n loss bound,
numerical stability, path independence, ledger integration and determinism."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.mechanisms import LMSRMarket, Ledger, MechanismInputError, OverdraftError

PROPERTY = settings(max_examples=100, deadline=None, derandomize=True)


def test_fresh_market_prices_are_uniform_and_cost_is_b_ln_n():
    market = LMSRMarket(4, liquidity=10.0)
    assert np.allclose(market.prices(), 0.25)
    assert math.isclose(market.cost(), 10.0 * math.log(4), rel_tol=1e-15)


def test_cost_and_price_after_a_purchase_match_closed_form():
    b, x = 5.0, 10.0
    market = LMSRMarket(["yes", "no"], liquidity=b)
    paid = market.buy("t", "yes", x)
    assert math.isclose(paid, b * math.log((1 + math.exp(x / b)) / 2), rel_tol=1e-14)
    assert math.isclose(market.prices()[0], math.exp(x / b) / (1 + math.exp(x / b)), rel_tol=1e-14)


def test_myopic_trader_moves_price_to_its_belief():
    # Expected profit belief*x - cost(x) is maximised where the price equals the
    # belief: x* = b ln(belief (1 - p) / (p (1 - belief))) for a binary market.
    b, belief = 4.0, 0.8
    market = LMSRMarket(2, liquidity=b)
    grid = np.linspace(0.0, 20.0, 2001)
    profit = [belief * x - market.cost_to_buy(0, x) for x in grid]
    best = grid[int(np.argmax(profit))]
    assert abs(best - b * math.log(belief / (1 - belief))) <= 0.01
    market.buy("t", 0, best)
    assert abs(market.prices()[0] - belief) < 1e-3


@pytest.mark.parametrize("shares", [2.0, 10.0, 40.0, 120.0])
def test_loss_matches_closed_form_and_approaches_b_ln_n(shares):
    # Buying x shares of the winner from q = 0: loss = x - b ln((e^{x/b} + n - 1) / n),
    # which rises towards b ln n as x grows (gap b ln(1 + (n-1) e^{-x/b})).
    b, n = 2.0, 3
    market = LMSRMarket(n, liquidity=b)
    market.buy("whale", 0, shares)
    market.settle(0)
    expected = shares - b * math.log((math.exp(shares / b) + n - 1) / n)
    assert math.isclose(market.maker_loss, expected, rel_tol=1e-12)
    assert market.maker_loss <= market.loss_bound
    gap = b * math.log1p((n - 1) * math.exp(-shares / b))
    assert math.isclose(market.loss_bound - market.maker_loss, gap, rel_tol=1e-6, abs_tol=1e-13)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.floats(0.01, 50)), min_size=1, max_size=20),
       st.integers(0, 2), st.floats(0.5, 20))
def test_maker_loss_bounded_for_any_trade_sequence(trades, winner, b):
    market = LMSRMarket(3, liquidity=b)
    for trader, outcome, qty in trades:
        held = market.holdings(trader)[outcome]
        if held >= qty and qty < 5:
            market.sell(trader, outcome, qty)
        else:
            market.buy(trader, outcome, qty)
    assert market.worst_case_loss() <= market.loss_bound + 1e-9
    market.settle(winner)
    assert market.maker_loss <= market.loss_bound + 1e-9
    assert math.isclose(market.collected, market.cost() - b * math.log(3), rel_tol=1e-9, abs_tol=1e-9)


@PROPERTY
@given(st.lists(st.floats(0.01, 30), min_size=1, max_size=8), st.floats(0.5, 10))
def test_buying_in_pieces_costs_the_same_as_at_once(pieces, b):
    split, whole = LMSRMarket(2, b), LMSRMarket(2, b)
    paid = sum(split.buy("t", 1, x) for x in pieces)
    assert math.isclose(paid, whole.buy("t", 1, sum(pieces)), rel_tol=1e-9)


def test_numerically_stable_for_huge_positions():
    market = LMSRMarket(3, liquidity=1.0)
    market.buy("whale", 0, 1e7)  # exp(1e7) would overflow
    prices = market.prices()
    assert np.all(np.isfinite(prices)) and math.isclose(prices.sum(), 1.0)
    assert math.isfinite(market.cost())
    # a small extra purchase costs ~ price * qty; computing C(q') - C(q) naively
    # at magnitude 1e7 would lose about 7 of the 16 significant digits.
    assert math.isclose(market.cost_to_buy(0, 1e-3), 1e-3, rel_tol=1e-12)
    assert 0.0 <= market.cost_to_buy(1, 1.0) < 1e-300  # price of outcome 1 is e^-1e7


def test_ledger_integration_conserves_money_and_refuses_overspending():
    ledger = Ledger({"mm": 10.0, "alice": 3.0})
    market = LMSRMarket(["yes", "no"], liquidity=5.0, ledger=ledger, maker="mm")
    with pytest.raises(OverdraftError, match="alice"):
        market.buy("alice", "yes", 20.0)
    assert market.quantities.tolist() == [0.0, 0.0] and ledger.balance("alice") == 3.0
    market.buy("alice", "yes", 4.0)
    market.settle("yes")
    assert ledger.balance("alice") == pytest.approx(3.0 - market.collected + 4.0)
    assert ledger.total_money == pytest.approx(13.0, abs=1e-12)
    assert ledger.balance("mm") >= 0.0


def test_underfunded_market_maker_is_refused():
    with pytest.raises(MechanismInputError, match="worst-case subsidy"):
        LMSRMarket(2, liquidity=5.0, ledger=Ledger({"mm": 1.0}), maker="mm")


def test_input_errors():
    market = LMSRMarket(["a", "b"], liquidity=1.0)
    with pytest.raises(MechanismInputError, match="unknown outcome 'c'"):
        market.buy("t", "c", 1.0)
    with pytest.raises(MechanismInputError, match="quantity"):
        market.buy("t", "a", -1.0)
    with pytest.raises(MechanismInputError, match="cannot sell"):
        market.sell("t", "a", 1.0)
    with pytest.raises(MechanismInputError, match="liquidity"):
        LMSRMarket(2, liquidity=0.0)
    with pytest.raises(MechanismInputError, match="at least 2 distinct"):
        LMSRMarket(["a", "a"], liquidity=1.0)
    market.settle("a")
    with pytest.raises(MechanismInputError, match="already settled"):
        market.buy("t", "a", 1.0)


def test_same_trades_same_numbers():
    def run():
        market = LMSRMarket(3, liquidity=2.5)
        paid = [market.buy("t", k % 3, 1.0 + k) for k in range(6)]
        return paid, market.prices().tolist(), market.settle(1)
    assert run() == run()

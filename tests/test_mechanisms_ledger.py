"""Ledger: transfers conserve money, overdrafts are refused without side effects."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmt.mechanisms import Ledger, MechanismInputError, OverdraftError

PROPERTY = settings(max_examples=100, deadline=None, derandomize=True)


def test_transfer_moves_money_and_is_recorded():
    ledger = Ledger({"alice": 10.0, "bob": 0.0})
    ledger.transfer("alice", "bob", 4.0, memo="rent")
    assert ledger.balances == {"alice": 6.0, "bob": 4.0}
    assert ledger.history[-1].payer == "alice" and ledger.history[-1].memo == "rent"


def test_overdraft_is_refused_with_a_clear_error_and_changes_nothing():
    ledger = Ledger({"alice": 3.0, "bob": 0.0})
    with pytest.raises(OverdraftError, match="account 'alice' cannot pay 5.0 for lunch: its balance is 3.0"):
        ledger.transfer("alice", "bob", 5.0, memo="lunch")
    assert ledger.balances == {"alice": 3.0, "bob": 0.0}
    assert len(ledger.history) == 2  # the two opening balances only


def test_spending_the_whole_balance_is_allowed():
    ledger = Ledger({"alice": 0.3, "bob": 0.0})
    ledger.transfer("alice", "bob", 0.1)
    ledger.transfer("alice", "bob", 0.2)
    assert ledger.balance("alice") >= 0.0


@pytest.mark.parametrize("amount", [-1.0, math.nan, math.inf, "x", True])
def test_bad_amounts_raise(amount):
    ledger = Ledger({"alice": 3.0, "bob": 0.0})
    with pytest.raises(MechanismInputError, match="amount"):
        ledger.transfer("alice", "bob", amount)


def test_unknown_and_duplicate_accounts_raise():
    ledger = Ledger({"alice": 3.0})
    with pytest.raises(MechanismInputError, match="unknown account 'carol'"):
        ledger.transfer("alice", "carol", 1.0)
    with pytest.raises(MechanismInputError, match="account 'alice' already exists"):
        ledger.open_account("alice")


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 30)), max_size=40))
def test_random_transfers_conserve_money_and_never_overdraw(moves):
    ledger = Ledger({k: 20.0 for k in range(4)})
    for payer, payee, amount in moves:
        if ledger.can_afford(payer, amount):
            ledger.transfer(payer, payee, amount)
        else:
            with pytest.raises(OverdraftError):
                ledger.transfer(payer, payee, amount)
        assert min(ledger.balances.values()) >= 0.0
    assert ledger.total_money == ledger.total_minted == 80.0


def test_same_operations_same_history():
    def run():
        ledger = Ledger({"a": 1.5, "b": 0.0})
        ledger.transfer("a", "b", 0.7, memo="x")
        ledger.transfer("b", "a", 0.2)
        return ledger.history, ledger.balances
    assert run() == run()

"""Assurance and dominant assurance contracts: funding, refunds, bonuses, escrow
refusals, and the dominance of pledging checked over every strategy profile."""

import itertools

import pytest

from vmt.mechanisms import AssuranceContract, Ledger, MechanismInputError, OverdraftError


def test_threshold_met_funds_the_project():
    ledger = Ledger({"a": 10.0, "b": 10.0, "project": 0.0})
    contract = AssuranceContract(ledger, "project", threshold=8.0)
    contract.pledge("a", 5.0)
    contract.pledge("b", 3.0)
    outcome = contract.resolve()
    assert outcome.funded and outcome.total_pledged == 8.0
    assert ledger.balance("project") == 8.0 and ledger.balance("a") == 5.0 and ledger.balance("b") == 7.0


def test_threshold_missed_refunds_exactly():
    ledger = Ledger({"a": 0.3, "project": 0.0})
    contract = AssuranceContract(ledger, "project", threshold=1.0)
    contract.pledge("a", 0.3)
    outcome = contract.resolve()
    assert not outcome.funded and outcome.payments == {"a": 0.3}
    assert ledger.balance("a") == 0.3 and ledger.balance("project") == 0.0


def test_dominant_contract_pays_bonus_on_failure_and_returns_it_on_success():
    ledger = Ledger({"a": 10.0, "b": 10.0, "project": 0.0, "ent": 5.0})
    failing = AssuranceContract(ledger, "project", 100.0, refund_bonus=1.0, entrepreneur="ent", name="fail")
    failing.pledge("a", 4.0)
    failing.pledge("b", 4.0)
    assert failing.resolve().payments == {"a": 5.0, "b": 5.0}
    assert ledger.balance("ent") == 3.0 and ledger.balance("a") == 11.0
    succeeding = AssuranceContract(ledger, "project", 8.0, refund_bonus=1.0, entrepreneur="ent", name="ok")
    succeeding.pledge("a", 4.0)
    succeeding.pledge("b", 4.0)
    assert succeeding.resolve().payments == {"project": 8.0, "ent": 2.0}
    assert ledger.balance("ent") == 3.0 and ledger.total_money == ledger.total_minted


def test_pledges_that_cannot_be_escrowed_are_refused_without_moving_money():
    ledger = Ledger({"a": 2.0, "b": 10.0, "project": 0.0, "ent": 0.5})
    contract = AssuranceContract(ledger, "project", 10.0, refund_bonus=1.0, entrepreneur="ent")
    with pytest.raises(OverdraftError, match="'a' holds 2.0 and cannot escrow 3.0"):
        contract.pledge("a", 3.0)
    with pytest.raises(OverdraftError, match="'ent' holds 0.5 and cannot escrow 1.0"):
        contract.pledge("b", 3.0)
    assert ledger.balances == {"a": 2.0, "b": 10.0, "project": 0.0, "ent": 0.5}
    assert contract.pledges == {}


def test_input_errors():
    ledger = Ledger({"a": 10.0, "project": 0.0, "ent": 10.0})
    with pytest.raises(MechanismInputError, match="needs an entrepreneur"):
        AssuranceContract(ledger, "project", 5.0, refund_bonus=1.0)
    with pytest.raises(MechanismInputError, match="threshold"):
        AssuranceContract(ledger, "project", 0.0)
    contract = AssuranceContract(ledger, "project", 5.0, refund_bonus=1.0, entrepreneur="ent")
    with pytest.raises(MechanismInputError, match="pledge of 'a'"):
        contract.pledge("a", -2.0)
    with pytest.raises(MechanismInputError, match="entrepreneur 'ent' cannot pledge"):
        contract.pledge("ent", 2.0)
    contract.pledge("a", 2.0)
    with pytest.raises(MechanismInputError, match="already pledged"):
        contract.pledge("a", 2.0)
    contract.resolve()
    with pytest.raises(MechanismInputError, match="already resolved"):
        contract.resolve()


VALUE, PLEDGE, PLAYERS = 10.0, 4.0, 3


def payoff(player, profile, bonus):
    """Money gained plus the public good's value, by running the contract."""
    accounts = {p: 100.0 for p in range(PLAYERS)} | {"project": 0.0, "ent": 100.0}
    ledger = Ledger(accounts)
    contract = AssuranceContract(ledger, "project", PLEDGE * PLAYERS, refund_bonus=bonus,
                                 entrepreneur="ent" if bonus else None)
    for p, pledges in enumerate(profile):
        if pledges:
            contract.pledge(p, PLEDGE)
    funded = contract.resolve().funded
    return ledger.balance(player) - 100.0 + (VALUE if funded else 0.0)


def compare_pledging(bonus):
    """(pledge payoff - abstain payoff) for player 0 over every profile of the others."""
    gains = []
    for others in itertools.product([False, True], repeat=PLAYERS - 1):
        gains.append(payoff(0, (True,) + others, bonus) - payoff(0, (False,) + others, bonus))
    return gains


def test_plain_assurance_contract_pledging_only_weakly_dominant():
    gains = compare_pledging(bonus=0.0)
    assert min(gains) == 0.0  # if the others hold back, pledging gains nothing
    assert max(gains) == VALUE - PLEDGE


def test_dominant_assurance_contract_makes_pledging_strictly_dominant():
    gains = compare_pledging(bonus=1.0)
    assert min(gains) > 0.0
    assert sorted(set(gains)) == [1.0, VALUE - PLEDGE]


def test_same_pledges_same_ledger_history():
    def run():
        ledger = Ledger({"a": 5.0, "b": 5.0, "project": 0.0, "ent": 3.0})
        contract = AssuranceContract(ledger, "project", 20.0, refund_bonus=0.5, entrepreneur="ent")
        contract.pledge("a", 2.5)
        contract.pledge("b", 1.5)
        return contract.resolve(), ledger.history
    assert run() == run()

"""Assurance contracts and dominant assurance contracts for public goods.

Assurance contract ("free riding"): contributors pledge money
towards a project; if the pledges reach the threshold by the deadline they
are all collected and the project is funded, otherwise every pledge is
refunded. Nobody risks paying for a project that does not happen, but not
pledging is still an equilibrium: if nobody else pledges, pledging gains
nothing.

Dominant assurance contract (A. Tabarrok 1998, "The private provision of
public goods via dominant assurance contracts", Public Choice 96): an
entrepreneur adds a refund bonus ``r > 0``, paid to every pledger if the
threshold fails. When the project needs every pledge (threshold equal to the
sum of the required pledges) and each contributor values the good above its
pledge, pledging becomes strictly dominant: if the others all pledge, my
pledge makes the project happen (value - pledge > 0); if not, I collect the
bonus (r > 0). The entrepreneur is paid from the funds when the project
succeeds and is out of pocket ``r`` per pledger when it fails.

Pledges are escrowed in the ledger when made, so no pledger can promise
money it does not have; for a dominant contract the entrepreneur escrows each
pledge's bonus at the same time, so the bonus is always payable. A pledge
either party cannot cover is refused with an OverdraftError and moves no
money. When funded, all pledges (also any above the threshold) go to the
project and the escrowed bonuses back to the entrepreneur.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from vmt.mechanisms._validation import validated_amount, validated_positive
from vmt.mechanisms.errors import MechanismInputError, OverdraftError
from vmt.mechanisms.ledger import Ledger


@dataclass(frozen=True)
class AssuranceOutcome:
    """How a contract resolved: funded or not, pledged total, money sent to each account."""

    funded: bool
    total_pledged: float
    payments: dict[Hashable, float]


class AssuranceContract:
    """All-or-nothing pledge drive, optionally with a refund bonus.

    Parameters
    ----------
    ledger : Ledger
        Accounts of pledgers, the project and (if any) the entrepreneur.
    project : hashable
        Account that receives the pledges when the threshold is met.
    threshold : float
        Total pledges needed (> 0); met when ``total >= threshold``.
    refund_bonus : float
        Bonus per pledger paid when the threshold fails (0: plain contract).
    entrepreneur : hashable, optional
        Account that pays the bonuses; required when ``refund_bonus > 0``.
    name : hashable
        Prefix of the escrow accounts ``(name, "escrow", contributor)``, one
        per pledge, so that every escrowed amount is returned exactly.
    """

    def __init__(self, ledger: Ledger, project: Hashable, threshold: float,
                 refund_bonus: float = 0.0, entrepreneur: Hashable | None = None,
                 name: Hashable = "assurance") -> None:
        self.ledger, self.project, self.name = ledger, project, name
        self.threshold = validated_positive(threshold, "threshold")
        self.refund_bonus = validated_amount(refund_bonus, "refund_bonus")
        if self.refund_bonus > 0 and entrepreneur is None:
            raise MechanismInputError("a dominant assurance contract (refund_bonus > 0) needs an entrepreneur account")
        self.entrepreneur = entrepreneur
        ledger.balance(project)  # raises if the project account is unknown
        self.pledges: dict[Hashable, float] = {}
        self.outcome: AssuranceOutcome | None = None

    @property
    def total_pledged(self) -> float:
        """Sum of pledges so far."""
        return math.fsum(self.pledges.values())

    def pledge(self, contributor: Hashable, amount: float) -> None:
        """Escrow ``amount`` (> 0) from ``contributor`` (and the entrepreneur's
        bonus for it); one pledge per contributor."""
        self._check_pledger(contributor)
        amount = validated_positive(amount, f"pledge of {contributor!r}")
        self._require_funds(contributor, amount, "its pledge")
        if self.refund_bonus > 0:
            self._require_funds(self.entrepreneur, self.refund_bonus, f"the refund bonus for {contributor!r}")
        escrow = self._escrow(contributor)
        self.ledger.open_account(escrow)
        self.ledger.transfer(contributor, escrow, amount, memo="pledge")
        if self.refund_bonus > 0:
            self.ledger.transfer(self.entrepreneur, escrow, self.refund_bonus,
                                 memo=f"refund bonus for {contributor!r}")
        self.pledges[contributor] = amount

    def resolve(self) -> AssuranceOutcome:
        """At the deadline: fund the project or refund (plus bonus) every pledger."""
        if self.outcome is not None:
            raise MechanismInputError("the contract is already resolved")
        total = self.total_pledged
        funded = total >= self.threshold
        payments: dict[Hashable, float] = {}
        for contributor, amount in self.pledges.items():
            escrow = self._escrow(contributor)
            if funded:
                self._pay(payments, escrow, self.project, amount, "assurance contract funded")
                if self.refund_bonus > 0:
                    self._pay_rest(payments, escrow, self.entrepreneur, "unused refund bonus")
            else:
                self._pay_rest(payments, escrow, contributor, "refund")
        self.outcome = AssuranceOutcome(funded, total, payments)
        return self.outcome

    def _pay(self, payments, escrow, payee, amount: float, memo: str) -> None:
        self.ledger.transfer(escrow, payee, amount, memo=memo)
        payments[payee] = payments.get(payee, 0.0) + amount

    def _pay_rest(self, payments, escrow, payee, memo: str) -> None:
        amount = self.ledger.transfer_all(escrow, payee, memo=memo)
        payments[payee] = payments.get(payee, 0.0) + amount

    def _escrow(self, contributor: Hashable) -> tuple:
        return (self.name, "escrow", contributor)

    def _check_pledger(self, contributor: Hashable) -> None:
        if self.outcome is not None:
            raise MechanismInputError("the contract is already resolved")
        if contributor in self.pledges:
            raise MechanismInputError(f"{contributor!r} has already pledged {self.pledges[contributor]!r}")
        if self.refund_bonus > 0 and contributor == self.entrepreneur:
            raise MechanismInputError(f"the entrepreneur {contributor!r} cannot pledge to its own contract")

    def _require_funds(self, account: Hashable, amount: float, purpose: str) -> None:
        if not self.ledger.can_afford(account, amount):
            raise OverdraftError(
                f"{account!r} holds {self.ledger.balance(account)!r} and cannot escrow {amount!r} "
                f"for {purpose}; the pledge was refused")

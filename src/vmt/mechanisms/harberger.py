"""Harberger tax (common-ownership self-assessed tax, COST).

Every asset has an owner and a self-assessed value ``a``. Each period the
owner pays ``tax_rate * a`` to the treasury, and anyone may buy the asset at
any time by offering at least ``a``; the sale is forced and happens at the
assessed price ``a`` (not at the offer), after which the buyer announces its
own assessment.

Why: a high assessment costs tax, a low one invites a buyer, so the owner
trades off the two. With buyers' values distributed by ``F`` and an owner
who values the asset at ``v``, the owner's expected payoff for one period is

    U(a) = v F(a) + a (1 - F(a)) - tax_rate * a,

and ``U'(v) = (1 - F(v)) - tax_rate``: truthful assessment ``a = v`` is
optimal exactly when the tax rate equals the probability that a buyer values
the asset above ``v`` (the turnover rate). Posner & Weyl (2017), "Property
is only another name for monopoly", J. Legal Analysis 9(1)
("tragedy of the commons").

Money moves through a :class:`~vmt.mechanisms.ledger.Ledger`, so a buyer
cannot pay more than it has, and tax collection is all-or-nothing: if any
owner cannot pay, nobody is charged and the error names that owner.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from vmt.mechanisms._validation import validated_amount
from vmt.mechanisms.errors import MechanismInputError, OverdraftError
from vmt.mechanisms.ledger import Ledger


@dataclass(frozen=True)
class Holding:
    """Who owns an asset and at what self-assessed value."""

    owner: Hashable
    assessed_value: float


class HarbergerRegistry:
    """Registry of Harberger-taxed assets.

    Parameters
    ----------
    ledger : Ledger
        Where owners, buyers and the treasury keep their money.
    tax_rate : float
        Tax per period as a fraction of the assessed value (0 <= rate <= 1).
    treasury : hashable
        Ledger account that receives the tax (opened with 0 if missing).
    """

    def __init__(self, ledger: Ledger, tax_rate: float, treasury: Hashable = "treasury") -> None:
        rate = validated_amount(tax_rate, "tax_rate")
        if rate > 1:
            raise MechanismInputError(f"tax_rate is {tax_rate!r}: it must be between 0 and 1 per period")
        self.ledger, self.tax_rate, self.treasury = ledger, rate, treasury
        if not ledger.has_account(treasury):
            ledger.open_account(treasury)
        self._holdings: dict[Hashable, Holding] = {}

    def register(self, asset: Hashable, owner: Hashable, assessed_value: float) -> None:
        """Record a new asset with its first owner and self-assessment."""
        if asset in self._holdings:
            raise MechanismInputError(f"asset {asset!r} is already registered")
        self.ledger.balance(owner)  # raises if the owner has no account
        self._holdings[asset] = Holding(owner, validated_amount(assessed_value, f"assessment of {asset!r}"))

    def holding(self, asset: Hashable) -> Holding:
        """Current owner and assessment of ``asset``."""
        if asset not in self._holdings:
            raise MechanismInputError(f"unknown asset {asset!r}; registered: {sorted(map(str, self._holdings))}")
        return self._holdings[asset]

    def reassess(self, asset: Hashable, owner: Hashable, assessed_value: float) -> None:
        """The owner announces a new self-assessed value."""
        if self.holding(asset).owner != owner:
            raise MechanismInputError(f"{owner!r} does not own asset {asset!r} and cannot reassess it")
        self._holdings[asset] = Holding(owner, validated_amount(assessed_value, f"assessment of {asset!r}"))

    def tax_due(self) -> dict[Hashable, float]:
        """Tax each owner owes this period: ``tax_rate * sum of its assessments``."""
        due: dict[Hashable, float] = {}
        for holding in self._holdings.values():
            due[holding.owner] = due.get(holding.owner, 0.0) + self.tax_rate * holding.assessed_value
        return due

    def collect_tax(self) -> dict[Hashable, float]:
        """Charge one period of tax to every owner, or nobody if someone cannot pay."""
        due = self.tax_due()
        for owner, amount in due.items():
            if not self.ledger.can_afford(owner, amount):
                raise OverdraftError(
                    f"owner {owner!r} owes tax {amount!r} but holds {self.ledger.balance(owner)!r}; "
                    "no tax was collected this period")
        for owner, amount in due.items():
            self.ledger.transfer(owner, self.treasury, amount, memo="Harberger tax")
        return due

    def buy(self, asset: Hashable, buyer: Hashable, offer: float, new_assessment: float) -> bool:
        """Forced sale: if ``offer >= assessed value`` the buyer pays the assessed
        value to the owner and becomes the owner at ``new_assessment``.

        Returns True if the asset changed hands, False if the offer was below
        the assessment. Raises if the buyer already owns it or cannot pay.
        """
        holding = self.holding(asset)
        offer = validated_amount(offer, f"offer for {asset!r}")
        assessment = validated_amount(new_assessment, f"assessment of {asset!r}")
        if buyer == holding.owner:
            raise MechanismInputError(f"{buyer!r} already owns asset {asset!r}")
        if offer < holding.assessed_value:
            return False
        self.ledger.transfer(buyer, holding.owner, holding.assessed_value, memo=f"forced sale of {asset!r}")
        self._holdings[asset] = Holding(buyer, assessment)
        return True

"""Accounts whose balances can never go negative.

("Principle 2: budget constraints") asks that an agent with no
budget cannot spend. :class:`Ledger` enforces it at the only place money
moves: a transfer that would overdraw the payer is refused with an
:class:`~vmt.mechanisms.errors.OverdraftError` and changes nothing.

Money is conserved by transfers; it enters only through :meth:`Ledger.mint`
(endowments, explicit scenario rules), which is recorded like any transfer
with payer ``None``.

Amounts are given and reported as floats but balances are kept as decimals
of the amounts' shortest representation (``Decimal(repr(x))``, 60 digits), so
an account holding 0.3 can pay 0.1 and then 0.2 (in binary floating point
``0.3 - 0.1 < 0.2`` and the second payment would bounce), and the money total
is conserved exactly rather than up to round-off.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal

from vmt.mechanisms.errors import MechanismInputError, OverdraftError


@dataclass(frozen=True)
class Transfer:
    """One recorded movement of money (``payer`` is None for minted money)."""

    payer: Hashable | None
    payee: Hashable
    amount: float
    memo: str = ""


_EXACT = Context(prec=60)


def _decimal(amount: float) -> Decimal:
    return Decimal(repr(amount))


def _exact_sum(values) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = _EXACT.add(total, value)
    return total


def _checked_amount(amount, memo: str) -> float:
    try:
        number = float(amount)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(amount, bool) or not math.isfinite(number) or number < 0:
        label = f" ({memo})" if memo else ""
        raise MechanismInputError(f"amount {amount!r}{label} must be a finite non-negative number")
    return number


class Ledger:
    """Named accounts with non-negative balances and a transfer history.

    Parameters
    ----------
    balances : mapping, optional
        Opening balances (minted), e.g. ``{"alice": 100.0}``.
    """

    def __init__(self, balances: Mapping[Hashable, float] | None = None) -> None:
        self._balances: dict[Hashable, Decimal] = {}
        self._history: list[Transfer] = []
        for account, amount in (balances or {}).items():
            self.open_account(account, amount)

    def open_account(self, account: Hashable, balance: float = 0.0) -> None:
        """Create ``account`` with an opening (minted) balance."""
        if account in self._balances:
            raise MechanismInputError(f"account {account!r} already exists")
        self._balances[account] = Decimal(0)
        self.mint(account, balance, memo="opening balance")

    def has_account(self, account: Hashable) -> bool:
        """True if ``account`` exists."""
        return account in self._balances

    def balance(self, account: Hashable) -> float:
        """Current balance of ``account``."""
        self._require(account)
        return float(self._balances[account])

    def can_afford(self, account: Hashable, amount: float) -> bool:
        """True if ``account`` could pay ``amount`` now."""
        self._require(account)
        return self._balances[account] >= _decimal(_checked_amount(amount, ""))

    def mint(self, account: Hashable, amount: float, memo: str = "") -> Transfer:
        """Create money in ``account`` (endowments); the only source of new money."""
        self._require(account)
        record = Transfer(None, account, _checked_amount(amount, memo), memo)
        self._balances[account] = _EXACT.add(self._balances[account], _decimal(record.amount))
        self._history.append(record)
        return record

    def transfer(self, payer: Hashable, payee: Hashable, amount: float, memo: str = "") -> Transfer:
        """Move ``amount`` from ``payer`` to ``payee`` or refuse without side effects.

        Raises
        ------
        OverdraftError
            If the payer's balance is below ``amount``.
        """
        amount = _checked_amount(amount, memo)
        self._require(payer)
        self._require(payee)
        exact = _decimal(amount)
        if self._balances[payer] < exact:
            label = f" for {memo}" if memo else ""
            raise OverdraftError(
                f"account {payer!r} cannot pay {amount!r}{label}: its balance is "
                f"{float(self._balances[payer])!r} and balances may not go negative")
        self._balances[payer] = _EXACT.subtract(self._balances[payer], exact)
        self._balances[payee] = _EXACT.add(self._balances[payee], exact)
        record = Transfer(payer, payee, amount, memo)
        self._history.append(record)
        return record

    def transfer_all(self, payer: Hashable, payee: Hashable, memo: str = "") -> float:
        """Move the payer's entire (exact) balance to ``payee``; returns it as a float.

        Use this rather than ``transfer(payer, payee, balance(payer))``: the
        float shown by :meth:`balance` may round above the exact balance.
        """
        self._require(payer)
        self._require(payee)
        exact = self._balances[payer]
        self._balances[payer] = Decimal(0)
        self._balances[payee] = _EXACT.add(self._balances[payee], exact)
        self._history.append(Transfer(payer, payee, float(exact), memo))
        return float(exact)

    @property
    def balances(self) -> dict[Hashable, float]:
        """Copy of all balances."""
        return {account: float(balance) for account, balance in self._balances.items()}

    @property
    def history(self) -> tuple[Transfer, ...]:
        """Every transfer and mint, in order."""
        return tuple(self._history)

    @property
    def total_money(self) -> float:
        """Sum of all balances; changes only through :meth:`mint`."""
        return float(_exact_sum(self._balances.values()))

    @property
    def total_minted(self) -> float:
        """Sum of all minted amounts."""
        return float(_exact_sum(_decimal(t.amount) for t in self._history if t.payer is None))

    def _require(self, account: Hashable) -> None:
        if account not in self._balances:
            raise MechanismInputError(
                f"unknown account {account!r}; open it first with Ledger.open_account")

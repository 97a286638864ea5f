"""Errors raised by the mechanism library.

Every error a caller can cause by handing a mechanism bad input is a
:class:`MechanismInputError`, a ``ValueError`` whose message names the
offending bid, bundle, account or parameter so that it can be fixed. A solver
that cannot *prove* its answer optimal within the time budget raises
:class:`WinnerDeterminationFailure` instead of returning a possibly wrong
allocation.
"""

from __future__ import annotations


class MechanismInputError(ValueError):
    """Bad input to a mechanism: negative or non-finite bid, empty bundle,
    unknown item, duplicate bidder id, missing reserve, and so on."""


class OverdraftError(MechanismInputError):
    """A payment would take an account below zero; the ledger refuses it."""


class WinnerDeterminationFailure(RuntimeError):
    """The integer program was not solved to proven optimality.

    Attributes
    ----------
    status : str
        Short machine-readable reason: ``"time_limit"``, ``"infeasible"``,
        ``"unbounded"`` or ``"solver_error"``.
    """

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status

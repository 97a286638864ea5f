"""Shared checks that turn raw user input into clean arrays or raise
:class:`~vmt.mechanisms.errors.MechanismInputError` naming the culprit."""

from __future__ import annotations

import math

import numpy as np

from vmt.mechanisms.errors import MechanismInputError


def validated_amounts(amounts, what: str = "bid") -> np.ndarray:
    """Return ``amounts`` as a fresh read-only 1-D float64 array.

    Raises if it is not one-dimensional or any entry is NaN, infinite or
    negative; the message gives the index and value of the first bad entry.
    """
    try:
        array = np.array(amounts, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise MechanismInputError(f"{what}s must be numbers: {exc}") from None
    if array.ndim != 1:
        raise MechanismInputError(
            f"{what}s must be a one-dimensional sequence, got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array) | (array < 0))
    if bad.size:
        i = int(bad[0])
        raise MechanismInputError(
            f"{what} {i} is {float(array[i])!r}: {what}s must be finite and non-negative")
    array.setflags(write=False)
    return array


def validated_amount(value, what: str, allow_none: bool = False) -> float | None:
    """Return one finite non-negative number as a float (or None if allowed)."""
    if value is None and allow_none:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MechanismInputError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise MechanismInputError(f"{what} is {value!r}: it must be finite and non-negative")
    return number


def validated_positive(value, what: str) -> float:
    """Return one finite strictly positive number as a float."""
    number = validated_amount(value, what)
    if number <= 0:
        raise MechanismInputError(f"{what} is {value!r}: it must be strictly positive")
    return number


def validated_units(units) -> int:
    """Return the number of identical units on sale, an integer >= 1."""
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise MechanismInputError(f"units is {units!r}: it must be an integer >= 1")
    return int(units)

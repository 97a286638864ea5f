"""The error a ``Simulation`` raises for a bad argument or an unusable state."""

from __future__ import annotations

import numbers

_INT64_MAX = 2**63 - 1


class SimulationError(ValueError):
    """A bad argument to the Python API, or a simulation that cannot go on.

    The message is one paragraph naming the argument (or the state) and what
    to do instead.
    """


def checked_count(name: str, value, *, upper: int = _INT64_MAX) -> int:
    """``value`` as a Python int in ``[0, upper]``, else a SimulationError naming ``name``.

    Accepts Python and numpy integers and integral floats (``1e3``); rejects
    booleans, fractions, NaN, infinities and anything else.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SimulationError(f"{name} must be a whole number, got {_short(value)} "
                              f"({type(value).__name__}).")
    if isinstance(value, numbers.Integral):
        number = int(value)
    elif value != value or value in (float("inf"), float("-inf")) or value != int(value):
        raise SimulationError(f"{name} must be a whole number, got {_short(value)}.")
    else:
        number = int(value)
    if not 0 <= number <= upper:
        raise SimulationError(f"{name} must be between 0 and {upper}, got {_short(number)}.")
    return number


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."

"""The one exception type of the telemetry layer."""

from __future__ import annotations


class TelemetryError(ValueError):
    """A telemetry file or a telemetry call is unusable as given.

    Raised with a one-paragraph message that names the file (or the table and
    column) and says what is wrong and what to do about it: a missing or
    damaged file, a file that is not a VMT telemetry database, an unknown
    table, column or run id, ragged columns, a NaN where NULL is not allowed.
    It subclasses :class:`ValueError` because every case is bad input from the
    caller's point of view.
    """

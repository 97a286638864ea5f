"""Turning the engine's column arrays into lists of Python values for SQLite.

The writer receives one numpy array (or list, or scalar) per column. Each is
validated against its :class:`~vmt.telemetry.schema.Column` declaration and
converted with ``ndarray.tolist()`` — which yields Python ``int``/``float``/
``str`` in one C loop, far faster than converting element by element — so that
``executemany`` can bind the values directly. NaN (or ``None``, or a masked
entry) becomes SQL NULL where the column is nullable and is an error where it
is not. A scalar is broadcast to the common length of the array columns.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from vmt.telemetry.errors import TelemetryError
from vmt.telemetry.schema import Column, Table

_INT64_MAX = np.iinfo(np.int64).max


def _where(table: Table, column: Column) -> str:
    return f"telemetry table {table.name!r}, column {column.name!r}"


def _as_array(values: Any, dtype=None) -> np.ndarray:
    if isinstance(values, np.ma.MaskedArray):
        filled = values.astype(object).filled(None)
        return np.asarray(filled, dtype=dtype) if dtype else filled
    return np.asarray(values, dtype=dtype)


def _blank_missing(values: list, missing: np.ndarray) -> list:
    for i in np.flatnonzero(missing).tolist():
        values[i] = None
    return values


def _check_missing(table: Table, column: Column, missing: np.ndarray) -> None:
    if not column.nullable and missing.any():
        raise TelemetryError(
            f"{_where(table, column)}: {int(missing.sum())} value(s) are NaN/None "
            f"(first at row {int(np.flatnonzero(missing)[0])}) but this column cannot "
            "be NULL; fix the values before appending them.")


def _check_nonnegative(table: Table, column: Column, arr: np.ndarray) -> None:
    if column.nonnegative and arr.size and (arr < 0).any():
        row = int(np.flatnonzero(arr < 0)[0])
        raise TelemetryError(
            f"{_where(table, column)}: values must be non-negative but row {row} "
            f"holds {arr[row]!r}.")


def _reals(table: Table, column: Column, values: Any) -> list:
    try:
        arr = _as_array(values, np.float64)
    except (TypeError, ValueError) as exc:
        raise TelemetryError(f"{_where(table, column)}: expected real numbers ({exc}).") from None
    missing = np.isnan(arr)
    _check_missing(table, column, missing)
    _check_nonnegative(table, column, np.where(missing, 0.0, arr))
    out = arr.tolist()
    return _blank_missing(out, missing) if missing.any() else out


def _integers(table: Table, column: Column, values: Any) -> list:
    arr = _as_array(values)
    if arr.dtype.kind in "biu":
        if arr.dtype.kind == "u" and arr.size and arr.max() > _INT64_MAX:
            raise TelemetryError(f"{_where(table, column)}: values exceed the int64 range.")
        _check_nonnegative(table, column, arr)
        return arr.astype(np.int64, copy=False).tolist()
    reals = _reals_for_integers(table, column, arr)
    missing = np.isnan(reals)
    out = np.where(missing, 0, reals).astype(np.int64).tolist()
    return _blank_missing(out, missing) if missing.any() else out


def _reals_for_integers(table: Table, column: Column, arr: np.ndarray) -> np.ndarray:
    try:
        reals = _as_array(arr, np.float64)
    except (TypeError, ValueError):
        raise TelemetryError(
            f"{_where(table, column)}: expected integers, got values of dtype {arr.dtype}.") from None
    missing = np.isnan(reals)
    _check_missing(table, column, missing)
    present = reals[~missing]
    if (present != np.round(present)).any() or (np.abs(present) > _INT64_MAX).any():
        raise TelemetryError(f"{_where(table, column)}: expected integers, got non-integral "
                             f"values such as {present[present != np.round(present)][:1].tolist()}.")
    _check_nonnegative(table, column, present)
    return reals


def _text_value(table: Table, column: Column, value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=json_default)
    raise TelemetryError(f"{_where(table, column)}: expected text, got {type(value).__name__} {value!r}.")


def json_default(value: Any) -> Any:
    """Make numpy scalars and arrays JSON-serialisable as Python values."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _texts(table: Table, column: Column, values: Any) -> list:
    out = values.tolist() if isinstance(values, np.ndarray) else list(values)
    distinct = set(out) if all(type(v) is str for v in out) else None  # the fast path: all text
    if distinct is None:
        out = [_text_value(table, column, v) for v in out]
        _check_missing(table, column, np.fromiter((v is None for v in out), bool, len(out)))
        distinct = set(out)
    if column.choices is not None:
        bad = distinct - set(column.choices) - {None}
        if bad:
            raise TelemetryError(f"{_where(table, column)}: unknown value(s) {sorted(bad)}; "
                                 f"valid values are {list(column.choices)}.")
    return out


CONVERTERS = {"INTEGER": _integers, "REAL": _reals, "TEXT": _texts}


def _is_scalar(values: Any) -> bool:
    return isinstance(values, (str, dict)) or values is None or np.ndim(values) == 0


def row_count(table: Table, supplied: dict[str, Any]) -> int:
    """Common length of the supplied array columns (1 if all are scalars)."""
    lengths = {name: len(v) for name, v in supplied.items() if not _is_scalar(v)}
    for name, v in supplied.items():
        if not _is_scalar(v) and np.ndim(v) != 1:
            raise TelemetryError(f"telemetry table {table.name!r}, column {name!r}: expected "
                                 f"a 1-D array, got {np.ndim(v)} dimensions.")
    if len(set(lengths.values())) > 1:
        raise TelemetryError(f"telemetry table {table.name!r}: columns have different lengths "
                             f"{lengths}; every column of one append must have the same length.")
    return next(iter(lengths.values())) if lengths else 1


def check_column_names(table: Table, supplied: dict[str, Any]) -> None:
    """Reject unknown columns, ``run_id`` and missing non-nullable columns."""
    known = {c.name for c in table.data_columns}
    unknown = sorted(set(supplied) - known)
    if unknown:
        hint = " (run_id is filled in by the writer)" if "run_id" in unknown else ""
        raise TelemetryError(f"telemetry table {table.name!r} has no column(s) {unknown}{hint}; "
                             f"its columns are {[c.name for c in table.data_columns]}.")
    required = [c.name for c in table.data_columns if not c.nullable and c.name not in supplied]
    if required:
        raise TelemetryError(f"telemetry table {table.name!r}: missing required column(s) {required}.")


def convert_columns(table: Table, supplied: dict[str, Any]) -> tuple[list[list], int]:
    """Validated Python-value lists, one per data column in schema order, and the row count.

    Columns the caller left out (only nullable ones may be) are filled with NULL.
    """
    check_column_names(table, supplied)
    n_rows = row_count(table, supplied)
    converted = []
    for column in table.data_columns:
        values = supplied.get(column.name)
        scalar = _is_scalar(values)
        out = CONVERTERS[column.sqltype](table, column, [values] if scalar else values)
        converted.append(out * n_rows if scalar else out)
    return converted, n_rows

"""Validating the engine's column arrays and holding them as typed numpy columns.

The writer receives one numpy array (or list, or scalar) per column. Each is
validated against its :class:`~vmt.telemetry.schema.Column` declaration and
converted, in whole-array numpy operations, to one of three typed forms that
both storage layouts start from (see ``vmt.telemetry.blocks``):

* a 1-D ``int64`` or ``float64`` array (NaN is SQL NULL in a nullable REAL
  column; ``-0.0`` is stored as ``0.0``, as SQLite would);
* :class:`NullableInts` for a nullable INTEGER column (values and a NULL mask);
* :class:`Coded` for TEXT: small integer codes into a table of labels (code -1
  is NULL), so a million rows naming three goods hold a million bytes, not a
  million Python strings;
* :class:`MinorUnits` for a REAL column of holdings or quantities: whole
  numbers of minor units and the size of one, so the column is stored as the
  narrowest integers that hold them (a few bytes a value, not eight) and read
  back as ``minor * unit``, the very float the engine computes.

A caller that already holds codes (a good's index into ``("A", "B")``) passes
a :class:`Coded` and no string is ever built. NaN, ``None`` or a masked entry
is NULL where the column is nullable and an error where it is not. A scalar
is broadcast to the common length of the array columns. Every form is a copy:
the engine may change its arrays after the call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Union

import numpy as np

from vmt.telemetry.errors import TelemetryError
from vmt.telemetry.schema import Column, Table

_INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Coded:
    """Text column as integer ``codes`` into ``labels``; code -1 is NULL."""

    codes: np.ndarray
    labels: tuple

    def __len__(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class NullableInts:
    """Nullable INTEGER column: ``values`` (0 where NULL) and the ``null`` mask."""

    values: np.ndarray
    null: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class MinorUnits:
    """REAL column of whole multiples of ``unit``: ``minor`` (int64) units of size ``unit``."""

    minor: np.ndarray
    unit: float

    def __len__(self) -> int:
        return len(self.minor)

    def reals(self) -> np.ndarray:
        """The values, ``minor * unit`` (as the engine turns minor units into real ones)."""
        return self.minor * self.unit


def as_minor_units(reals: np.ndarray, unit: float) -> MinorUnits | np.ndarray:
    """``reals`` as :class:`MinorUnits` of ``unit`` if every value is exactly
    ``minor * unit`` for a whole ``minor`` (quantities the engine moved in
    minor units), else ``reals`` unchanged."""
    reals = np.asarray(reals, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        minor = np.rint(reals / unit)
        whole = bool(np.all(np.abs(minor) < 2.0**52))  # NaN and huge values are not
    if not whole:
        return reals
    units = MinorUnits(minor.astype(np.int64), float(unit))
    return units if np.array_equal(units.reals(), reals) else reals


Values = Union[np.ndarray, NullableInts, Coded, MinorUnits]


@dataclass(frozen=True)
class Deferred:
    """``n_rows`` rows whose columns ``make()`` returns when they are committed.

    What a snapshot derives from the engine's state (real holdings,
    utilities) is then computed on the writer's thread, from copies the
    engine's thread took, instead of on the engine's thread.
    """

    make: Callable[[], dict]
    n_rows: int


def convert_deferred(table: Table, deferred: Deferred) -> list[Values]:
    """The validated typed columns of ``deferred`` (see :func:`convert_columns`)."""
    values, n_rows = convert_columns(table, deferred.make())
    if n_rows != deferred.n_rows:
        raise TelemetryError(f"telemetry table {table.name!r}: {n_rows} rows were made where "
                             f"{deferred.n_rows} were announced.")
    return values


def _where(table: Table, column: Column) -> str:
    return f"telemetry table {table.name!r}, column {column.name!r}"


def _as_array(values: Any, dtype=None) -> np.ndarray:
    if isinstance(values, np.ma.MaskedArray):  # masked entries as None
        filled = np.asarray(values.data).astype(object)
        filled[np.ma.getmaskarray(values)] = None
        return np.asarray(filled, dtype=dtype) if dtype else filled
    return np.asarray(values, dtype=dtype)


def _check_missing(table: Table, column: Column, missing: np.ndarray) -> None:
    if not column.nullable and missing.any():
        raise TelemetryError(
            f"{_where(table, column)}: {int(missing.sum())} value(s) are NaN/None "
            f"(first at row {int(np.flatnonzero(missing)[0])}) but this column cannot "
            "be NULL; fix the values before appending them.")


def _check_nonnegative(table: Table, column: Column, arr: np.ndarray) -> None:
    """``arr`` holds no NaN (its minimum is one pass without a temporary array)."""
    if column.nonnegative and arr.size and arr.min() < 0:
        row = int(np.flatnonzero(arr < 0)[0])
        raise TelemetryError(
            f"{_where(table, column)}: values must be non-negative but row {row} "
            f"holds {arr[row]!r}.")


def _reals(table: Table, column: Column, values: Any) -> np.ndarray | MinorUnits:
    if isinstance(values, MinorUnits):
        return _minor_units(table, column, values)
    try:
        arr = _as_array(values, np.float64)
    except (TypeError, ValueError) as exc:
        raise TelemetryError(f"{_where(table, column)}: expected real numbers ({exc}).") from None
    if not _plainly_valid(column, arr):
        missing = np.isnan(arr)
        _check_missing(table, column, missing)
        _check_nonnegative(table, column, np.where(missing, 0.0, arr))
    return arr + 0.0  # a copy, with -0.0 as 0.0


def _minor_units(table: Table, column: Column, values: MinorUnits) -> MinorUnits:
    """``values`` as a copy, checked: integers, a positive finite unit, signs."""
    minor = np.asarray(values.minor)
    unit = float(values.unit)
    if minor.dtype.kind not in "iu" or not 0.0 < unit < np.inf:
        raise TelemetryError(f"{_where(table, column)}: minor units must be integers of a positive "
                             f"unit size, got dtype {minor.dtype} and unit {values.unit!r}.")
    _check_nonnegative(table, column, minor)
    return MinorUnits(minor.astype(np.int64), unit)


def _plainly_valid(column: Column, reals: np.ndarray) -> bool:
    """True if ``reals`` holds no NaN (and no negative value where the column
    forbids them), found in one pass: the minimum is NaN if any value is."""
    if not reals.size:
        return True
    low = reals.min()
    return bool(low >= 0) if column.nonnegative else bool(low == low)


def _integers(table: Table, column: Column, values: Any) -> np.ndarray | NullableInts:
    if isinstance(values, np.ma.MaskedArray) and values.dtype.kind in "biu" and column.nullable:
        null = np.ma.getmaskarray(values)
        ints = _integers(table, column, np.where(null, 0, values.data))
        return NullableInts(ints.values, null.copy())
    arr = _as_array(values)
    if arr.dtype.kind in "biu":
        if arr.dtype.kind == "u" and arr.size and arr.max() > _INT64_MAX:
            raise TelemetryError(f"{_where(table, column)}: values exceed the int64 range.")
        _check_nonnegative(table, column, arr)
        ints = arr.astype(np.int64)
        return NullableInts(ints, np.zeros(ints.size, bool)) if column.nullable else ints
    reals = _reals_for_integers(table, column, arr)
    missing = np.isnan(reals)
    ints = np.where(missing, 0, reals).astype(np.int64)
    return NullableInts(ints, missing) if column.nullable else ints


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


def _factorize(texts: list) -> Coded:
    """Codes and labels of a list of str/None (None -> code -1)."""
    index: dict = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in texts), np.int64, len(texts))
    labels = tuple(v for v in index if v is not None)
    remap = np.array([-1 if v is None else labels.index(v) for v in index] or [0], np.int64)
    return Coded(remap[codes], labels)


def _choice_codes(arr: np.ndarray, choices: tuple[str, ...]) -> np.ndarray | None:
    """Codes of an object array holding only ``choices`` (a few whole-array
    comparisons, no Python loop), or None if it holds anything else."""
    codes = np.full(arr.size, -1, np.int64)
    for code, label in enumerate(choices):
        codes[arr == label] = code
    return codes if (codes >= 0).all() else None


def _texts(table: Table, column: Column, values: Any) -> Coded:
    if isinstance(values, Coded):
        return _checked_coded(table, column, values)
    if column.choices and isinstance(values, np.ndarray) and values.dtype == object:
        codes = _choice_codes(values, column.choices)
        if codes is not None:
            return Coded(codes, column.choices)
    texts = values.tolist() if isinstance(values, np.ndarray) else list(values)
    if not all(type(v) is str for v in texts):  # the fast path: all text
        texts = [_text_value(table, column, v) for v in texts]
    return _checked_coded(table, column, _factorize(texts))


def _checked_coded(table: Table, column: Column, coded: Coded) -> Coded:
    """``coded`` as a copy, after checking codes, labels, NULLs and choices."""
    codes = np.array(coded.codes, dtype=np.int64)
    labels = tuple(coded.labels)
    low, high = (int(codes.min()), int(codes.max())) if codes.size else (0, -1)
    if low < -1 or high >= len(labels):
        raise TelemetryError(f"{_where(table, column)}: codes must lie in [-1, {len(labels)}) "
                             f"for {len(labels)} label(s).")
    if low < 0:
        _check_missing(table, column, codes < 0)
    if all(type(v) is str for v in labels) and (column.choices is None or set(labels) <= set(column.choices)):
        return Coded(codes, labels)  # every label allowed, so whichever are used
    used = np.flatnonzero(np.bincount(codes + 1, minlength=len(labels) + 1)[1:])
    bad = [labels[i] for i in used.tolist() if type(labels[i]) is not str]
    if bad:
        raise TelemetryError(f"{_where(table, column)}: labels must be text, got {bad[:3]!r}.")
    if column.choices is not None:
        unknown = sorted({labels[i] for i in used.tolist()} - set(column.choices))
        if unknown:
            raise TelemetryError(f"{_where(table, column)}: unknown value(s) {unknown}; "
                                 f"valid values are {list(column.choices)}.")
    return Coded(codes, labels)


CONVERTERS = {"INTEGER": _integers, "REAL": _reals, "TEXT": _texts}


def _is_scalar(values: Any) -> bool:
    if isinstance(values, (Coded, MinorUnits)):
        return False
    return isinstance(values, (str, dict)) or values is None or np.ndim(values) == 0


def row_count(table: Table, supplied: dict[str, Any]) -> int:
    """Common length of the supplied array columns (1 if all are scalars)."""
    lengths = {name: len(v) for name, v in supplied.items() if not _is_scalar(v)}
    for name, v in supplied.items():
        if not _is_scalar(v) and not isinstance(v, (Coded, MinorUnits)) and np.ndim(v) != 1:
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


def repeat(values: Values, n_rows: int) -> Values:
    """A one-row column repeated ``n_rows`` times (a scalar broadcast)."""
    if isinstance(values, Coded):
        return Coded(np.repeat(values.codes, n_rows), values.labels)
    if isinstance(values, NullableInts):
        return NullableInts(np.repeat(values.values, n_rows), np.repeat(values.null, n_rows))
    return np.repeat(values, n_rows)


def convert_columns(table: Table, supplied: dict[str, Any]) -> tuple[list[Values], int]:
    """Validated typed columns, one per data column in schema order, and the row count.

    Columns the caller left out (only nullable ones may be) are filled with NULL.
    """
    check_column_names(table, supplied)
    n_rows = row_count(table, supplied)
    converted = []
    for column in table.data_columns:
        values = supplied.get(column.name)
        scalar = _is_scalar(values)
        out = CONVERTERS[column.sqltype](table, column, [values] if scalar else values)
        converted.append(repeat(out, n_rows) if scalar else out)
    return converted, n_rows

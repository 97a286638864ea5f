"""Column blocks: a table's rows stored as one SQLite row of column blobs.

Writing a million rows through ``executemany`` binds ten million Python
values; writing them as columns copies a few contiguous buffers. A *block*
holds ``n_rows`` consecutive rows of one table of one run: each column is one
BLOB of raw little-endian numpy values, and a JSON ``layout`` gives, per
column, the numpy ``dtype`` of its blob and for some columns one more key:

* INTEGER columns use the narrowest of ``|i1``, ``<i2``, ``<i4``, ``<i8``
  that holds their values (readers widen them to int64); a nullable one with
  NULLs names the value standing for NULL (``"null"``);
* REAL columns are ``<f8``; NaN is NULL in a nullable one. A column of
  holdings or quantities given in minor units (``MinorUnits``) is instead
  stored as the narrowest integers that hold them with the unit's size as
  ``"scale"``, and read back as ``integer * scale``, the float the engine
  computed (a file holding such blocks is of schema version 3);
* TEXT columns are integer codes into ``"labels"`` (code -1 is NULL).

This module turns typed columns (``vmt.telemetry.columns``) into blobs and
back, checking on the way back that every blob has the length and codes its
layout promises (a damaged block is a :class:`TelemetryError`, never a numpy
error). ``blockstore`` puts blocks into SQLite and takes them out.
"""

from __future__ import annotations

import json

import numpy as np

from vmt.telemetry.columns import Coded, MinorUnits, NullableInts, Values
from vmt.telemetry.errors import TelemetryError
from vmt.telemetry.schema import Column, Table

_NARROW_INTS = (np.int8, np.int16, np.int32, np.int64)
_BLOB_DTYPES = {"|i1", "<i2", "<i4", "<i8", "<f8"}


def _le(dtype) -> str:
    return np.dtype(dtype).newbyteorder("<").str


def _free_value(present: np.ndarray) -> int:
    """An int64 not among ``present`` (to stand for NULL when int64's minimum is taken)."""
    taken = np.unique(present)
    gaps = np.flatnonzero(taken[1:] != taken[:-1] + 1)
    return int(taken[gaps[0]] + 1) if gaps.size else int(taken[-1] + 1)


def _int_spec(present: np.ndarray, has_null: bool) -> dict:
    """Narrowest dtype for ``present`` (keeping its minimum free for NULL if needed)."""
    lo, hi = (int(present.min()), int(present.max())) if present.size else (0, 0)
    for dtype in _NARROW_INTS:
        info = np.iinfo(dtype)
        if info.min + has_null <= lo and hi <= info.max:
            return {"dtype": _le(dtype), **({"null": int(info.min)} if has_null else {})}
    return {"dtype": "<i8", "null": _free_value(present)}


def _blob(values: np.ndarray, dtype: str) -> memoryview:
    """The bytes of ``values`` as ``dtype``, without a copy when it already is.

    SQLite stores any buffer as a BLOB; passing the array's own memory saves
    a copy made while holding the GIL (``tobytes``), which on a background
    writer would stall the engine's thread."""
    if not values.size:  # an empty buffer may have no address, which SQLite would bind as NULL
        return memoryview(b"")
    return memoryview(np.ascontiguousarray(values, dtype=dtype)).cast("B")


def encode_column(values: Values) -> tuple[dict, memoryview]:
    """(layout entry, blob) of one typed column."""
    if isinstance(values, Coded):
        spec = _int_spec(values.codes, False)
        return {**spec, "labels": list(values.labels)}, _blob(values.codes, spec["dtype"])
    if isinstance(values, MinorUnits):
        spec = _int_spec(values.minor, False)
        return {**spec, "scale": values.unit}, _blob(values.minor, spec["dtype"])
    if isinstance(values, NullableInts):
        has_null = bool(values.null.any())
        spec = _int_spec(values.values[~values.null] if has_null else values.values, has_null)
        stored = np.where(values.null, spec["null"], values.values) if has_null else values.values
        return spec, _blob(stored, spec["dtype"])
    if values.dtype.kind == "f":
        return {"dtype": "<f8"}, _blob(values, "<f8")
    spec = _int_spec(values, False)
    return spec, _blob(values, spec["dtype"])


def encode(table: Table, columns: list[Values]) -> tuple[str, list[memoryview]]:
    """The JSON layout and the blobs (in schema order) of one block."""
    layout, blobs = {}, []
    for column, values in zip(table.data_columns, columns):
        layout[column.name], blob = encode_column(values)
        blobs.append(blob)
    return json.dumps(layout, separators=(",", ":")), blobs


def _damaged(where: str, what: str) -> TelemetryError:
    return TelemetryError(f"{where} is damaged: {what}. The file was altered or cut short "
                          "outside VMT; recover it from a copy or re-run the simulation.")


def parse_layout(text, where: str) -> dict:
    """The layout JSON of a block, checked to be an object."""
    try:
        layout = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise _damaged(where, f"its layout is not JSON ({exc})") from None
    if not isinstance(layout, dict):
        raise _damaged(where, "its layout is not a JSON object")
    return layout


def decode_column(column: Column, spec, blob, n_rows: int, where: str) -> Values:
    """The typed column stored as ``blob`` under layout entry ``spec``."""
    where = f"{where}, column {column.name!r}"
    dtype = spec.get("dtype") if isinstance(spec, dict) else None
    scale = spec.get("scale") if isinstance(spec, dict) else None
    if dtype not in _BLOB_DTYPES or (dtype == "<f8" or scale is not None) != (column.sqltype == "REAL"):
        raise _damaged(where, f"its layout names dtype {dtype!r}")
    if scale is not None and not (type(scale) is float and 0.0 < scale < np.inf and dtype != "<f8"):
        raise _damaged(where, f"its scale is {scale!r}")
    if not isinstance(blob, bytes) or len(blob) != n_rows * np.dtype(dtype).itemsize:
        size = len(blob) if isinstance(blob, bytes) else type(blob).__name__
        raise _damaged(where, f"it holds {size} bytes, not {n_rows} values of {dtype}")
    stored = np.frombuffer(blob, dtype)  # read-only: ``concat`` makes the copy readers return
    if scale is not None:
        return MinorUnits(stored.astype(np.int64), scale).reals()
    if column.sqltype == "REAL":
        return stored
    if column.sqltype == "TEXT":
        return _decode_codes(stored, spec.get("labels"), where)
    if column.nullable:
        if "null" in spec and type(spec["null"]) is not int:
            raise _damaged(where, f"its NULL marker is {spec['null']!r}")
        null = stored == spec["null"] if "null" in spec else np.zeros(n_rows, bool)
        return NullableInts(np.where(null, 0, stored).astype(np.int64), null)
    return stored.astype(np.int64)


def _decode_codes(stored: np.ndarray, labels, where: str) -> Coded:
    if not isinstance(labels, list) or not all(isinstance(v, str) for v in labels):
        raise _damaged(where, "its text labels are missing")
    if stored.size and (stored.min() < -1 or stored.max() >= len(labels)):
        raise _damaged(where, f"its codes leave the {len(labels)} labels")
    return Coded(stored.astype(np.int64), tuple(labels))


def concat(parts: list[Values]) -> Values:
    """One column from consecutive pieces (always a new, writable array)."""
    first = parts[0]
    if isinstance(first, Coded):
        labels = tuple(dict.fromkeys(label for part in parts for label in part.labels))
        index = {label: i for i, label in enumerate(labels)}
        codes = [np.array([index[v] for v in part.labels] + [-1], np.int64)[part.codes] for part in parts]
        return Coded(np.concatenate(codes), labels)
    if isinstance(first, NullableInts):
        return NullableInts(np.concatenate([p.values for p in parts]), np.concatenate([p.null for p in parts]))
    if all(isinstance(p, MinorUnits) and p.unit == first.unit for p in parts):
        return MinorUnits(np.concatenate([p.minor for p in parts]), first.unit)
    return np.concatenate([p.reals() if isinstance(p, MinorUnits) else p for p in parts])


def take(values: Values, rows) -> Values:
    """The column's ``rows`` (an index array, a mask or a slice)."""
    if isinstance(values, Coded):
        return Coded(values.codes[rows], values.labels)
    if isinstance(values, NullableInts):
        return NullableInts(values.values[rows], values.null[rows])
    if isinstance(values, MinorUnits):
        return MinorUnits(values.minor[rows], values.unit)
    return values[rows]


def python_values(values: Values) -> list:
    """The column as Python values for SQLite (NULL as None)."""
    if isinstance(values, Coded):
        return np.array(list(values.labels) + [None], dtype=object)[values.codes].tolist()
    if isinstance(values, NullableInts):
        out = values.values.tolist()
        for i in np.flatnonzero(values.null).tolist():
            out[i] = None
        return out
    if isinstance(values, MinorUnits):
        return values.reals().tolist()
    out = values.tolist()
    if values.dtype.kind == "f":
        for i in np.flatnonzero(np.isnan(values)).tolist():
            out[i] = None
    return out


def sort_key(values: Values) -> np.ndarray:
    """Integers ordering the column as SQLite orders it (text by its UTF-8 bytes)."""
    if isinstance(values, Coded):
        order = sorted(range(len(values.labels)), key=lambda i: values.labels[i])
        rank = np.empty(len(order) + 1, np.int64)
        rank[order], rank[-1] = np.arange(len(order)), -1  # code -1 (NULL) sorts first
        return rank[values.codes]
    if isinstance(values, NullableInts):
        return values.values
    return values

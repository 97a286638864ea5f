"""Typed block columns as the DataFrames readers return.

Readers promise the same frames whatever the layout a run was written in:
``int64`` for INTEGER, pandas ``Int64`` for nullable INTEGER (NULL is
``<NA>``), ``float64`` for REAL (NULL is NaN), ``object`` holding ``str`` or
``None`` for TEXT; rows sorted by the table's natural key with the written
order breaking ties (as ``ORDER BY key, rowid`` does for rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vmt.telemetry.columns import Coded, NullableInts, Values


def is_sorted(keys: list[np.ndarray]) -> bool:
    """True if the rows are already in lexicographic order of ``keys`` (first key first)."""
    if not keys or keys[0].size < 2:
        return True
    ahead = np.zeros(keys[0].size - 1, bool)  # row i+1 already after row i on an earlier key
    for key in keys:
        later, same = key[1:] > key[:-1], key[1:] == key[:-1]
        if not (ahead | later | same).all():
            return False
        ahead |= later
    return True


def natural_order(keys: list[np.ndarray]) -> np.ndarray | None:
    """Stable row order sorting by ``keys`` (first key first), or None if already sorted."""
    if is_sorted(keys):
        return None
    return np.lexsort(keys[::-1])


def pandas_column(values: Values):
    """One column with the dtype readers promise."""
    if isinstance(values, Coded):  # object, not pandas' inferred string dtype
        return pd.Series(np.array(list(values.labels) + [None], dtype=object)[values.codes],
                         dtype=object, copy=False)
    if isinstance(values, NullableInts):
        return pd.arrays.IntegerArray(values.values, values.null.copy())
    return values


def block_frame(columns: dict[str, Values]) -> pd.DataFrame:
    """DataFrame of typed ``columns`` (in the given order), RangeIndex."""
    return pd.DataFrame({name: pandas_column(v) for name, v in columns.items()}, copy=False)

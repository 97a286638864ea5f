"""Readers: telemetry tables as pandas DataFrames, and exports to CSV/Parquet.

Files are opened read-only (SQLite URI ``mode=ro``, or ``immutable=1`` when
no writer is at work), so reading never changes a file, leaves no ``-wal`` or
``-shm`` file behind, works on read-only media, and can happen while a writer
is still appending (WAL mode). Frames are
sorted by the table's natural key (tick, then ids; the insertion order breaks
any remaining tie), so the same run always reads back identically. Column
dtypes follow the schema: ``int64`` for INTEGER, pandas ``Int64`` for nullable
INTEGER (NULL → ``<NA>``), ``float64`` for REAL (NULL → NaN), ``object`` (str
or None) for TEXT.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from vmt.telemetry.blocks import sort_key, take
from vmt.telemetry.blockstore import read_blocks
from vmt.telemetry.dbfile import open_readonly
from vmt.telemetry.frames import block_frame, natural_order
from vmt.telemetry.errors import TelemetryError
from vmt.telemetry.liveness import dead_runs
from vmt.telemetry.schema import TABLES, Table

_PANDAS_DTYPE = {("INTEGER", False): "int64", ("INTEGER", True): "Int64",
                 ("REAL", False): "float64", ("REAL", True): "float64",
                 ("TEXT", False): "object", ("TEXT", True): "object"}


def _table(name: str) -> Table:
    if name not in TABLES:
        raise TelemetryError(f"Unknown telemetry table {name!r}; the tables are {list(TABLES)}.")
    return TABLES[name]


def _columns(table: Table, columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(table.column_names)
    columns = [columns] if isinstance(columns, str) else list(columns)
    unknown = [c for c in columns if c not in table.column_names]
    if unknown:
        raise TelemetryError(f"Telemetry table {table.name!r} has no column(s) {unknown}; "
                             f"its columns are {list(table.column_names)}.")
    return columns


def _frame(table: Table, rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """DataFrame with the schema's dtypes, also when ``rows`` is empty.

    Built column by column, not through pandas' inference: NULL text stays
    None (not NaN) and nullable integers beyond 2**53 stay exact.
    """
    values = list(zip(*rows)) if rows else [()] * len(columns)
    return pd.DataFrame({name: _pandas_values(table.column(name), col) for name, col in zip(columns, values)},
                        columns=columns)


def _pandas_values(column, values: tuple):
    dtype = _PANDAS_DTYPE[(column.sqltype, column.nullable)]
    if dtype == "Int64":
        return pd.array(list(values), dtype="Int64")
    if dtype == "object":
        return pd.Series(np.array(values, dtype=object), dtype=object)
    return np.array(values, dtype=dtype)


def _short_list(ids: list[int]) -> str:
    if len(ids) <= 12:
        return str(ids)
    return f"[{', '.join(map(str, ids[:5]))}, ..., {', '.join(map(str, ids[-5:]))}] ({len(ids)} runs)"


def _resolve_run(conn: sqlite3.Connection, path: Path, run_id: int | None) -> int:
    """``run_id`` checked against the file, or the latest run when None."""
    ids = [r[0] for r in conn.execute("SELECT run_id FROM runs ORDER BY run_id")]
    if not ids:
        raise TelemetryError(f"{str(path)!r} is a VMT telemetry file but holds no runs yet.")
    if run_id is None:
        return ids[-1]
    if int(run_id) not in ids:
        raise TelemetryError(f"{str(path)!r} has no run with run_id {run_id}; "
                             f"the runs it holds are {_short_list(ids)}.")
    return int(run_id)


def _tick_filter(table: Table, ticks) -> tuple[str, tuple]:
    if ticks is None:
        return "", ()
    if not table.has_tick:
        raise TelemetryError(f"Telemetry table {table.name!r} has no tick column; drop `ticks`.")
    if isinstance(ticks, (tuple, list)) and len(ticks) == 2:
        return " AND tick >= ? AND tick < ?", (int(ticks[0]), int(ticks[1]))
    return " AND tick = ?", (int(ticks),)


def _order_by(table: Table) -> str:
    return ", ".join([f'"{k}"' for k in table.key] + (["rowid"] if table.name != "runs" else []))


def read_table(path: str | Path, table: str, run_id: int | None = None,
               columns: Sequence[str] | None = None, *, ticks=None) -> pd.DataFrame:
    """One run's rows of a telemetry table as a DataFrame.

    Parameters
    ----------
    path : str or Path
        Telemetry file.
    table : str
        Table name (see ``vmt.telemetry.TABLES``).
    run_id : int, optional
        Run to read; None reads the latest run (the highest run_id).
    columns : sequence of str, optional
        Columns to return, in this order; all by default.
    ticks : int or (start, stop), optional
        Only this tick, or ticks ``start <= tick < stop`` (uses the index).

    Returns
    -------
    pandas.DataFrame
        Sorted by the table's natural key, with a fresh RangeIndex.
    """
    spec = _table(table)
    wanted = _columns(spec, columns)
    path = Path(path)
    with open_readonly(path) as conn:
        run = _resolve_run(conn, path, run_id)
        if table == "runs":
            frame = _frame(spec, _select(conn, spec, run, wanted, ticks), wanted)
            if "status" in wanted and run in dead_runs(conn):
                frame["status"] = "interrupted"
            return frame
        blocks = read_blocks(conn, spec, run, _with_key(spec, wanted), _tick_range(spec, ticks))
        if blocks is None:
            return _frame(spec, _select(conn, spec, run, wanted, ticks), wanted)
        keyed = _with_key(spec, wanted)  # rows of the row layout too, merged by the key
        rows = _frame(spec, _select(conn, spec, run, keyed, ticks), keyed)
    return _with_blocks(spec, rows, blocks, wanted)


def _select(conn: sqlite3.Connection, table: Table, run: int, wanted: list[str], ticks) -> list[tuple]:
    """The run's rows of the row layout, sorted by the natural key."""
    where, args = _tick_filter(table, ticks)
    select = ", ".join(f'"{c}"' for c in wanted)
    sql = f"SELECT {select} FROM {table.name} WHERE run_id = ?{where} ORDER BY {_order_by(table)}"
    return conn.execute(sql, (run,) + args).fetchall()


def _tick_range(table: Table, ticks) -> tuple[int, int] | None:
    """``ticks`` as a half-open range (None: all ticks)."""
    args = _tick_filter(table, ticks)[1]
    return None if not args else (args[0], args[0] + 1) if len(args) == 1 else args


def _with_key(table: Table, wanted: list[str]) -> list[str]:
    return list(dict.fromkeys(list(wanted) + list(table.key)))


def _with_blocks(table: Table, rows: pd.DataFrame, blocks: dict, wanted: list[str]) -> pd.DataFrame:
    """The block rows sorted by the natural key (written order breaking ties),
    merged after any rows of the row layout (a run is normally in one layout)."""
    order = natural_order([sort_key(blocks[k]) for k in table.key])
    frame = block_frame({n: blocks[n] if order is None else take(blocks[n], order) for n in blocks})
    if not rows.empty:
        frame = pd.concat([rows, frame], ignore_index=True)
        frame = frame.sort_values(list(table.key), kind="stable", ignore_index=True)
    return frame[wanted] if list(frame.columns) != wanted else frame


def list_runs(path: str | Path) -> pd.DataFrame:
    """Every run in the file (all ``runs`` columns), ordered by run_id.

    A run recorded as ``running`` whose writer process is gone (killed) is
    reported as ``interrupted``; the file itself is not modified.
    """
    spec = TABLES["runs"]
    with open_readonly(path) as conn:
        rows = conn.execute(f"SELECT * FROM runs ORDER BY {_order_by(spec)}").fetchall()
        dead = set(dead_runs(conn))
    frame = _frame(spec, rows, list(spec.column_names))
    frame.loc[frame["run_id"].isin(dead), "status"] = "interrupted"
    return frame


def _to_parquet(frame: pd.DataFrame, out: Path) -> None:
    frame.to_parquet(out, index=False)


def _to_csv(frame: pd.DataFrame, out: Path) -> None:
    frame.to_csv(out, index=False)


EXPORTERS = {".csv": _to_csv, ".csv.gz": _to_csv, ".parquet": _to_parquet}
#: Export format -> the suffixes it writes.
FORMATS = {"csv": (".csv", ".csv.gz"), "parquet": (".parquet",)}
OPTIONAL_PACKAGE = {".parquet": "pyarrow"}  # the ``parquet`` extra, not a core dependency


def _check_exporter(suffix: str, out: Path) -> None:
    package = OPTIONAL_PACKAGE.get(suffix)
    if package and importlib.util.find_spec(package) is None:
        raise TelemetryError(f"Cannot write {str(out)!r}: {suffix} export needs the optional "
                             f"package {package} (pip install 'vmt[parquet]'); or export to .csv.")


def _export_suffix(out: Path, fmt: str | None) -> str:
    """The exporter's suffix: from ``fmt`` when given (checked against the
    file name's suffix if it has a known one), else from the file name."""
    suffix = next((s for s in sorted(EXPORTERS, key=len, reverse=True)
                   if out.name.lower().endswith(s)), None)
    if fmt is None:
        if suffix is None:
            raise TelemetryError(f"Cannot export to {str(out)!r}: unknown file type; use one of "
                                 f"{list(EXPORTERS)} or name a format ({', '.join(FORMATS)}).")
        return suffix
    if fmt not in FORMATS:
        raise TelemetryError(f"Unknown export format {fmt!r}; the formats are {', '.join(FORMATS)}.")
    if suffix is not None and suffix not in FORMATS[fmt]:
        raise TelemetryError(f"Cannot export format {fmt} to {str(out)!r}: the file name says {suffix}; "
                             f"name the file *{FORMATS[fmt][0]} or choose --format to match.")
    return suffix or FORMATS[fmt][0]


def export_table(path: str | Path, table: str, out_path: str | Path,
                 run_id: int | None = None, fmt: str | None = None) -> Path:
    """Write one run's table to ``out_path`` as ``fmt`` (``csv`` or ``parquet``;
    by default the file name's suffix picks it).

    ``.csv`` and ``.csv.gz`` always work (floats are written with full
    round-trip precision, NULL as an empty field); ``.parquet`` needs pyarrow
    (the ``parquet`` extra). The file is written beside ``out_path`` and moved
    into place at the end, so a failed export leaves an existing file intact.
    Returns the path written.
    """
    out = Path(out_path)
    suffix = _export_suffix(out, fmt)
    _check_exporter(suffix, out)
    frame = read_table(path, table, run_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial{suffix}")
    try:
        EXPORTERS[suffix](frame, partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out

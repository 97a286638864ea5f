"""Column blocks in SQLite: the ``<table>_blocks`` tables.

Every data table ``T`` of the schema has a companion ``T_blocks`` with one row
per block (``vmt.telemetry.blocks``): ``block_id`` (the order blocks were
written in), ``run_id``, ``tick_min`` and ``tick_max`` (NULL for tables
without ticks), ``n_rows``, the JSON ``layout`` and one BLOB per column of
``T``, named like it. An index on ``(run_id, tick_min)`` finds a run's blocks
and those of a tick range. Blocks are written inside the writer's
transactions, so the durability of whole-tick commits is the same as for
rows.

A flush joins consecutive small appends of a table into blocks of about
``MERGE_ROWS`` rows (a small economy writes one trade a tick, and a block per
tick would cost more to read than the rows) and cuts appends larger than
``MAX_BLOCK_ROWS`` (SQLite limits a row to 1 GB).
"""

from __future__ import annotations

import sqlite3
from typing import Iterator

import numpy as np

from vmt.telemetry.blocks import concat, decode_column, encode, parse_layout, take
from vmt.telemetry.columns import Values
from vmt.telemetry.schema import TABLES, Table

MERGE_ROWS = 8_192
MAX_BLOCK_ROWS = 1 << 20
_HEAD = ("block_id", "run_id", "tick_min", "tick_max", "n_rows", "layout")


def block_table(table: Table) -> str:
    return f"{table.name}_blocks"


def block_ddl() -> list[str]:
    """CREATE statements of every data table's block table and its index."""
    statements = []
    for table in TABLES.values():
        if table.name == "runs":
            continue
        blobs = ", ".join(f'"{c.name}" BLOB NOT NULL' for c in table.data_columns)
        statements += [
            f"CREATE TABLE IF NOT EXISTS {block_table(table)} (block_id INTEGER PRIMARY KEY, "
            "run_id INTEGER NOT NULL REFERENCES runs(run_id), tick_min INTEGER, tick_max INTEGER, "
            f"n_rows INTEGER NOT NULL, layout TEXT NOT NULL, {blobs})",
            f"CREATE INDEX IF NOT EXISTS ix_{block_table(table)}_run ON {block_table(table)} (run_id, tick_min)",
        ]
    return statements


def _plan(parts: list[tuple[list[Values], int]]) -> Iterator[list[Values]]:
    """Blocks from consecutive appends: small ones joined, huge ones cut."""
    pending, rows = [], 0
    for columns, n_rows in parts:
        for start in range(0, n_rows, MAX_BLOCK_ROWS):
            piece = columns if n_rows <= MAX_BLOCK_ROWS else [
                take(c, slice(start, start + MAX_BLOCK_ROWS)) for c in columns]
            pending.append(piece)
            rows += min(MAX_BLOCK_ROWS, n_rows - start)
            if rows >= MERGE_ROWS:
                yield _joined(pending)
                pending, rows = [], 0
    if pending:
        yield _joined(pending)


def _joined(pieces: list[list[Values]]) -> list[Values]:
    return pieces[0] if len(pieces) == 1 else [concat(list(c)) for c in zip(*pieces)]


def _insert_sql(table: Table) -> str:
    names = _HEAD + tuple(c.name for c in table.data_columns)
    cols = ", ".join(f'"{n}"' for n in names)
    return f"INSERT INTO {block_table(table)} ({cols}) VALUES ({', '.join('?' * len(names))})"


def _tick_range(table: Table, columns: list[Values]) -> tuple[int | None, int | None]:
    if not table.has_tick:
        return None, None
    ticks = columns[[c.name for c in table.data_columns].index("tick")]
    return int(ticks.min()), int(ticks.max())


def insert_block(conn: sqlite3.Connection, table: Table, run_id: int, columns: list[Values],
                 block_id: int | None = None) -> None:
    """Write one block of ``columns`` (typed, in schema order); a new
    ``block_id`` unless one is given."""
    layout, blobs = encode(table, columns)
    conn.execute(_insert_sql(table),
                 (block_id, run_id, *_tick_range(table, columns), len(columns[0]), layout, *blobs))


def insert_blocks(conn: sqlite3.Connection, table: Table, run_id: int,
                  parts: list[tuple[list[Values], int]]) -> None:
    """Write a run's buffered appends of ``table`` (in append order) as blocks."""
    for columns in _plan(parts):
        insert_block(conn, table, run_id, columns)


def has_blocks(conn: sqlite3.Connection, table: Table) -> bool:
    """True if the file has ``table``'s block table (files of schema version 1 do not)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (block_table(table),)).fetchone() is not None


def _decode_rows(table: Table, rows, names: list[str]) -> Iterator[list[Values]]:
    """Typed columns ``names`` of each selected block row (block_id, n_rows, layout, blobs...)."""
    for block_id, n_rows, layout, *blobs in rows:
        where = f"Telemetry table {table.name!r}, block {block_id}"
        spec = parse_layout(layout, where)
        yield [decode_column(table.column(name), spec.get(name), blob, int(n_rows), where)
               for name, blob in zip(names, blobs)]


def read_blocks(conn: sqlite3.Connection, table: Table, run_id: int, names: list[str],
                ticks: tuple[int, int] | None) -> dict[str, Values] | None:
    """Columns ``names`` of the run's blocks in written order, rows outside
    ``ticks`` (start <= tick < stop) dropped; None if the run has no block."""
    if not has_blocks(conn, table):
        return None
    wanted = [n for n in dict.fromkeys(names + (["tick"] if ticks else [])) if n != "run_id"]
    where, args = "run_id = ?", [run_id]
    if ticks:
        where, args = where + " AND tick_max >= ? AND tick_min < ?", args + list(ticks)
    cols = ", ".join(f'"{n}"' for n in wanted)
    rows = conn.execute(f"SELECT block_id, n_rows, layout, {cols} FROM {block_table(table)} "
                        f"WHERE {where} ORDER BY block_id", args)
    blocks = list(_decode_rows(table, rows, wanted))
    if not blocks:
        return None
    columns = dict(zip(wanted, (concat(list(c)) for c in zip(*blocks))))
    if ticks:
        keep = (columns["tick"] >= ticks[0]) & (columns["tick"] < ticks[1])
        columns = {n: take(v, keep) for n, v in columns.items()}
    columns["run_id"] = np.full(len(columns[wanted[0]]), run_id, np.int64)
    return {n: columns[n] for n in names}


def truncate_blocks(conn: sqlite3.Connection, table: Table, run_id: int, tick: int) -> None:
    """Delete the run's rows of ticks >= ``tick`` (a block straddling it is rewritten)."""
    name = block_table(table)
    conn.execute(f"DELETE FROM {name} WHERE run_id = ? AND tick_min >= ?", (run_id, tick))
    names = [c.name for c in table.data_columns]
    cols = ", ".join(f'"{n}"' for n in names)
    straddling = conn.execute(f"SELECT block_id, n_rows, layout, {cols} FROM {name} "
                              "WHERE run_id = ? AND tick_max >= ?", (run_id, tick)).fetchall()
    for (block_id, *_), columns in zip(straddling, _decode_rows(table, straddling, names)):
        kept = np.flatnonzero(columns[names.index("tick")] < tick)
        conn.execute(f"DELETE FROM {name} WHERE block_id = ?", (block_id,))
        insert_block(conn, table, run_id, [take(c, kept) for c in columns], block_id)

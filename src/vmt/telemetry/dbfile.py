"""Recognising a VMT telemetry file and opening it safely.

Before anything writes to an existing file we check, without modifying it,
that it is a healthy VMT telemetry database:

1. it starts with the 16-byte SQLite header ``b"SQLite format 3\\0"``;
2. it is not shorter than its header says: bytes 16–17 hold the page size
   (1 meaning 65536), bytes 28–31 the page count, valid when bytes 92–95 equal
   the change counter at bytes 24–27; a file smaller than
   ``page_size × page_count`` has been truncated. (Skipped while a non-empty
   ``-wal`` file exists, since a checkpoint may be extending the file.);
3. opened read-only (URI ``mode=ro``, or ``immutable=1`` when no write-ahead
   log shows a writer, see :func:`connect_readonly`), it has a ``meta`` table naming the
   format ``vmt-telemetry`` and a schema version this code understands.

Any ``sqlite3.DatabaseError`` met on the way is turned into a
:class:`TelemetryError` naming the file.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from vmt.telemetry.errors import TelemetryError
from vmt.telemetry.schema import FORMAT_NAME, READABLE_VERSIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_BYTES = 100


def declared_size(header: bytes) -> int | None:
    """Database size in bytes stated by a SQLite header, or None if not stated."""
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    page_count = int.from_bytes(header[28:32], "big")
    if header[92:96] != header[24:28] or page_count == 0:
        return None
    return page_size * page_count


def _wal_in_use(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0


def check_sqlite_bytes(path: Path) -> None:
    """Raise TelemetryError unless ``path`` is a non-empty, untruncated SQLite file."""
    if not path.exists():
        raise TelemetryError(f"No telemetry file at {str(path)!r}: the file does not exist.")
    if not path.is_file():
        raise TelemetryError(f"{str(path)!r} is not a telemetry file: it is a directory or special file.")
    size = path.stat().st_size
    with path.open("rb") as fh:
        header = fh.read(_HEADER_BYTES)
    if not header.startswith(SQLITE_MAGIC) or len(header) < _HEADER_BYTES:
        raise TelemetryError(
            f"{str(path)!r} is not a VMT telemetry file: it is not an SQLite database "
            f"(its {size} bytes do not start with the SQLite header). It may be another kind "
            "of file, or a telemetry file whose beginning was overwritten.")
    expected = declared_size(header)
    if expected is not None and size < expected and not _wal_in_use(path):
        raise TelemetryError(
            f"{str(path)!r} is truncated: its SQLite header declares {expected} bytes but the "
            f"file holds only {size}. It was probably cut short by an interrupted copy or a "
            "full disk; recover it from the original or re-run the simulation.")


def readonly_uri(path: Path, immutable: bool = False) -> str:
    """``file:`` URI opening ``path`` read-only (percent-encoded, so any name works).

    ``immutable`` tells SQLite the file cannot change while it is open: no
    locks, no ``-shm``/``-wal`` files, so it works on read-only media.
    """
    return path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection that creates no file beside ``path``.

    A file with no write-ahead log is not being written (a writer keeps a
    ``-wal`` file while it is open, and the last one to close removes it), so
    it is opened *immutable*. A file with a ``-wal`` — a run being written, or
    one killed before it could close — is opened ``mode=ro`` so that the rows
    committed in the log are read too; if that fails (read-only media without
    the ``-shm`` file) it falls back to immutable, reading what was
    checkpointed into the file itself.
    """
    if not _wal_in_use(path):
        return sqlite3.connect(readonly_uri(path, immutable=True), uri=True)
    conn = sqlite3.connect(readonly_uri(path), uri=True)
    try:
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError:
        conn.close()
        return sqlite3.connect(readonly_uri(path, immutable=True), uri=True)
    return conn


def damaged(path: Path, exc: BaseException) -> TelemetryError:
    """The error for a file SQLite itself cannot read."""
    return TelemetryError(
        f"{str(path)!r} could not be read as a VMT telemetry database: SQLite reports "
        f"'{exc}'. The file is damaged or not a telemetry file.")


def check_vmt_meta(conn: sqlite3.Connection, path: Path) -> None:
    """Raise TelemetryError unless the database's ``meta`` table marks it as ours."""
    try:
        rows = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise damaged(path, exc) from exc
        raise TelemetryError(
            f"{str(path)!r} is an SQLite database but not a VMT telemetry file (it has no "
            "'meta' table); choose another path, VMT will not write into it.") from None
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from exc
    if rows.get("format") != FORMAT_NAME:
        raise TelemetryError(f"{str(path)!r} is an SQLite database but not a VMT telemetry file "
                             f"(meta.format is {rows.get('format')!r}).")
    if rows.get("schema_version") not in {str(v) for v in READABLE_VERSIONS}:
        raise TelemetryError(
            f"{str(path)!r} uses telemetry schema version {rows.get('schema_version')}, but this "
            f"VMT reads versions {', '.join(map(str, READABLE_VERSIONS))} and writes version "
            f"{SCHEMA_VERSION}; use the VMT version that wrote it.")


@contextmanager
def open_readonly(path: str | Path) -> Iterator[sqlite3.Connection]:
    """Open a checked VMT telemetry file read-only; close it on exit.

    ``sqlite3.DatabaseError`` raised inside the block becomes a TelemetryError.
    """
    path = Path(path)
    check_sqlite_bytes(path)
    try:
        conn = connect_readonly(path)
    except sqlite3.Error as exc:
        raise damaged(path, exc) from exc
    try:
        check_vmt_meta(conn, path)
        yield conn
    except sqlite3.DatabaseError as exc:
        raise damaged(path, exc) from exc
    finally:
        conn.close()


def check_existing_vmt_file(path: Path) -> None:
    """Refuse, without modifying it, an existing file that is not VMT telemetry.

    An empty (0-byte) file is accepted: SQLite treats it as a new database.
    """
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return
    with open_readonly(path):
        pass

"""The batched SQLite telemetry writer.

Rows are validated and converted when appended (so a bad column fails at the
call that produced it), buffered in memory as per-column Python lists, and
written with ``executemany`` inside one ``BEGIN IMMEDIATE … COMMIT``
transaction once the buffer holds ``flush_rows`` rows, at :meth:`flush` and at
:meth:`end_run`. The file is in WAL mode with ``synchronous=NORMAL``: a crash
or a power cut may lose the batch being written but never corrupts what was
committed, and readers (a live viewer, a notebook) can read while the run
writes.
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from vmt.telemetry.columns import json_default, convert_columns
from vmt.telemetry.dbfile import check_existing_vmt_file
from vmt.telemetry.errors import TelemetryError
from vmt.telemetry.schema import FORMAT_NAME, RUN_STATUSES, SCHEMA_VERSION, TABLES, schema_ddl

# How an exception escaping the `with` block ends the run.
EXIT_STATUS = {KeyboardInterrupt: "interrupted", SystemExit: "interrupted"}
_INT64_MAX = 2**63 - 1


def utc_now() -> str:
    """Current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _insert_sql(table_name: str) -> str:
    names = TABLES[table_name].column_names
    cols = ", ".join(f'"{n}"' for n in names)
    return f"INSERT INTO {table_name} ({cols}) VALUES ({', '.join('?' * len(names))})"


class TelemetryWriter:
    """Write one or several runs into a VMT telemetry SQLite file.

    Parameters
    ----------
    path : str or Path
        The file. Parent directories, the file and the schema are created as
        needed; an existing file must be a VMT telemetry database (else
        :class:`TelemetryError`, and the file is left byte-for-byte untouched).
    flush_rows : int
        Buffered rows (over all tables) that trigger a flush. 200 000 rows of
        ``agent_snapshots`` take roughly 20 MB of Python objects.

    Examples
    --------
    >>> with TelemetryWriter(path) as tw:                       # doctest: +SKIP
    ...     run_id = tw.begin_run(scenario_name="demo", scenario_hash="ab12",
    ...                           scenario_text=yaml_text, seed=7, version="0.1.0")
    ...     tw.append("agent_snapshots", tick=0, agent_id=ids, x=x, y=y, A=a, B=b,
    ...               M=m, utility=u)
    ...     tw.end_run()
    """

    def __init__(self, path: str | Path, *, flush_rows: int = 200_000):
        if int(flush_rows) < 1:
            raise TelemetryError(f"flush_rows must be a positive number of rows, got {flush_rows!r}.")
        self.path = Path(path)
        self.flush_rows = int(flush_rows)
        self.run_id: int | None = None
        self._buffer: dict[str, list[list[list]]] = {}
        self._buffered_rows = 0
        self._ticks_completed = 0
        self._conn = self._connect()

    # -- file -----------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        check_existing_vmt_file(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._create_schema(conn)
        except (OSError, sqlite3.Error) as exc:
            raise TelemetryError(f"Cannot open {str(self.path)!r} for telemetry: {exc}.") from exc
        return conn

    @staticmethod
    def _create_schema(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        for statement in schema_ddl():
            conn.execute(statement)
        conn.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                         [("format", FORMAT_NAME), ("schema_version", str(SCHEMA_VERSION))])
        conn.execute("COMMIT")

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise TelemetryError(f"The telemetry writer for {str(self.path)!r} is closed.")
        return self._conn

    # -- runs -----------------------------------------------------------------
    def begin_run(self, *, scenario_name: str, scenario_hash: str, scenario_text: str,
                  seed: int, version: str, params: dict | None = None) -> int:
        """Insert a ``runs`` row with status 'running' and return its run_id."""
        if self.run_id is not None:
            raise TelemetryError(f"Run {self.run_id} in {str(self.path)!r} is still open; "
                                 "call end_run() before begin_run().")
        seed = int(seed)
        if not 0 <= seed <= _INT64_MAX:
            raise TelemetryError(f"seed must be an integer in [0, 2**63 - 1] to be stored, got {seed}.")
        params_json = json.dumps(params or {}, sort_keys=True, default=json_default)
        cursor = self._live().execute(
            "INSERT INTO runs (scenario_name, scenario_hash, scenario_text, params_json, seed, "
            "version, started_at, status, ticks_completed) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', 0)",
            (str(scenario_name), str(scenario_hash), str(scenario_text), params_json, seed,
             str(version), utc_now()))
        self.run_id = int(cursor.lastrowid)
        self._ticks_completed = 0
        return self.run_id

    def set_progress(self, ticks_completed: int) -> None:
        """Remember the ticks completed; written to ``runs`` at the next flush."""
        self._ticks_completed = int(ticks_completed)

    def end_run(self, status: str = "completed") -> None:
        """Flush, then record ``finished_at``, ``status`` and ``ticks_completed``."""
        if status not in RUN_STATUSES or status == "running":
            raise TelemetryError(f"Unknown final run status {status!r}; use one of "
                                 f"{[s for s in RUN_STATUSES if s != 'running']}.")
        run_id = self._require_run()
        self.flush()
        self._live().execute("UPDATE runs SET finished_at = ?, status = ?, ticks_completed = ? "
                             "WHERE run_id = ?", (utc_now(), status, self._ticks_completed, run_id))
        self.run_id = None

    def _require_run(self) -> int:
        if self.run_id is None:
            raise TelemetryError(f"No run is open in the telemetry writer for {str(self.path)!r}; "
                                 "call begin_run() first.")
        return self.run_id

    # -- rows -----------------------------------------------------------------
    def append(self, table: str, **columns: Any) -> None:
        """Buffer rows for ``table``: one equal-length array (or a scalar) per column.

        ``run_id`` is filled in. Nullable columns may be left out (NULL); NaN,
        None or a masked entry is NULL in a nullable column and an error in any
        other. Flushes when the buffer reaches ``flush_rows`` rows.
        """
        if table not in TABLES or table == "runs":
            raise TelemetryError(f"Unknown telemetry table {table!r}; tables that take rows are "
                                 f"{[t for t in TABLES if t != 'runs']}.")
        run_id = self._require_run()
        values, n_rows = convert_columns(TABLES[table], columns)
        self._buffer.setdefault(table, []).append([[run_id] * n_rows] + values)
        self._buffered_rows += n_rows
        if self._buffered_rows >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        """Write every buffered row and the progress in one transaction."""
        conn = self._live()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table, chunks in self._buffer.items():
                sql = _insert_sql(table)
                for chunk in chunks:
                    conn.executemany(sql, zip(*chunk))
            if self.run_id is not None:
                conn.execute("UPDATE runs SET ticks_completed = ? WHERE run_id = ?",
                             (self._ticks_completed, self.run_id))
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise TelemetryError(f"Writing telemetry to {str(self.path)!r} failed: {exc}; "
                                     "the rows of this batch were not written.") from exc
            raise
        self._buffer.clear()
        self._buffered_rows = 0

    @property
    def buffered_rows(self) -> int:
        """Rows waiting in memory for the next flush."""
        return self._buffered_rows

    # -- lifetime -------------------------------------------------------------
    def close(self) -> None:
        """Flush, end an open run as 'completed', and close the file."""
        if self._conn is None:
            return
        if self.run_id is not None:
            self.end_run("completed")
        else:
            self.flush()
        self._conn.close()
        self._conn = None

    def _abort(self, status: str) -> None:
        """End the open run with ``status`` after an exception; keep what can be kept."""
        try:
            self.flush()
        except Exception as exc:  # the batch cannot be written; the committed rows stay
            warnings.warn(f"Telemetry rows buffered for {str(self.path)!r} were lost: {exc}",
                          RuntimeWarning, stacklevel=3)
            self._buffer.clear()
            self._buffered_rows = 0
        try:
            if self.run_id is not None:
                self.end_run(status)
        except Exception as exc:  # the exception that ended the run is the one to raise
            warnings.warn(f"Could not mark run {self.run_id} in {str(self.path)!r} as "
                          f"{status!r}: {exc}", RuntimeWarning, stacklevel=3)
        finally:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "TelemetryWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.close()
        elif self._conn is not None:
            status = next((s for t, s in EXIT_STATUS.items() if issubclass(exc_type, t)), "failed")
            self._abort(status)
        return False

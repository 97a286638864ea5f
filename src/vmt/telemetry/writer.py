"""The durable SQLite telemetry writer.

Rows are validated and converted when appended (so a bad column fails at the
call that produced it) and buffered in memory as typed numpy columns. They are
committed only at the end of a tick (:meth:`TelemetryWriter.set_progress`),
so every commit holds whole ticks, and a tick's end commits when any budget
is spent: ``commit_seconds`` since the last commit (2 s by default),
``commit_ticks`` ticks, or ``flush_rows`` buffered rows. A commit is one
``BEGIN IMMEDIATE … COMMIT`` transaction writing the rows (as column blocks,
or with ``executemany`` in the row layout), the run's ``ticks_completed`` and,
when asked, a checkpoint of the simulation. The file is in WAL mode with
``synchronous=NORMAL``: a kill or a crash loses at most the ticks after the
last finished commit and never corrupts what was committed.

With ``background=True`` (what a simulation's recorder uses) the commits
that budgets trigger run on a :class:`~vmt.telemetry.committer.CommitThread`
while the caller goes on; at most one is in flight, so a kill then loses at
most the ticks of that commit and those buffered after it. :meth:`flush`
(explicit commits: checkpoints, the end of a run) always returns once the
rows are durable.

A failed commit (a full disk, a vanished directory, a file deleted or
replaced under the writer) raises one :class:`TelemetryError`, on the
caller's thread: at once, or for a background commit at the writer's next
call. The run is then marked ``failed`` if the file still accepts that small
update, and every tick committed before stays readable.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
import warnings
import weakref
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Union

from vmt.telemetry.blocks import python_values
from vmt.telemetry.blockstore import MERGE_ROWS, block_ddl, insert_blocks, truncate_blocks
from vmt.telemetry.checkpointer import WalCheckpointer
from vmt.telemetry.committer import CommitThread
from vmt.telemetry.columns import Deferred, Values, convert_columns, convert_deferred, json_default
from vmt.telemetry.dbfile import check_existing_vmt_file
from vmt.telemetry.errors import TelemetryError
from vmt.telemetry.liveness import dead_runs, this_writer
from vmt.telemetry.schema import FORMAT_NAME, RUN_STATUSES, SCHEMA_VERSION, TABLES, schema_ddl

# How an exception escaping the `with` block ends the run.
EXIT_STATUS = {KeyboardInterrupt: "interrupted", SystemExit: "interrupted"}
_INT64_MAX = 2**63 - 1
#: Tables whose rows belong to a tick (deleted past a checkpoint on resume).
TICK_TABLES = tuple(name for name, table in TABLES.items() if table.has_tick)
#: Page size of a new file: column blocks are long BLOBs, written through
#: chains of overflow pages; 32 KiB pages write them about 1.5x faster than
#: SQLite's 4 KiB (an empty file is then ~1.5 MB: one root page per table).
PAGE_SIZE = 32_768
#: A block's worth of rows: a background writer whose thread is idle commits
#: at the end of a tick once this many are buffered, budget spent or not (big
#: runs then commit nearly every tick, writing while the engine computes, and
#: the end of a run waits only for its last tick; a small run still commits
#: by budget, into blocks of ``MERGE_ROWS`` rows); and ``append_later`` makes
#: appends of this many rows or more on the writer's thread (smaller ones cost
#: less made at once than handed over).
BULK_ROWS = MERGE_ROWS
#: How a writer stores rows: one SQL row per row, or column blocks (see ``blockstore``).
LAYOUTS = ("rows", "columns")
#: Buffered appends: (table, run_id, typed columns or columns made at the
#: commit, rows), in append order.
Buffer = list[tuple[str, int, Union[list[Values], Deferred], int]]


def utc_now() -> str:
    """Current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _insert_sql(table_name: str) -> str:
    names = TABLES[table_name].column_names
    cols = ", ".join(f'"{n}"' for n in names)
    return f"INSERT INTO {table_name} ({cols}) VALUES ({', '.join('?' * len(names))})"


def _commit_failure(path: Path, exc: sqlite3.Error, committed: int) -> TelemetryError:
    """The one error a failed commit raises, saying what is kept."""
    full = "full" in str(exc).lower()
    cause = ("the disk is full (or the file reached its size limit)" if full
             else f"SQLite reports '{exc}'")
    return TelemetryError(
        f"Writing telemetry to {str(path)!r} failed: {cause}. The run stops and is marked "
        f"'failed'; the {committed} tick(s) committed before are intact and readable. "
        "Free space (or choose another --out) and run again, or resume from a checkpoint.")


def _thread_failure(path: Path, exc: BaseException, committed: int) -> TelemetryError:
    """The error for anything but SQLite's failing a background commit."""
    return TelemetryError(
        f"Writing telemetry to {str(path)!r} failed on the writer's thread: {type(exc).__name__}: "
        f"{exc}. The run stops; the {committed} tick(s) committed before are intact and readable.")


def _stop_threads(*threads) -> None:
    for thread in threads:
        if thread is not None:
            thread.close()


def _file_lost(path: Path) -> TelemetryError:
    """The error for a file deleted or replaced while the writer had it open."""
    return TelemetryError(
        f"The telemetry file {str(path)!r} was deleted or replaced while the run was writing it; "
        "what was written since went with the old file. The run stops. Keep the file in place "
        "while the run lasts (check for a clean-up job or another run writing to the same path) "
        "and run again.")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


class TelemetryWriter:
    """Write one or several runs into a VMT telemetry SQLite file.

    Parameters
    ----------
    path : str or Path
        The file. Parent directories, the file and the schema are created as
        needed; an existing file must be a VMT telemetry database (else
        :class:`TelemetryError`, and the file is left byte-for-byte untouched).
        Opening it marks runs whose writer process has died as ``interrupted``.
    flush_rows : int
        Buffered rows (over all tables) after which the end of a tick commits.
    commit_seconds : float
        Seconds after which the end of a tick commits (the most a kill loses,
        plus one tick).
    commit_ticks : int, optional
        Also commit at least every this many ticks.
    layout : {"rows", "columns"}
        ``"rows"`` stores each row as an SQL row of its table (plain SQL can
        query it; about 0.2 million rows a second); ``"columns"`` stores each
        flush's rows of a table as column blocks in ``<table>_blocks`` (tens
        of millions of rows a second; what simulations write). Readers read
        both alike.
    background : bool
        Run the commits that budgets trigger on a thread of its own (see the
        module docstring: what a kill can lose, where errors surface).

    Examples
    --------
    >>> with TelemetryWriter(path) as tw:                       # doctest: +SKIP
    ...     run_id = tw.begin_run(scenario_name="demo", scenario_hash="ab12",
    ...                           scenario_text=yaml_text, seed=7, version="0.1.0")
    ...     tw.append("agent_snapshots", tick=0, agent_id=ids, x=x, y=y, A=a, B=b,
    ...               M=m, utility=u)
    ...     tw.set_progress(1)                                  # tick 0 is done
    """

    def __init__(self, path: str | Path, *, flush_rows: int = 200_000, commit_seconds: float = 2.0,
                 commit_ticks: int | None = None, layout: str = "rows", background: bool = False):
        if layout not in LAYOUTS:
            raise TelemetryError(f"Unknown telemetry layout {layout!r}; use one of {list(LAYOUTS)}.")
        if int(flush_rows) < 1:
            raise TelemetryError(f"flush_rows must be a positive number of rows, got {flush_rows!r}.")
        if commit_ticks is not None and int(commit_ticks) < 1:
            raise TelemetryError(f"commit_ticks must be a positive number of ticks, got {commit_ticks!r}.")
        self.path = Path(path)
        self.flush_rows = int(flush_rows)
        self.commit_seconds = float(commit_seconds)
        self.commit_ticks = None if commit_ticks is None else int(commit_ticks)
        self.layout = layout
        self.run_id: int | None = None
        self.failure: TelemetryError | None = None
        self._failure_raised = False
        self._buffer: Buffer = []
        self._buffered_rows = 0
        self._tick_mark = (0, 0)  # buffer length and rows at the last end of a tick
        self._ending = False  # end_run's commit is under way
        self._ticks_completed = 0
        self._ticks_committed = 0
        self._committed_at = time.monotonic()
        self._conn = self._connect()
        self._file = _identity(self.path)
        # column blocks write tens of MB a tick: the log is checkpointed off the engine's thread
        self._checkpointer = WalCheckpointer(self.path) if layout == "columns" else None
        self._committer = CommitThread(f"vmt-telemetry-{self.path.name}") if background else None
        # a writer dropped (or left at exit) unclosed still finishes its commit and stops its threads
        self._stop_threads = weakref.finalize(self, _stop_threads, self._committer, self._checkpointer)

    # -- file -----------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        check_existing_vmt_file(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")  # a new file only
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if self.layout == "columns":
                conn.execute("PRAGMA wal_autocheckpoint=0")  # the WalCheckpointer's thread does it
            conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: bulk inserts into the indexes
            self._create_schema(conn)
        except (OSError, sqlite3.Error) as exc:
            raise TelemetryError(f"Cannot open {str(self.path)!r} for telemetry: {exc}. Check that "
                                 "the directory exists, is writable and has free space.") from exc
        return conn

    @staticmethod
    def _create_schema(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        for statement in schema_ddl() + block_ddl():
            conn.execute(statement)
        # a file of schema version 1 gains the block tables: its rows stay as they are
        conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                         [("format", FORMAT_NAME), ("schema_version", str(SCHEMA_VERSION))])
        conn.executemany("UPDATE runs SET status = 'interrupted' WHERE run_id = ?",
                         [(run_id,) for run_id in dead_runs(conn)])
        conn.execute("COMMIT")

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise TelemetryError(f"The telemetry writer for {str(self.path)!r} is closed.")
        self.sync()
        return self._conn

    def sync(self) -> None:
        """Wait until every commit handed to the background thread is
        durable; raise the failure of one that failed."""
        if self._committer is not None:
            self._committer.wait()
            if self._committer.error is not None and self.failure is None:
                self.failure = _thread_failure(self.path, self._committer.error, self._ticks_committed)
        if self.failure is not None:
            self._failure_raised = True
            raise self.failure

    def _transaction(self, work) -> None:
        """Run ``work(conn)`` in one write transaction; a SQLite error fails
        the writer (``self.failure``, raised) and so does losing the file."""
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            work(conn)
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                self._fail(_commit_failure(self.path, exc, self._ticks_committed))
            raise
        if _identity(self.path) != self._file:
            self._fail(_file_lost(self.path))

    def _fail(self, failure: TelemetryError) -> None:
        """Fail the writer: every later call raises ``failure``; raise it now."""
        self.failure, self._failure_raised = failure, True
        raise failure from None

    # -- runs -----------------------------------------------------------------
    def begin_run(self, *, scenario_name: str, scenario_hash: str, scenario_text: str,
                  seed: int, version: str, params: dict | None = None) -> int:
        """Insert a ``runs`` row with status 'running' (committed at once) and return its run_id."""
        if self.run_id is not None:
            raise TelemetryError(f"Run {self.run_id} in {str(self.path)!r} is still open; "
                                 "call end_run() before begin_run().")
        seed = int(seed)
        if not 0 <= seed <= _INT64_MAX:
            raise TelemetryError(f"seed must be an integer in [0, 2**63 - 1] to be stored, got {seed}.")
        params_json = json.dumps(params or {}, sort_keys=True, default=json_default)
        row = (str(scenario_name), str(scenario_hash), str(scenario_text), params_json, seed,
               str(version), utc_now())

        def insert(conn):
            cursor = conn.execute(
                "INSERT INTO runs (scenario_name, scenario_hash, scenario_text, params_json, seed, "
                "version, started_at, status, ticks_completed) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', 0)",
                row)
            self.run_id = int(cursor.lastrowid)
            conn.execute("INSERT OR REPLACE INTO run_writers VALUES (?, ?, ?, ?)", (self.run_id, *this_writer()))

        self._live()
        self._transaction(insert)
        self._restart_clock(0)
        return self.run_id

    def resume_run(self, run_id: int, ticks_completed: int) -> None:
        """Continue run ``run_id`` after its first ``ticks_completed`` ticks.

        Rows of later ticks (committed after the checkpoint the run resumes
        from) are deleted, the run is marked ``running`` again and this
        process recorded as its writer, all in one transaction.
        """
        if self.run_id is not None:
            raise TelemetryError(f"Run {self.run_id} in {str(self.path)!r} is still open; "
                                 "call end_run() before resume_run().")

        def reopen(conn):
            for table in TICK_TABLES:
                conn.execute(f"DELETE FROM {table} WHERE run_id = ? AND tick >= ?", (run_id, ticks_completed))
                truncate_blocks(conn, TABLES[table], run_id, ticks_completed)
            conn.execute("UPDATE runs SET status = 'running', finished_at = NULL, ticks_completed = ? "
                         "WHERE run_id = ?", (ticks_completed, run_id))
            conn.execute("INSERT OR REPLACE INTO run_writers VALUES (?, ?, ?, ?)", (run_id, *this_writer()))

        self._live()
        self._transaction(reopen)
        self.run_id = int(run_id)
        self._restart_clock(ticks_completed)

    def _restart_clock(self, ticks_completed: int) -> None:
        self._ticks_completed = self._ticks_committed = self._ticks_handed_over = int(ticks_completed)
        self._committed_at = time.monotonic()

    def set_progress(self, ticks_completed: int, last: bool = False) -> None:
        """Mark the end of a tick; commit if a budget (time, ticks, rows) is spent
        (on the background thread if the writer has one), or, with a
        background thread that is idle, as soon as a block's worth of rows
        is buffered. ``last``: the run ends with this tick, the caller calls
        :meth:`end_run` next, which commits (one commit instead of two)."""
        self._ticks_completed = int(ticks_completed)
        self._tick_mark = (len(self._buffer), self._buffered_rows)
        if last:
            return
        if self._committer is None:
            if self._budget_spent():
                self.flush()
        elif self._budget_spent() or (self._buffered_rows >= BULK_ROWS and self._committer.idle):
            self._hand_over(None)

    def _budget_spent(self) -> bool:
        ticks_since = self._ticks_completed - self._ticks_handed_over
        return (self._buffered_rows >= self.flush_rows
                or time.monotonic() - self._committed_at >= self.commit_seconds
                or (self.commit_ticks is not None and ticks_since >= self.commit_ticks))

    def end_run(self, status: str = "completed") -> None:
        """Commit, then record ``finished_at``, ``status`` and ``ticks_completed``.

        After a failed commit only the status is written (if the file still
        takes it); the buffered rows are dropped. A commit that fails here
        (the run's first, on a full disk) marks the run ``failed`` too, then
        raises its :class:`TelemetryError`.
        """
        if status not in RUN_STATUSES or status == "running":
            raise TelemetryError(f"Unknown final run status {status!r}; use one of "
                                 f"{[s for s in RUN_STATUSES if s != 'running']}.")
        run_id = self._require_run()
        if status != "completed":  # rows of a tick that did not end are not committed
            del self._buffer[self._tick_mark[0]:]
            self._buffered_rows = self._tick_mark[1]
        reported = self._failure_raised
        self._ending = True  # no log checkpoint after the last commit: closing the file makes one
        try:
            with contextlib.suppress(TelemetryError):  # kept in self.failure, raised below if not yet
                self.flush()
        finally:
            self._ending = False
        if self.failure is None:
            ticks = self._ticks_completed
        else:
            status, ticks = "failed", self._ticks_committed
        self.run_id = None
        try:
            self._conn.execute("UPDATE runs SET finished_at = ?, status = ?, ticks_completed = ? "
                               "WHERE run_id = ?", (utc_now(), status, ticks, run_id))
        except sqlite3.Error as exc:
            if self.failure is None:
                raise _commit_failure(self.path, exc, self._ticks_committed) from None
        if self.failure is not None and not reported:
            self._failure_raised = True
            raise self.failure

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
        other. The rows are committed at the end of a tick (``set_progress``).
        """
        run_id = self._check_append(table)
        values, n_rows = convert_columns(TABLES[table], columns)
        self._buffer_rows(table, run_id, values, n_rows)

    def append_later(self, table: str, n_rows: int, make_columns: Callable[[], dict]) -> None:
        """Buffer ``n_rows`` rows for ``table`` whose columns ``make_columns()``
        returns (as for :meth:`append`) when they are committed.

        With a background writer, ``BULK_ROWS`` rows or more are made on its
        thread, so work such as deriving utilities leaves the caller's;
        ``make_columns`` must therefore read only arrays nobody changes
        meanwhile (copies taken now, or constants of the run). They are
        validated then: a bad value fails that commit, raised on the caller's
        thread like any failed commit, with every tick committed before kept.
        Fewer rows are made and appended at once.
        """
        if self._committer is None or n_rows < BULK_ROWS:
            self.append(table, **make_columns())
            return
        run_id = self._check_append(table)
        self._buffer_rows(table, run_id, Deferred(make_columns, int(n_rows)), int(n_rows))

    def _check_append(self, table: str) -> int:
        """The open run's id, once ``table`` is known and no commit has failed."""
        if table not in TABLES or table == "runs":
            raise TelemetryError(f"Unknown telemetry table {table!r}; tables that take rows are "
                                 f"{[t for t in TABLES if t != 'runs']}.")
        run_id = self._require_run()
        self._raise_background_failure()
        return run_id

    def _buffer_rows(self, table: str, run_id: int, values, n_rows: int) -> None:
        if n_rows:
            self._buffer.append((table, run_id, values, n_rows))
            self._buffered_rows += n_rows

    def _raise_background_failure(self) -> None:
        """Raise a background commit's failure (without waiting for the one in flight)."""
        if self.failure is not None or (self._committer is not None and self._committer.error is not None):
            self.sync()

    def flush(self, checkpoint: bytes | None = None) -> None:
        """Commit every buffered row, the progress and ``checkpoint`` in one
        transaction; return once it (and any commit before it) is durable."""
        self._live()
        if self._committer is None:
            self._commit(self._take_buffer(), self.run_id, self._ticks_completed, checkpoint, not self._ending)
        else:
            self._hand_over(checkpoint)
            self.sync()

    def _hand_over(self, checkpoint: bytes | None) -> None:
        """Give the buffered rows to the background thread as the next commit."""
        self._raise_background_failure()
        job = (self._take_buffer(), self.run_id, self._ticks_completed, checkpoint, not self._ending)
        self._committer.submit(lambda: self._commit_in_background(*job))

    def _take_buffer(self) -> Buffer:
        """The buffered rows, leaving the buffer empty (the budget clock restarts)."""
        buffer, self._buffer = self._buffer, []
        self._buffered_rows, self._tick_mark = 0, (0, 0)
        self._ticks_handed_over = self._ticks_completed
        self._committed_at = time.monotonic()
        return buffer

    def _commit_in_background(self, *job) -> None:
        """:meth:`_commit` on the background thread: its failure is kept for the caller's thread."""
        if self.failure is not None:  # never a commit after a failed one: the file keeps a prefix of ticks
            return
        try:
            self._commit(*job)
        except TelemetryError:  # in self.failure, for the caller's thread; anything else in the thread's error
            self._failure_raised = False

    def _commit(self, buffer: Buffer, run_id: int | None, ticks: int, checkpoint: bytes | None,
                checkpoint_log: bool = True) -> None:
        """Write ``buffer``, the progress ``ticks`` and ``checkpoint`` in one
        transaction; then let the log be checkpointed if ``checkpoint_log``."""
        buffer = self._made(buffer)

        def write(conn):
            self._write_buffer(conn, buffer)
            if run_id is not None:
                conn.execute("UPDATE runs SET ticks_completed = ? WHERE run_id = ?", (ticks, run_id))
                if checkpoint is not None:
                    conn.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)",
                                 (run_id, ticks, utc_now(), checkpoint))

        self._transaction(write)
        self._ticks_committed = ticks
        if self._checkpointer is not None and checkpoint_log:
            self._checkpointer.after_commit()

    def _made(self, buffer: Buffer) -> Buffer:
        """``buffer`` with its deferred columns made and validated (a bad value fails the writer)."""
        try:
            return [(table, run_id, convert_deferred(TABLES[table], values) if isinstance(values, Deferred)
                     else values, n_rows) for table, run_id, values, n_rows in buffer]
        except TelemetryError as exc:
            self._fail(TelemetryError(f"{exc} The run stops; the {self._ticks_committed} tick(s) "
                                      "committed before are intact and readable."))

    def _write_buffer(self, conn: sqlite3.Connection, buffer: Buffer) -> None:
        """Insert buffered appends in the writer's layout."""
        if self.layout == "rows":
            for table, run_id, columns, n_rows in buffer:
                conn.executemany(_insert_sql(table), zip([run_id] * n_rows, *map(python_values, columns)))
            return
        grouped: dict[tuple[str, int], list] = {}
        for table, run_id, columns, n_rows in buffer:
            grouped.setdefault((table, run_id), []).append((columns, n_rows))
        for (table, run_id), parts in grouped.items():
            insert_blocks(conn, TABLES[table], run_id, parts)

    @property
    def writing_in_background(self) -> bool:
        """True while the writer's background thread runs (until :meth:`close`)."""
        return self._committer is not None and self._committer.alive

    @property
    def buffered_rows(self) -> int:
        """Rows waiting in memory for the next commit."""
        return self._buffered_rows

    @property
    def ticks_committed(self) -> int:
        """Ticks whose rows are committed (what a kill now would keep; with a
        background thread, :meth:`sync` first to count the commit in flight)."""
        return self._ticks_committed

    # -- lifetime -------------------------------------------------------------
    def close(self) -> None:
        """Commit, end an open run as 'completed', and close the file."""
        if self._conn is None:
            return
        try:
            if self.run_id is not None:
                self.end_run("completed")
            elif self.failure is None:
                self.flush()
        finally:
            self._close_connections()

    def _close_connections(self) -> None:
        """Finish the commit in flight and stop its thread, close the
        checkpointer's connection, then the writer's: the last one to close
        moves the log into the file and removes it."""
        self._stop_threads()
        self._conn.close()
        self._conn = None

    def _abort(self, status: str) -> None:
        """End the open run with ``status`` after an exception; keep what can be kept."""
        try:
            if self.run_id is not None:
                self.end_run(status)
        except Exception as exc:  # the exception that ended the run is the one to raise
            warnings.warn(f"Could not mark run {self.run_id} in {str(self.path)!r} as "
                          f"{status!r}: {exc}", RuntimeWarning, stacklevel=3)
        finally:
            self._close_connections()

    def __enter__(self) -> "TelemetryWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.close()
        elif self._conn is not None:
            status = next((s for t, s in EXIT_STATUS.items() if issubclass(exc_type, t)), "failed")
            self._abort(status)
        return False

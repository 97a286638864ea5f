"""Moving the write-ahead log into the database file on a thread of its own.

In WAL mode a commit appends pages to the ``-wal`` file; a *checkpoint*
later copies them into the database file and syncs both. By default SQLite
checkpoints inside the commit that makes the log pass 1000 pages, on the
thread that commits, which for a simulation is the engine's thread. The
writer instead turns automatic checkpoints off and asks this checkpointer,
which holds a connection of its own and runs ``PRAGMA
wal_checkpoint(PASSIVE)`` on a background thread (SQLite releases the GIL
while it works), so the engine computes the next tick meanwhile.

Durability is unchanged: a transaction is durable once its commit has
appended it to the log, whether or not a checkpoint follows; a checkpoint
that fails (a full disk) leaves the pages in the log, where readers find
them, and the next checkpoint, or the last connection closing, retries.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

#: Log size (bytes) from which a commit asks for a checkpoint.
CHECKPOINT_BYTES = 4 * 2**20


class WalCheckpointer:
    """A background thread checkpointing ``path``'s write-ahead log on request."""

    def __init__(self, path: Path):
        self._wal = path.with_name(path.name + "-wal")
        self._conn = sqlite3.connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
        self._wake = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._work, name="vmt-wal-checkpoint", daemon=True)
        self._thread.start()

    def after_commit(self) -> None:
        """Ask for a checkpoint if the log has grown past ``CHECKPOINT_BYTES``."""
        try:
            large = self._wal.stat().st_size >= CHECKPOINT_BYTES
        except OSError:
            return
        if large:
            self._wake.set()

    def _work(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._closing:
                break
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                pass  # the pages stay in the log; the next checkpoint or the last close retries
        self._conn.close()

    def close(self) -> None:
        """Stop the thread (after a checkpoint in progress) and close its connection."""
        if self._thread.is_alive():
            self._closing = True
            self._wake.set()
            self._thread.join()

"""Committing telemetry on a thread of its own, one commit at a time.

A simulation's recorder hands each commit (the rows of whole ticks, already
validated and copied into numpy columns by the engine's thread) to a
:class:`CommitThread`, which encodes the column blocks and runs the SQLite
transaction while the engine computes the next ticks. SQLite releases the
GIL while it inserts and commits, so the writing overlaps with the engine's
serial stretches instead of adding to them.

At most one commit is *in flight*: handing over the next waits until the
previous one has finished. That bounds the memory (the rows being written
plus the rows buffered since, never a growing queue when the disk is slow)
and what a kill can lose: the ticks of the commit in flight and those
buffered after it. A commit that fails is recorded by the job itself (the
writer keeps the error and raises it on the engine's thread at its next
call); anything else escaping a job is kept in :attr:`CommitThread.error`.

The writer stops its thread when it is closed, and also when it is garbage
collected or the interpreter exits with the writer still open (a simulation
stepped but never finished): the commit in flight is finished first, so no
commit already handed over is lost.
"""

from __future__ import annotations

import threading
from typing import Callable

#: Commits a writer may have handed over and not yet finished.
COMMITS_IN_FLIGHT = 1


class CommitThread:
    """A background thread running one job (a commit) at a time."""

    def __init__(self, name: str):
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._job: Callable[[], None] | None = None
        self._busy = False
        self._closing = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on the thread once the job before it has finished."""
        self.wait()
        with self._changed:
            self._job, self._busy = job, True
            self._changed.notify_all()

    def wait(self) -> None:
        """Return when no job is running or waiting."""
        with self._changed:
            while self._busy and self._thread.is_alive():
                self._changed.wait(0.5)

    @property
    def idle(self) -> bool:
        """True if no job is running or waiting (a submit now would not wait)."""
        return not self._busy

    @property
    def alive(self) -> bool:
        """True until :meth:`close` has stopped the thread."""
        return self._thread.is_alive()

    def _work(self) -> None:
        while True:
            with self._changed:
                while self._job is None and not self._closing:
                    self._changed.wait()
                if self._job is None:
                    return
                job, self._job = self._job, None
            try:
                job()
            except BaseException as exc:  # noqa: BLE001 - kept for the engine's thread to raise
                self.error = exc
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()
            del job  # it holds its writer: let that be collected (its finalizer may close us, here)

    def close(self) -> None:
        """Finish the job in flight, then stop the thread."""
        self.wait()
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join()

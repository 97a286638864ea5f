"""The other end of start-up: no full garbage collections over numba at exit.

A process that has loaded numba holds a few hundred thousand container
objects (its typing and lowering registries, IR classes, LLVM wrappers). At
exit CPython clears every module and runs full collections over all of
them: measured 0.3–0.5 s of wall time after the last line of a small run, a
third of a whole 101-tick process. :func:`install` registers ``gc.freeze``
with :mod:`atexit`; exit handlers registered after it run first (they are
called last-in first-out), then the collector ignores every object still
alive, and the exit frees objects by their reference counts alone.

Nothing a program asks for is skipped: exit handlers, ``weakref.finalize``
callbacks, ``with`` blocks and explicit ``close()`` calls all run, and an
object that is not part of a reference cycle is deallocated (an unclosed
file is flushed) as before. What is no longer done is what Python does not
promise at exit anyway: objects kept alive only by reference cycles are not
finalized. Collections while the program runs are untouched.
"""

from __future__ import annotations

import atexit
import gc

_installed = False


def install() -> None:
    """Register the freeze once per process."""
    global _installed
    if not _installed:
        atexit.register(gc.freeze)
        _installed = True

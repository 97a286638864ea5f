"""How many threads the parallel kernels use, and how idle threads wait.

Two decisions keep two threads from ever being much slower than one on a
shared machine:

* **Idle threads sleep.** numba's OpenMP layer spins idle workers by
  default; next to another busy process the spinning workers steal the
  cores the real work needs (runs measured 5–37× slower with two threads
  than one). ``OMP_WAIT_POLICY=passive`` makes them sleep instead. OpenMP
  reads it once, when numba first loads its threading layer, so
  :func:`prepare_environment` runs at ``import vmt``, before numba.
* **Small runs use one thread.** Waking workers costs tens of microseconds
  per parallel kernel; below :data:`SMALL_RUN_AGENTS` agents that costs more
  than it saves.

Results do not depend on the thread count: every parallel kernel writes
only its own slots, so a run is bit-identical under 1 or N threads.
``VMT_THREADS`` (or ``threads=`` / ``--threads``) overrides the choice.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

#: Below this many agents a run uses one thread.
SMALL_RUN_AGENTS = 20_000

#: Environment variable that fixes the thread count of every run.
THREADS_ENV = "VMT_THREADS"


def prepare_environment(environ=os.environ) -> None:
    """Set the OpenMP wait policy (unless the user chose one) before numba loads."""
    environ.setdefault("OMP_WAIT_POLICY", "passive")


def max_threads() -> int:
    """Threads numba was started with (``NUMBA_NUM_THREADS``, default: the cores)."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def check_threads(requested: int) -> int:
    """``requested`` if numba can run that many threads, else a ``ValueError``."""
    available = max_threads()
    if not 1 <= requested <= available:
        raise ValueError(
            f"threads must be between 1 and {available} (the threads numba was started with; "
            f"set NUMBA_NUM_THREADS before starting Python for more), got {requested}"
        )
    return requested


def choose_threads(n_agents: int, requested: int | None = None) -> int:
    """Threads for a run of ``n_agents``: ``requested``, else ``VMT_THREADS``,
    else one for a small run and all of numba's for a large one."""
    if requested is None and os.environ.get(THREADS_ENV, "").strip():
        text = os.environ[THREADS_ENV]
        try:
            requested = int(text)
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be a whole number of threads, got {text!r}") from None
    if requested is not None:
        return check_threads(int(requested))
    return 1 if n_agents < SMALL_RUN_AGENTS else max_threads()


@contextmanager
def using_threads(count: int):
    """Run the body with numba limited to ``count`` threads (per calling thread),
    restoring the previous limit afterwards."""
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(count)
    try:
        yield
    finally:
        numba.set_num_threads(previous)

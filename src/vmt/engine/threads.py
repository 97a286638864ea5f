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
* **Large runs check.** Next to other busy processes even a large run can
  be slower with two threads; :class:`ThreadChooser` times both counts now
  and then and keeps the faster.

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
    else one for a small run and all the caller allows for a large one."""
    if requested is None and os.environ.get(THREADS_ENV, "").strip():
        text = os.environ[THREADS_ENV]
        try:
            requested = int(text)
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be a whole number of threads, got {text!r}") from None
    if requested is not None:
        return check_threads(int(requested))
    return 1 if n_agents < SMALL_RUN_AGENTS else allowed_threads()


def allowed_threads() -> int:
    """The caller's current numba thread limit (``numba.set_num_threads``;
    e.g. a sweep runner that gives each run one thread)."""
    import numba

    return int(numba.get_num_threads())


class ThreadChooser:
    """The thread count of each tick of one run.

    Fixed when the count was requested or the run is small. Otherwise
    adaptive: on a shared machine two threads can be slower than one (a
    parallel kernel waits for its slowest thread, and a thread that shares a
    core with another busy process is slow), so the chooser *probes* — it
    alternates all threads and one thread for :attr:`PROBE_TICKS` ticks each,
    interleaved so that a trend in the economy's cost favours neither — keeps
    the faster for :attr:`KEEP_TICKS` ticks, then probes again. The first
    tick (loading kernels) is not timed. Results never depend on the count.
    """

    PROBE_TICKS = 2
    KEEP_TICKS = 40

    def __init__(self, n_agents: int, requested: int | None = None):
        self.fixed = choose_threads(n_agents, requested)
        adaptive = requested is None and not os.environ.get(THREADS_ENV, "").strip() and self.fixed > 1
        self.candidates = (self.fixed, 1) if adaptive else (self.fixed,)
        self.chosen = self.fixed
        self._plan: list[int] = []
        self._seconds: dict[int, float] = {}
        self._ticks = 0

    def next(self) -> int:
        """Threads for the coming tick."""
        if len(self.candidates) == 1 or self._ticks == 0:
            return self.chosen
        if not self._plan and self._ticks % (self.KEEP_TICKS + 2 * self.PROBE_TICKS) == 1:
            self._plan = [c for _ in range(self.PROBE_TICKS) for c in self.candidates]
            self._seconds = dict.fromkeys(self.candidates, 0.0)
        return self._plan[0] if self._plan else self.chosen

    def record(self, threads: int, seconds: float) -> None:
        """Time taken by the tick just run with ``threads``."""
        self._ticks += 1
        if self._plan and threads == self._plan[0]:
            self._plan.pop(0)
            self._seconds[threads] += seconds
            if not self._plan:
                self.chosen = min(self.candidates, key=lambda c: (self._seconds[c], -c))


@contextmanager
def using_threads(count: int):
    """Run the body with numba limited to ``count`` threads (per calling thread),
    restoring the previous limit afterwards."""
    import numba

    previous = numba.get_num_threads()
    if count != previous:  # setting costs more than asking: a tiny tick pays it twice
        numba.set_num_threads(count)
    try:
        yield
    finally:
        if numba.get_num_threads() != previous:
            numba.set_num_threads(previous)

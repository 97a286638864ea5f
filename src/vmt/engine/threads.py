"""How many threads the parallel kernels use, and how idle threads wait.

Three decisions keep two threads from ever being slower than one on a
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
* **Large runs use the cores that are free.** A parallel kernel waits for
  its slowest thread, so a thread that shares a core with another busy
  process slows the whole kernel. :class:`ThreadChooser` reads how much CPU
  other processes are using (:mod:`vmt.engine.cpu_load`) and runs one
  thread per free core, with hysteresis, re-reading every few tenths of a
  second.

Results do not depend on the thread count: every parallel kernel writes
only its own slots, so a run is bit-identical under 1 or N threads.
``VMT_THREADS`` (or ``threads=`` / ``--threads``) overrides the choice.
"""

from __future__ import annotations

import math
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


#: A run keeps ``n`` threads while at least ``n - KEEP_SLACK`` cores are
#: free (a second thread that finds half a core free still helps) ...
KEEP_SLACK = 0.5
#: ... and adds a thread only when that thread would find this much of a core
#: free: the gap between the two is the hysteresis that keeps a run from
#: switching back and forth on noise.
ADD_SLACK = 0.25


def threads_for(free_cores: float, current: int, most: int) -> int:
    """Thread count for the next ticks, given the cores other processes leave free.

    ``floor(free + slack)`` threads, between 1 and ``most``: fewer than
    ``current`` when ``free < current - KEEP_SLACK``, more only when
    ``free >= current + 1 - ADD_SLACK``; otherwise ``current`` is kept.
    On two cores: down to one thread when others use more than half a core,
    back up when they use less than a quarter.
    """
    def fit(slack: float) -> int:
        return max(1, min(most, math.floor(free_cores + slack)))

    keep, add = fit(KEEP_SLACK), fit(ADD_SLACK)
    if keep < current:
        return keep
    return add if add > current else current


class ThreadChooser:
    """The thread count of each tick of one run.

    Fixed when the count was requested or the run is small. Otherwise it
    follows the machine: a parallel kernel waits for its slowest thread, and
    a thread that shares a core with another busy process is slow, so a run
    uses only as many threads as there are cores other processes leave free
    (:func:`threads_for`, from the CPU time the kernel counts,
    :class:`vmt.engine.cpu_load.FreeCores`). The reading covers a few tenths
    of a second and is taken again every window, so the run follows a
    neighbour that starts or stops. Where those counters cannot be read it
    times both counts instead (:class:`TimingProbes`). Results never depend
    on the count.
    """

    def __init__(self, n_agents: int, requested: int | None = None, *, free_cores=None):
        self.fixed = choose_threads(n_agents, requested)
        adaptive = requested is None and not os.environ.get(THREADS_ENV, "").strip() and self.fixed > 1
        self.chosen = self.fixed
        self.free_cores = self.probes = None
        if adaptive:
            from vmt.engine.cpu_load import FreeCores  # not at `import vmt`, which loads this module

            watch = free_cores if free_cores is not None else FreeCores()
            if watch.available:
                self.free_cores = watch
            else:
                self.probes = TimingProbes((self.fixed, 1))

    def next(self) -> int:
        """Threads for the coming tick."""
        if self.free_cores is not None:
            free = self.free_cores.poll()
            if free is not None:
                self.chosen = threads_for(free, self.chosen, self.fixed)
        elif self.probes is not None:
            return self.probes.next(self.chosen)
        return self.chosen

    def record(self, threads: int, seconds: float) -> None:
        """Time taken by the tick just run with ``threads``."""
        if self.probes is not None:
            self.chosen = self.probes.record(threads, seconds, self.chosen)


class TimingProbes:
    """Choosing by timing, where the CPU counters cannot be read.

    Alternates the candidate counts for :attr:`PROBE_TICKS` ticks each,
    interleaved so that a trend in the economy's cost favours neither, then
    keeps the choice for :attr:`KEEP_TICKS` ticks. The first tick (loading
    kernels) is not timed. The choice changes only when another count was
    faster by more than :attr:`MARGIN`: two close counts cannot be told
    apart in a shared host's noise, and switching on noise costs.
    """

    PROBE_TICKS = 2
    KEEP_TICKS = 40
    MARGIN = 0.10

    def __init__(self, candidates: tuple[int, ...]):
        self.candidates = candidates
        self._plan: list[int] = []
        self._seconds: dict[int, float] = {}
        self._ticks = 0

    def next(self, chosen: int) -> int:
        if self._ticks == 0:
            return chosen
        if not self._plan and self._ticks % (self.KEEP_TICKS + 2 * self.PROBE_TICKS) == 1:
            self._plan = [c for _ in range(self.PROBE_TICKS) for c in self.candidates]
            self._seconds = dict.fromkeys(self.candidates, 0.0)
        return self._plan[0] if self._plan else chosen

    def record(self, threads: int, seconds: float, chosen: int) -> int:
        """Note a tick's time; returns the count to keep."""
        self._ticks += 1
        if self._plan and threads == self._plan[0]:
            self._plan.pop(0)
            self._seconds[threads] += seconds
            if not self._plan:
                fastest = min(self.candidates, key=lambda c: (self._seconds[c], -c))
                if self._seconds[fastest] < self._seconds[chosen] * (1 - self.MARGIN):
                    return fastest
        return chosen


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

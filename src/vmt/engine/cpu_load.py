"""How many cores' worth of CPU other processes are using right now.

The thread chooser needs to know whether a second thread would find a core
of its own. Timing the run at both counts cannot tell: the difference is
often smaller than the host's noise, and every probe tick at the wrong
count costs. The kernel already counts what every core did: ``/proc/stat``
has each core's busy time (in clock ticks), and the process's own CPU time
is exact (``time.process_time``, all its threads). Their difference over a
window is the CPU that *other* processes took on the cores this process may
run on (``os.sched_getaffinity``).

Two refinements keep the reading honest:

* Time of processes with a higher nice value is left out when this process
  is not niced itself: the scheduler gives them only a sliver of a core
  that this process wants, so they do not slow its threads.
* A container's CPU quota (cgroup ``cpu.max``, or ``cpu.cfs_quota_us`` in
  cgroup v1) lowers the cores the process may use, even when more are idle.

Where ``/proc/stat`` cannot be read (not Linux) :func:`read_sample` returns
None and the chooser falls back to timing.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

#: /proc/stat's columns after the cpu name, in order.
_COLUMNS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
#: Columns that are a core running something (``guest`` time is already in ``user``).
#: ``steal`` (the hypervisor running another machine) is not a process of this
#: machine competing with our threads, and slows every core alike, so it is left out.
_BUSY = ("user", "nice", "system", "irq", "softirq")


@dataclass(frozen=True)
class CpuSample:
    """One reading: when, the CPU seconds the usable cores were busy, and ours."""

    wall: float
    busy: float
    own: float


@dataclass(frozen=True)
class CpuView:
    """Where to read, and what this process may use (injectable for tests)."""

    stat_path: Path = Path("/proc/stat")
    cores: frozenset[int] | None = None  # the usable cores' numbers (None: from the affinity)
    niced: bool | None = None  # is this process niced itself (None: ask the OS)

    def usable_cores(self) -> frozenset[int]:
        if self.cores is not None:
            return self.cores
        if hasattr(os, "sched_getaffinity"):
            return frozenset(os.sched_getaffinity(0))
        return frozenset(range(os.cpu_count() or 1))

    def own_niced(self) -> bool:
        if self.niced is not None:
            return self.niced
        return hasattr(os, "getpriority") and os.getpriority(os.PRIO_PROCESS, 0) > 0


def busy_seconds(stat_text: str, cores: frozenset[int], count_niced: bool, tick_hz: float) -> float:
    """CPU seconds that ``cores`` have spent running something since boot.

    ``stat_text`` is the text of ``/proc/stat``; a core's line reads
    ``cpuN user nice system idle iowait irq softirq steal ...`` in clock
    ticks of ``1/tick_hz`` s. ``nice`` (processes with a raised nice value)
    counts only when ``count_niced``.
    """
    columns = _BUSY if count_niced else tuple(c for c in _BUSY if c != "nice")
    where = [_COLUMNS.index(c) for c in columns]
    total = 0
    for line in stat_text.splitlines():
        name, _, rest = line.partition(" ")
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cores:
            values = rest.split()
            total += sum(int(values[i]) for i in where if i < len(values))
    return total / tick_hz


def read_sample(view: CpuView = CpuView()) -> CpuSample | None:
    """The usable cores' busy time and this process's CPU time now (None off Linux)."""
    try:
        text = view.stat_path.read_text()
    except OSError:
        return None
    tick_hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    busy = busy_seconds(text, view.usable_cores(), view.own_niced(), float(tick_hz))
    return CpuSample(wall=time.monotonic(), busy=busy, own=time.process_time())


def others_cores(before: CpuSample, after: CpuSample) -> float:
    """Cores' worth of CPU that other processes used between two samples."""
    wall = after.wall - before.wall
    if wall <= 0:
        return 0.0
    return max(0.0, (after.busy - before.busy) - (after.own - before.own)) / wall


def quota_cores(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """The container's CPU quota in cores (cgroup v2 ``cpu.max`` or v1
    ``cpu.cfs_quota_us``/``cpu.cfs_period_us``), or None when there is none."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota = (root / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (root / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    if quota in ("max", "-1") or not quota.lstrip("-").isdigit() or not period.isdigit() or int(period) <= 0:
        return None
    return int(quota) / int(period)


def usable_cores_count(view: CpuView = CpuView(), cgroup_root: Path = Path("/sys/fs/cgroup")) -> float:
    """Cores this process may keep busy: its affinity, capped by a CPU quota."""
    cores = float(len(view.usable_cores()))
    quota = quota_cores(cgroup_root)
    return cores if quota is None else min(cores, quota)


#: Shortest window a reading covers: long enough that the clock-tick
#: counts of /proc/stat (10 ms each) resolve a tenth of a core.
WINDOW_SECONDS = 0.4
#: The first window, which a run's first ticks wait for: shorter, so that
#: they are chosen too. Its counts resolve about an eighth of a core, enough
#: to tell a busy neighbour (a whole core) from none, since a run leaves a
#: core only when others use more than half of one.
FIRST_WINDOW_SECONDS = 0.15


class FreeCores:
    """Cores not used by other processes, over back-to-back windows.

    Reading the counters is cheap, but a window needs a few tenths of a
    second to mean anything, so :meth:`poll` answers only once the current
    window is :attr:`window` seconds old (the first one: ``first_window``),
    and starts the next one then.
    """

    def __init__(self, read=read_sample, usable: float | None = None, window: float = WINDOW_SECONDS,
                 clock=time.monotonic, first_window: float | None = None):
        self._read, self._clock, self.window = read, clock, window
        self.first_window = min(window, FIRST_WINDOW_SECONDS) if first_window is None else first_window
        self._start = read()
        self.available = self._start is not None
        self.usable = usable_cores_count() if usable is None and self.available else (usable or 0.0)
        self.last_others: float | None = None

    def poll(self) -> float | None:
        """Free cores over the window just ended, or None while it is shorter than :attr:`window`
        (:attr:`first_window` for the first)."""
        window = self.window if self.last_others is not None else self.first_window
        if self._start is None or self._clock() - self._start.wall < window:
            return None
        now = self._read()
        if now is None:
            return None
        self.last_others = others_cores(self._start, now)
        self._start = now
        return self.usable - self.last_others

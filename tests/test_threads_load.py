"""Choosing the thread count from the CPU other processes use: reading the
kernel's counters, the hysteresis of the decision, and a run following a
neighbour that starts and stops (all with injected readings, no timing)."""

from __future__ import annotations

import pytest

from vmt.engine.cpu_load import (FIRST_WINDOW_SECONDS, CpuSample, CpuView, FreeCores, busy_seconds, others_cores,
                                 quota_cores, read_sample, usable_cores_count)
from vmt.engine.threads import SMALL_RUN_AGENTS, THREADS_ENV, ThreadChooser, threads_for

STAT = """cpu  300 40 100 900 10 1 2 5 0 0
cpu0 100 10 50 400 5 1 1 3 0 0
cpu1 200 30 50 500 5 0 1 2 0 0
intr 12345 0 0
ctxt 999
"""


def test_busy_time_counts_the_usable_cores_and_leaves_out_idle_steal_and_niced_neighbours():
    both = frozenset({0, 1})
    # user + system + irq + softirq (+ nice when counted), in clock ticks of 1/100 s
    assert busy_seconds(STAT, both, count_niced=False, tick_hz=100) == pytest.approx((152 + 251) / 100)
    assert busy_seconds(STAT, both, count_niced=True, tick_hz=100) == pytest.approx((162 + 281) / 100)
    assert busy_seconds(STAT, frozenset({1}), count_niced=False, tick_hz=100) == pytest.approx(2.51)
    assert busy_seconds(STAT, frozenset({7}), count_niced=False, tick_hz=100) == 0.0


def test_others_are_the_busy_time_less_this_process_own():
    before, after = CpuSample(wall=10.0, busy=100.0, own=5.0), CpuSample(wall=10.5, busy=101.0, own=5.6)
    assert others_cores(before, after) == pytest.approx(0.8)  # (1.0 - 0.6) s over 0.5 s
    # counters sampled at clock ticks can put our own time a little above the busy time: never negative
    assert others_cores(before, CpuSample(wall=10.5, busy=100.5, own=5.6)) == 0.0
    assert others_cores(before, before) == 0.0


def test_reads_the_counters_of_a_stat_file(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text(STAT)
    sample = read_sample(CpuView(stat_path=stat, cores=frozenset({0}), niced=False))
    assert sample is not None and sample.busy > 0 and sample.own >= 0
    assert read_sample(CpuView(stat_path=tmp_path / "missing")) is None  # not Linux: no counters


def test_container_quota_in_either_cgroup_version(tmp_path):
    assert quota_cores(tmp_path) is None
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert quota_cores(tmp_path) is None
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert quota_cores(tmp_path) == 1.5
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert quota_cores(v1) is None
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    assert quota_cores(v1) == 1.0
    # the cores counted as usable: the affinity's, capped by the quota
    assert usable_cores_count(CpuView(cores=frozenset({0, 1, 2})), cgroup_root=v1) == 1.0
    assert usable_cores_count(CpuView(cores=frozenset({0, 1})), cgroup_root=tmp_path / "none") == 2.0


@pytest.mark.parametrize("free, current, expected", [
    (2.0, 2, 2), (1.6, 2, 2), (1.4, 2, 1), (0.3, 2, 1),  # two threads: down when others use > half a core
    (1.6, 1, 1), (1.74, 1, 1), (1.8, 1, 2), (2.0, 1, 2),  # one thread: up only when < a quarter is used
    (7.1, 8, 7), (7.0, 7, 7), (7.9, 7, 8), (3.0, 8, 3),  # eight cores, one or five busy neighbours
    (-0.5, 2, 1), (9.0, 2, 2),  # never below one, never above the most allowed
])
def test_threads_follow_the_free_cores_with_hysteresis(free, current, expected):
    assert threads_for(free, current, most=8 if current > 2 else 2) == expected


class Readings:
    """A FreeCores fed by a list of other processes' use, one per window of 0.5 s."""

    def __init__(self, others_per_window, usable=2.0):
        self.others = list(others_per_window)
        self.now, self.busy, self.own = 0.0, 0.0, 0.0

    def clock(self):
        return self.now

    def read(self):
        return CpuSample(wall=self.now, busy=self.busy, own=self.own)

    def tick(self, seconds, threads):
        """Advance by one tick of ``seconds`` with ``threads`` busy threads of ours."""
        others = self.others[min(int(self.now / 0.5), len(self.others) - 1)]
        self.now += seconds
        self.own += threads * seconds
        self.busy += (threads + others) * seconds


def _drive(readings, chooser, ticks, seconds=0.125):
    used = []
    for _ in range(ticks):
        threads = chooser.next()
        used.append(threads)
        readings.tick(seconds, threads)
        chooser.record(threads, seconds)
    return used


def test_a_large_run_follows_a_neighbour_that_starts_and_stops(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    # windows of 0.5 s (four ticks): idle, a light blip (0.4 core), idle, a neighbour busy on one core, idle
    others = [0.0] * 4 + [0.4] + [0.0] * 2 + [1.0] * 4 + [0.0] * 4

    def run(requested):
        readings = Readings(others)
        watch = FreeCores(read=readings.read, usable=2.0, window=0.5, clock=readings.clock, first_window=0.5)
        return _drive(readings, ThreadChooser(SMALL_RUN_AGENTS, requested, free_cores=watch), 60)

    assert set(run(2)) == {2}  # a requested count is kept whatever the neighbours do
    used = run(None)
    assert used[:32] == [2] * 32  # idle, and the blip changed nothing
    assert used[32:48] == [1] * 16  # one window after the neighbour started: one thread
    assert used[48:] == [2] * 12  # one window after it stopped: two again


@pytest.mark.parametrize("neighbour, first", [(1.0, 1), (0.0, 2), (0.3, 2)])
def test_the_first_window_is_short_so_that_the_first_ticks_see_a_busy_neighbour(monkeypatch, neighbour, first):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    readings = Readings([neighbour] * 8)
    watch = FreeCores(read=readings.read, usable=2.0, window=0.5, clock=readings.clock)
    assert watch.first_window == FIRST_WINDOW_SECONDS < watch.window
    readings.tick(FIRST_WINDOW_SECONDS, 1)  # building the world, on one thread of ours
    used = _drive(readings, ThreadChooser(SMALL_RUN_AGENTS, None, free_cores=watch), 12)
    assert used == [first] * 12  # chosen from the first tick, and kept over the later, longer windows


def test_small_and_requested_runs_never_read_the_counters(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)

    def forbidden():
        raise AssertionError("read")

    watch = FreeCores(read=lambda: None)
    assert ThreadChooser(100, None, free_cores=watch).free_cores is None
    assert ThreadChooser(SMALL_RUN_AGENTS, 1, free_cores=watch).free_cores is None
    assert ThreadChooser(SMALL_RUN_AGENTS, None, free_cores=watch).probes is not None  # falls back to timing
    monkeypatch.setenv(THREADS_ENV, "2")
    chooser = ThreadChooser(SMALL_RUN_AGENTS, None, free_cores=watch)
    watch._read = forbidden
    assert [chooser.next() for _ in range(3)] == [2, 2, 2]

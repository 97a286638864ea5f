"""The one-block figures benchmark: its probe, its verdicts and its table (no timing is asserted)."""

import importlib.util
import math
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent.parent / "benchmarks" / "figures.py"


@pytest.fixture(scope="module")
def figures():
    spec = importlib.util.spec_from_file_location("bench_figures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def test_the_probe_reads_seconds_on_one_thread_and_leaves_the_thread_count_as_it_was(figures):
    from numba import get_num_threads

    before = get_num_threads()
    seconds = figures.host_probe(size=10_000, repeat=3)
    assert 0 < seconds < 10 and math.isfinite(seconds)
    assert get_num_threads() == before


def test_each_figure_carries_its_verdict_and_the_probe_read_before_it(figures):
    block = figures.Block(small=True, repeat=1)
    assert (block.mid, block.large) == (2_000, 20_000)
    block.probe = 0.25
    block.add("a bound that holds", "<= 1", "0.5", True)
    block.probe = 0.4
    block.add("a bound that misses", "<= 1", "2.0", False)
    block.growth = {1_000: 0.001, 10_000: 0.01, 100_000: 0.1}  # cost proportional to N
    block.growth_exponent()
    growth = block.figures[-1]
    assert growth.measured == "N^1.00" and growth.holds and growth.probe == 0.4
    block.growth = {1_000: 0.001, 100_000: 0.2}  # N^1.15
    block.growth_exponent()
    assert not block.figures[-1].holds
    lines = figures.table(block.figures).splitlines()
    assert lines[0] == "| figure | target | measured | probe s | holds |"
    assert lines[2] == "| a bound that holds | <= 1 | 0.5 | 0.250 | yes |"
    assert lines[3] == "| a bound that misses | <= 1 | 2.0 | 0.400 | **no** |"
    assert len(lines) == 2 + len(block.figures)


def test_the_bilateral_group_reports_speed_threads_and_the_large_size_s_peak_memory(figures):
    block = figures.Block(small=True, repeat=1)
    block.bilateral(max_agents=block.large)
    names = [figure.name for figure in block.figures]
    assert names == ["2,000 bilateral, 10 ticks", "20,000 bilateral, 10 ticks", "20,000 bilateral, peak memory",
                     "2 threads / 1 at 2,000", "2 threads / 1 at 20,000"]
    memory = block.figures[2]
    megabytes = float(memory.measured.removesuffix(" MiB").replace(",", ""))
    assert memory.target == "<= 1.0 GB" and 0 < megabytes and memory.holds == (megabytes <= 1000)
    assert set(block.growth) == {200, 2_000, 20_000}

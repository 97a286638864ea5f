"""The performance targets in one block, each figure next to a reading of the host's speed.

On a shared machine the same code's absolute timings swing by a third or
more with the host, while ratios (threads, telemetry, institutions) hold.
This script runs every figure of the performance targets in fresh
processes, in one block, and reads a host-speed *probe* before each group:
a parallel sqrt/sin loop over 20 million numbers on one thread (about
0.17 s on the development machine's host when it is fast, up to 0.44 s in
its slow spells). It prints one table, figure by figure: the target, what
was measured, the probe around it and whether it holds, so that absolute
figures can be judged on blocks whose probe reads fast and ratios on every
block.

Groups: bilateral barter at 10k/100k/1M with 1 and 2 threads (10 ticks);
100k and 1M over 20 ticks with telemetry off, standard and every tick;
every institution and post mechanism at 1M (5 ticks, the mixed institution
against bilateral in its own regime); price signals against bilateral at
1M (10 ticks, median of ``--repeat``); 10M (3 ticks, unless
``--max-agents`` is lower); the warm start and the 101-tick process
(``bench_startup.py``, medians of 5); the default threads next to a busy
loop and a numba process at 100k (``bench_threads_loaded.py``, medians of
``--repeat``). ``--small`` runs the
same block at 2,000 and 20,000 agents in place of 100k and 1M (for
checking the script; its figures are not the targets'). ``--save DIR``
writes the table's rows and the machine to ``DIR/figures-<date>.json``.

    .venv/bin/python benchmarks/figures.py [--max-agents 10000000] [--repeat 3] [--small] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import get_num_threads, njit, prange, set_num_threads

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_startup  # noqa: E402
import bench_threads_loaded  # noqa: E402

from vmt.experiments.bench import BenchCase, run_row_in_subprocess  # noqa: E402
from vmt.experiments.bench_report import machine_description  # noqa: E402


@njit(parallel=True)  # not cached: the tests load this file under another module name
def _probe_loop(values):
    total = 0.0
    for i in prange(values.shape[0]):
        total += np.sqrt(values[i]) * np.sin(values[i])
    return total


def host_probe(size: int = 20_000_000, repeat: int = 5) -> float:
    """Median seconds of the probe loop on one thread (lower is a faster host)."""
    values = np.random.default_rng(0).random(size)
    _probe_loop(values[:10])
    threads = get_num_threads()
    set_num_threads(1)
    times = []
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            _probe_loop(values)
            times.append(time.perf_counter() - start)
    finally:
        set_num_threads(threads)
    return statistics.median(times)


@dataclass
class Figure:
    """One line of the table: what is measured, its bound and whether it holds."""

    name: str
    target: str
    measured: str
    holds: bool
    probe: float


class Block:
    """Runs the groups of rows, reading the probe before each."""

    def __init__(self, small: bool, repeat: int):
        self.mid, self.large = (2_000, 20_000) if small else (100_000, 1_000_000)
        self.tick_bound = {self.mid: 0.05, self.large: 0.5}  # s/tick, bilateral, telemetry off
        self.repeat = repeat
        self.figures: list[Figure] = []
        self.growth: dict[int, float] = {}  # agents -> s/tick with 2 threads, for the growth exponent
        self.probe = float("nan")

    def read_probe(self) -> None:
        self.probe = host_probe()
        print(f"probe {self.probe:.3f} s", flush=True)

    def add(self, name: str, target: str, measured: str, holds: bool) -> None:
        self.figures.append(Figure(name, target, measured, holds, self.probe))
        print(f"  {name}: {measured} ({'holds' if holds else 'misses'} {target})", flush=True)

    def seconds(self, case: BenchCase, ticks: int, threads: int | str = 2, repeat: int = 1) -> float:
        return statistics.median(run_row_in_subprocess(case, ticks, threads).s_per_tick for _ in range(repeat))

    def bilateral(self, max_agents: int) -> None:
        self.read_probe()
        sizes = [n for n in (self.mid // 10, self.mid, self.large) if n <= max_agents]
        rows = {n: run_row_in_subprocess(BenchCase(n), 10, 2) for n in sizes}
        two = {n: row.s_per_tick for n, row in rows.items()}
        one = {n: self.seconds(BenchCase(n), 10, threads=1) for n in sizes if n >= self.mid}
        for n in (self.mid, self.large):
            if n in two:
                self.add(f"{n:,} bilateral, 10 ticks", f"<= {self.tick_bound[n]} s/tick", f"{two[n]:.3f}",
                         two[n] <= self.tick_bound[n])
        if self.large in rows:
            peak = rows[self.large].peak_rss_mb
            self.add(f"{self.large:,} bilateral, peak memory", "<= 1.0 GB", f"{peak:,.0f} MiB", peak <= 1000)
        for n in one:
            self.add(f"2 threads / 1 at {n:,}", ">= 1.6x", f"{one[n] / two[n]:.2f}x", one[n] / two[n] >= 1.6)
        self.growth.update(two)

    def telemetry(self) -> None:
        self.read_probe()
        for n in (self.mid, self.large):
            level = {t: self.seconds(BenchCase(n, telemetry=t), 20) for t in ("off", "standard", "every_tick")}
            self.add(f"{n:,} bilateral, 20 ticks", f"<= {self.tick_bound[n]} s/tick", f"{level['off']:.3f}",
                     level["off"] <= self.tick_bound[n])
            standard, every = level["standard"] / level["off"], level["every_tick"] / level["off"]
            self.add(f"{n:,} standard telemetry", "<= 1.3x", f"{standard:.2f}x ({level['standard']:.3f} s)",
                     standard <= 1.3 and (n != self.mid or level["standard"] <= 0.065))
            self.add(f"{n:,} every-tick snapshots", "<= 2x", f"{every:.2f}x", every <= 2.0)

    def institutions(self) -> None:
        from vmt.markets.posts.mechanisms.base import mechanism_names

        self.read_probe()
        n = self.large
        bilateral = {regime: self.seconds(BenchCase(n, regime=regime), 5) for regime in ("barter", "mixed")}
        posts = [("centralized", m) for m in mechanism_names()] + [("mixed_bilateral_centralized", "walrasian")]
        ratios = {f"{inst}:{mech}": self.seconds(BenchCase(n, inst, mech, "mixed"), 5) / bilateral["mixed"]
                  for inst, mech in posts}
        ratios["price_signals"] = self.seconds(BenchCase(n, "price_signals"), 5) / bilateral["barter"]
        worst = max(ratios, key=ratios.get)
        self.add(f"other institutions / bilateral at {n:,}, 5 ticks", "<= 1.5x",
                 f"at most {ratios[worst]:.2f}x ({worst})", ratios[worst] <= 1.5)
        signals = self.seconds(BenchCase(n, "price_signals"), 10, repeat=self.repeat)
        barter = self.seconds(BenchCase(n), 10, repeat=self.repeat)
        self.add(f"price signals / bilateral at {n:,}, 10 ticks", "<= 1.5x", f"{signals / barter:.2f}x",
                 signals / barter <= 1.5)

    def ten_million(self, max_agents: int) -> None:
        if max_agents < 10_000_000:
            return
        self.read_probe()
        row = run_row_in_subprocess(BenchCase(10_000_000), 3, 2)
        self.add("10,000,000 agents", "<= 8 s/tick, <= 10 GB", f"{row.s_per_tick:.2f} s, {row.peak_rss_mb:,.0f} MiB",
                 row.s_per_tick <= 8 and row.peak_rss_mb <= 10_000)
        self.growth[10_000_000] = row.s_per_tick

    def growth_exponent(self) -> None:
        sizes = sorted(self.growth)
        exponent = float(np.polyfit(np.log(sizes), np.log([self.growth[n] for n in sizes]), 1)[0])
        self.add(f"cost growth {sizes[0]:,} -> {sizes[-1]:,}", "<= N^1.05", f"N^{exponent:.2f}", exponent <= 1.05)

    def start(self) -> None:
        self.read_probe()
        medians = bench_startup.measure([sys.executable], 5, 101)[sys.executable]
        first = medians["to first tick"][0]
        self.add("warm start to the end of tick 1", "<= 0.5 s", f"{first:.3f} s", first <= 0.5)
        process_cpu = medians["process"][1]
        self.add("101 ticks, 400 agents, whole process", "upstream's 108 s of CPU / 30", f"{process_cpu:.2f} s CPU",
                 process_cpu <= 108 / 30)

    def loaded(self) -> None:
        self.read_probe()
        for condition in ("loop", "numba"):
            medians = bench_threads_loaded.measure([self.mid], 10, self.repeat, condition, [])
            ratio = medians[(self.mid, 1)] / medians[(self.mid, "auto")]
            self.add(f"default threads next to a {condition} process", ">= 1x one thread", f"{ratio:.2f}x",
                     ratio >= 1.0)


def table(figures: list[Figure]) -> str:
    lines = ["| figure | target | measured | probe s | holds |", "|---|---|---|---:|---|"]
    lines += [f"| {f.name} | {f.target} | {f.measured} | {f.probe:.3f} | {'yes' if f.holds else '**no**'} |"
              for f in figures]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-agents", type=int, default=10_000_000, help="skip the 10M row below this")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of the price-signals pair and of the loaded-threads rows (medians)")
    parser.add_argument("--small", action="store_true", help="2,000 and 20,000 agents for 100k and 1M")
    parser.add_argument("--save", metavar="DIR", help="write the figures and the machine to DIR/figures-<date>.json")
    args = parser.parse_args(argv)
    block = Block(args.small, max(1, args.repeat))
    block.bilateral(args.max_agents)
    block.telemetry()
    block.institutions()
    block.ten_million(args.max_agents)
    block.growth_exponent()
    block.start()
    block.loaded()
    print(table(block.figures))
    if args.save:
        folder = Path(args.save)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / time.strftime("figures-%Y%m%d-%H%M%S.json", time.gmtime())
        path.write_text(json.dumps({"machine": machine_description(), "command": " ".join(sys.argv),
                                    "figures": [vars(f) for f in block.figures]}, indent=1) + "\n")
        print(f"saved {path}")


if __name__ == "__main__":
    main()

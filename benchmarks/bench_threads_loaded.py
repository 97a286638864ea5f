"""One thread against two, on an idle machine and next to a busy process.

For each condition — ``idle``, ``loop`` (one other process spinning a Python
loop) and ``numba`` (one other process running a parallel numba kernel in a
loop) — runs the benchmark economy with 1 and 2 threads and with the
default choice (``auto``: one thread below 20,000 agents, else probing both),
interleaved, ``--repeat`` times, and prints the median seconds per tick and
the ratios (1-thread time / 2-thread or default time: above 1 means two
threads, or the default, help; the default must never be much below 1). The busy
process is started and stopped by this script.

    .venv/bin/python benchmarks/bench_threads_loaded.py [--agents 1000,100000] [--ticks 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from vmt.experiments.bench import BenchCase, run_row_in_subprocess

BUSY = {
    "loop": "while True:\n    pass\n",
    "numba": (
        "import numpy as np\nfrom numba import njit, prange\n"
        "@njit(parallel=True)\ndef work(a):\n    for i in prange(a.shape[0]):\n        a[i] = np.sqrt(a[i] + i)\n"
        "a = np.ones(200_000)\nwhile True:\n    work(a)\n"
    ),
}


def measure(agents: list[int], ticks: int, repeat: int, condition: str) -> dict[tuple, float]:
    """Median s/tick per (agents, threads) under ``condition``."""
    busy = None if condition == "idle" else subprocess.Popen([sys.executable, "-c", BUSY[condition]])
    try:
        time.sleep(1.0 if busy else 0.0)
        times: dict[tuple, list[float]] = {}
        for _ in range(repeat):
            for n in agents:
                for threads in (1, 2, "auto"):
                    row = run_row_in_subprocess(BenchCase(n), ticks, threads)
                    times.setdefault((n, threads), []).append(row.s_per_tick)
    finally:
        if busy is not None:
            busy.terminate()
            busy.wait()
    return {key: statistics.median(values) for key, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="1000,100000")
    parser.add_argument("--ticks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--conditions", default="idle,loop,numba")
    args = parser.parse_args()
    agents = [int(v) for v in args.agents.split(",")]
    print("| condition | agents | 1 thread s/tick | 2 threads s/tick | auto s/tick | 1/2 | 1/auto |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for condition in args.conditions.split(","):
        medians = measure(agents, args.ticks, args.repeat, condition)
        for n in agents:
            one, two, auto = medians[(n, 1)], medians[(n, 2)], medians[(n, "auto")]
            print(f"| {condition} | {n:,} | {one:.4g} | {two:.4g} | {auto:.4g} | {one / two:.2f} | {one / auto:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()

"""One thread against two, on an idle machine and next to a busy process.

For each condition — ``idle``, ``loop`` (one other process spinning a Python
loop) and ``numba`` (one other process running a parallel numba kernel in a
loop) — runs the benchmark economy with 1 and 2 threads and with the
default choice (``auto``: one thread below 20,000 agents, else probing both),
interleaved, ``--repeat`` times, and prints the median seconds per tick and
the ratios (1-thread time / 2-thread or default time: above 1 means two
threads, or the default, help; the default must never be much below 1), and
the share of the default's timed ticks that ran two threads. The busy
process is started and stopped by this script. ``--save DIR`` keeps every
row, with its condition and the machine, as JSON.

    .venv/bin/python benchmarks/bench_threads_loaded.py [--agents 1000,100000] [--ticks 10] [--repeat 3] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from vmt.experiments.bench import BenchCase, run_row_in_subprocess
from vmt.experiments.bench_report import machine_description

BUSY = {
    "loop": "while True:\n    pass\n",
    "numba": (
        "import numpy as np\nfrom numba import njit, prange\n"
        "@njit(parallel=True)\ndef work(a):\n    for i in prange(a.shape[0]):\n        a[i] = np.sqrt(a[i] + i)\n"
        "a = np.ones(200_000)\nwhile True:\n    work(a)\n"
    ),
}


def measure(agents: list[int], ticks: int, repeat: int, condition: str, rows: list[dict]) -> dict[tuple, float]:
    """Median s/tick per (agents, threads) under ``condition``; every row is appended to ``rows``."""
    busy = None if condition == "idle" else subprocess.Popen([sys.executable, "-c", BUSY[condition]])
    try:
        time.sleep(1.0 if busy else 0.0)
        times: dict[tuple, list[float]] = {}
        for _ in range(repeat):
            for n in agents:
                for threads in (1, 2, "auto"):
                    row = run_row_in_subprocess(BenchCase(n), ticks, threads)
                    times.setdefault((n, threads), []).append(row.s_per_tick)
                    rows.append({"condition": condition, **asdict(row)})
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
    parser.add_argument("--save", type=Path, help="folder to write the rows to as JSON")
    args = parser.parse_args()
    agents = [int(v) for v in args.agents.split(",")]
    print("| condition | agents | 1 thread s/tick | 2 threads s/tick | auto s/tick | 1/2 | 1/auto | auto 2-thread ticks |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows: list[dict] = []
    for condition in args.conditions.split(","):
        medians = measure(agents, args.ticks, args.repeat, condition, rows)
        for n in agents:
            one, two, auto = medians[(n, 1)], medians[(n, 2)], medians[(n, "auto")]
            print(f"| {condition} | {n:,} | {one:.4g} | {two:.4g} | {auto:.4g} | {one / two:.2f} | {one / auto:.2f} "
                  f"| {two_thread_share(rows, condition, n):.0%} |", flush=True)
    if args.save is not None:
        save(args.save, rows, " ".join(sys.argv))


def two_thread_share(rows: list[dict], condition: str, agents: int) -> float:
    """Share of the ``auto`` rows' timed ticks that ran more than one thread."""
    used = [row["threads_used"] for row in rows
            if row["condition"] == condition and row["agents"] == agents and row["threads"] == "auto"]
    ticks = sum(sum(u.values()) for u in used)
    return sum(n for u in used for count, n in u.items() if int(count) > 1) / ticks if ticks else float("nan")


def save(folder: Path, rows: list[dict], command: str) -> Path:
    path = folder / time.strftime("threads-loaded-%Y%m%d-%H%M%S.json", time.gmtime())
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine_description(), "command": command, "rows": rows}, indent=1) + "\n")
    print(f"saved {path}")
    return path


if __name__ == "__main__":
    main()

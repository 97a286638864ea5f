"""Soak every institution's tiny economy (and the market-post institution under
each mechanism) for many ticks with every invariant checked.

Prints one row per economy: ticks, trades, wall-clock and CPU seconds, and
``ok``; the first invariant violation ends the script with its message. The
test suite runs the same soak (100,000 ticks, two workers).

    .venv/bin/python benchmarks/soak.py [--ticks 100000] [--seed 0] [--workers 2]
"""

from __future__ import annotations

import argparse
import time

from vmt.simulation.soak import soak_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    results = soak_all(args.ticks, args.seed, args.workers)
    print(f"{'institution':<28} {'post':<13} {'ticks':>8} {'trades':>8} {'wall s':>8} {'CPU s':>8} {'CPU µs/tick':>12}")
    for r in results:
        print(f"{r.institution:<28} {r.mechanism:<13} {r.ticks:>8} {r.trades:>8} {r.seconds:>8.1f} "
              f"{r.cpu_seconds:>8.1f} {r.cpu_seconds / r.ticks * 1e6:>12.1f}")
    print(f"all ok: {len(results)} economies, {time.perf_counter() - start:.1f} s wall in total "
          f"({args.workers} workers), {sum(r.cpu_seconds for r in results):.1f} CPU s")


if __name__ == "__main__":
    main()

"""Soak each institution's tiny economy for many ticks with every invariant checked.

Prints one row per institution: ticks, trades, seconds, and ``ok`` or the
first invariant violation. The test suite runs the same soak for a few
thousand ticks; this is the long version.

    NUMBA_NUM_THREADS=1 .venv/bin/python benchmarks/soak.py [--ticks 100000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from vmt.simulation.invariants import InvariantViolation
from vmt.simulation.soak import INSTITUTIONS, soak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'institution':<30} {'ticks':>8} {'trades':>8} {'seconds':>8}  outcome")
    for institution in sorted(INSTITUTIONS):
        start = time.perf_counter()
        try:
            result = soak(institution, args.ticks, args.seed)
            trades, outcome = result.trades, "ok"
        except InvariantViolation as exc:
            trades, outcome = -1, f"VIOLATION {exc}"
        print(f"{institution:<30} {args.ticks:>8} {trades:>8} {time.perf_counter() - start:>8.1f}  {outcome}",
              flush=True)


if __name__ == "__main__":
    main()

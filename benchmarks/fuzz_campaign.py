"""A larger fuzz campaign over hostile scenario documents; prints the outcome table.

Each document (a shipped scenario with hostile values, or a text attack: alias
bombs, deep nesting, huge numbers, garbage) is judged in a worker process
under a memory cap and a time limit: it must be built and run, or refused by
VMT's own error; ``refused_while_running`` (validate and run disagree),
``crashed`` (a traceback), ``timeout`` and ``memory`` are failures.

    .venv/bin/python benchmarks/fuzz_campaign.py [--documents 1000] [--seed 0]
        [--timeout 20] [--memory-mb 3000] [--workers 2]
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import signal
import time
from concurrent.futures import ProcessPoolExecutor

import yaml


def _limit_memory(megabytes: int) -> None:
    cap = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _timeout(signum, frame):
    raise TimeoutError


def judge_one(args: tuple[str, int]) -> tuple[str, str, float]:
    from vmt.simulation.hostile import judge

    text, timeout = args
    signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(timeout)
    start = time.perf_counter()
    try:
        outcome, detail = judge(text)
    except TimeoutError:
        outcome, detail = "timeout", text[:120]
    except MemoryError:
        outcome, detail = "memory", text[:120]
    finally:
        signal.alarm(0)
    return outcome, detail, time.perf_counter() - start


def documents(count: int, seed: int) -> list[str]:
    from vmt.scenario.loader import SCENARIO_DIR
    from vmt.simulation.hostile import hostile_document

    rng = random.Random(seed)
    bases = [yaml.safe_load(p.read_text()) for p in sorted(SCENARIO_DIR.glob("*.yaml"))]
    return [hostile_document(rng.choice(bases), rng) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=20)
    parser.add_argument("--memory-mb", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    docs = documents(args.documents, args.seed)
    counts, examples, slowest = collections.Counter(), {}, 0.0
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers, initializer=_limit_memory, initargs=(args.memory_mb,)) as pool:
        for outcome, detail, seconds in pool.map(judge_one, [(d, args.timeout) for d in docs]):
            counts[outcome] += 1
            examples.setdefault(outcome, detail)
            slowest = max(slowest, seconds)
    print(f"{args.documents} documents, seed {args.seed}, {time.perf_counter() - start:.0f} s, "
          f"slowest {slowest:.1f} s\n")
    print(f"{'outcome':<24} {'documents':>9}  example")
    for outcome in ("ran", "refused", "refused_while_running", "crashed", "timeout", "memory"):
        print(f"{outcome:<24} {counts[outcome]:>9}  {examples.get(outcome, '')[:110]!s}")


if __name__ == "__main__":
    main()

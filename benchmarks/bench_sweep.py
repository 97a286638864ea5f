"""Sweep throughput: runs per minute in this process and on a local Dask cluster of 1 and 2 workers.

A small economy (two Cobb-Douglas types foraging and bartering) is run for
``--runs`` seeds per configuration with every built-in metric. Each
configuration first warms its workers up (two runs: imports and numba's
cached kernels load once per worker process), then the timed runs go through
the same runner the sweep uses. Configurations are interleaved over
``--repeats`` rounds and the table gives the median; cluster start-up is
reported apart. Wall-clock figures on a shared machine: say how loaded it was.

    .venv/bin/python benchmarks/bench_sweep.py [--runs 40] [--ticks 100] [--agents 60] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from vmt.experiments.runners import DaskRunner, InProcessRunner
from vmt.experiments.spec import load_experiment
from vmt.experiments.execution import plan_tasks

CONFIGS = (("in-process", 1), ("LocalCluster", 1), ("LocalCluster", 2))


def economy(agents: int, grid: int = 20) -> dict:
    """Two complementary Cobb-Douglas types on a small grid with regrowing resources."""
    group = lambda alpha, a, b: {"count": agents // 2,  # noqa: E731
                                 "utility": {"family": "cobb_douglas", "params": {"alpha": alpha, "beta": 1 - alpha}},
                                 "endowment": {"A": a, "B": b}}
    return {"name": "bench-sweep", "grid": {"width": grid, "height": grid},
            "agents": [group(0.7, [1, 4], [8, 12]), group(0.3, [8, 12], [1, 4])],
            "resources": [{"commodity": g, "count": grid, "cap": 3, "regeneration_rate": 0.3} for g in "AB"],
            "params": {"vision_radius": 4}}


def timed(kind: str, workers: int, tasks, warm) -> tuple[float, float]:
    """(start-up seconds, seconds for ``tasks``) on a fresh runner of this kind."""
    start = time.perf_counter()
    runner = InProcessRunner() if kind == "in-process" else DaskRunner(workers=workers)
    with runner:
        runner.run(warm, lambda outcome: None)
        ready = time.perf_counter()
        failed = []
        runner.run(tasks, lambda outcome: failed.append(outcome) if not outcome.ok else None)
        done = time.perf_counter()
    if failed:
        raise SystemExit(f"{len(failed)} runs failed: {failed[0].row['error']}")
    return ready - start, done - ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--ticks", type=int, default=100)
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    experiment = load_experiment({"scenario": economy(args.agents), "seeds": args.runs + 2, "ticks": args.ticks})
    tasks = plan_tasks(experiment)
    warm, timed_tasks = tasks[:2], tasks[2:]
    samples: dict[tuple[str, int], list[tuple[float, float]]] = {c: [] for c in CONFIGS}
    for _ in range(args.repeats):
        for kind, workers in CONFIGS:
            samples[(kind, workers)].append(timed(kind, workers, timed_tasks, warm))
    print(f"sweep throughput: {args.runs} runs of {args.agents} agents x {args.ticks} ticks, "
          f"median of {args.repeats} interleaved rounds")
    print(f"{'runner':<14} {'workers':>7} {'start-up s':>10} {'runs s':>8} {'runs/minute':>12}")
    for (kind, workers), values in samples.items():
        startup = statistics.median(v[0] for v in values)
        seconds = statistics.median(v[1] for v in values)
        print(f"{kind:<14} {workers:>7} {startup:>10.2f} {seconds:>8.2f} {60 * args.runs / seconds:>12.1f}")


if __name__ == "__main__":
    main()

"""Time a utility family registered at run time against the built-in it copies.

Three families, one economy (two Cobb-Douglas types, the contract economy
scaled to N agents): the built-in ``cobb_douglas``; the same formulas
registered with every closed form (the kernels call them through the
family table); and the utility alone (marginal utilities by central
differences, reservation prices and demand by bisection). Reports the
median seconds per tick over interleaved repetitions, the trades of the
timed ticks (the first two rows must agree), and what registering cost.

    .venv/bin/python benchmarks/bench_families.py [--agents 2000,20000] [--ticks 5] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numba

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from extending_families import CLOSED_FORMS, CobbDouglasParams, cobb_douglas_utility  # noqa: E402
from interleaved import interleaved_medians  # noqa: E402

from vmt.extend import contract_economy, register_family  # noqa: E402
from vmt.simulation import Simulation  # noqa: E402


def register() -> dict[str, float]:
    """Register the two copies; seconds each took."""
    took = {}
    for name, closed in (("bench_cd_closed_forms", CLOSED_FORMS), ("bench_cd_utility_only", {})):
        started = time.perf_counter()
        register_family(name, cobb_douglas_utility, CobbDouglasParams, **closed)
        took[name] = time.perf_counter() - started
    return took


def tick_seconds(family: str, agents: int, ticks: int) -> tuple[float, int]:
    economy = contract_economy(agents=agents)
    side = max(10, int((agents * 4) ** 0.5))
    economy["grid"] = {"width": side, "height": side}
    for group in economy["agents"]:
        group["utility"]["family"] = family
    sim = Simulation(economy, seed=0)
    sim.step()  # load the kernels outside the timing
    started = time.perf_counter()
    sim.run(ticks)
    return (time.perf_counter() - started) / ticks, len(sim.trades_df())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="2000,20000")
    parser.add_argument("--ticks", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    numba.set_num_threads(1)
    for name, seconds in register().items():
        print(f"registering {name}: {seconds:.2f} s")
    families = ("cobb_douglas", "bench_cd_closed_forms", "bench_cd_utility_only")
    print(f"{'agents':>7} {'family':>22} {'s/tick':>8} {'trades':>7}")
    for n in (int(a) for a in args.agents.split(",")):
        rows = interleaved_medians(families, lambda family: tick_seconds(family, n, args.ticks), args.repeats)
        for family, (seconds, trades) in rows.items():
            print(f"{n:>7} {family:>22} {seconds:>8.4f} {trades:>7}")


if __name__ == "__main__":
    main()

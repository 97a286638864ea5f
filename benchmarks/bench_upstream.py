"""VMT against its upstream: the same 400-agent economy, whole processes and per tick.

Upstream is the pure-Python engine VMT grew out of (its ``vmt_engine``
package: a ``Simulation`` built from a ``ScenarioConfig``, seven phases per
tick). Given a checkout of it and an interpreter that can import it, this
script runs, interleaved (VMT, upstream, VMT, upstream, ...), ``--repeat``
rounds of:

* ``process`` -- a whole ``python`` process that builds the economy and runs
  ``--ticks`` ticks (default 101). VMT's process is exactly the ``process``
  row of ``bench_startup.py``: 400 agents of two Cobb-Douglas types on a
  50×50 grid, vision 10, foraging and barter, threads chosen by VMT.
  Upstream's builds the closest economy its scenario format allows (see
  ``UPSTREAM_ECONOMY``) with its database telemetry off, as VMT's row runs
  without telemetry;
* ``start-up`` and ``per tick`` (unless ``--no-per-tick``) -- seconds from
  the start of Python to the end of the first tick, then seconds per tick
  over ticks 2..11 and over ticks 2..N: VMT with 1 and with 2 threads, each
  in a fresh process; upstream's figures come from its whole-process run
  (it has one thread and no kernels to load).

Each cell is the median over the rounds, in wall and CPU seconds (CPU of a
2-thread run counts both threads); ``ratio`` is upstream ÷ VMT. ``--json``
writes the samples, the medians and the machine description to a file under
``benchmarks/results/`` (or the path given).

    .venv/bin/python benchmarks/bench_upstream.py --upstream /path/to/checkout \\
        [--upstream-python /path/to/checkout/.venv/bin/python] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))
from bench_startup import _PROCESS as VMT_PROCESS  # noqa: E402  the one definition of the 400-agent economy

_CPU = "import resource as _r\ndef cpu():\n    u = _r.getrusage(_r.RUSAGE_SELF)\n    return u.ru_utime + u.ru_stime\n"

#: The last line of ``VMT_PROCESS``, which the per-tick run replaces by a timed loop.
_RUN = "Simulation(scenario, seed=1).run(int(sys.argv[1]))"
assert _RUN in VMT_PROCESS, "bench_startup's process no longer ends with its run line"

#: Runs ``sim`` for ticks 2..``argv`` after its first tick and prints seconds per tick (wall, CPU)
#: over the first ``EARLY_TICKS`` of them and over all of them.
EARLY_TICKS = 10
_TIMED_TICKS = textwrap.dedent(f"""
    sim.step()
    ticks, marks = int(sys.argv[1]) - 1, [(time.perf_counter(), cpu())]
    sim.run(min(ticks, {EARLY_TICKS}))
    marks.append((time.perf_counter(), cpu()))
    sim.run(ticks - min(ticks, {EARLY_TICKS}))
    marks.append((time.perf_counter(), cpu()))
    per_tick = lambda a, b, n: [(marks[b][k] - marks[a][k]) / n for k in (0, 1)]
    print(json.dumps({{"start-up": list(marks[0]), "early": per_tick(0, 1, min(ticks, {EARLY_TICKS})),
                      "run": per_tick(0, 2, ticks)}}))
""")

#: VMT's per-tick run: the economy of ``VMT_PROCESS`` with ``argv[2]`` threads.
VMT_PER_TICK = _CPU + "import json, time\n" + VMT_PROCESS.replace(
    _RUN, "sim = Simulation(scenario, seed=1, threads=int(sys.argv[2]))\n" + _TIMED_TICKS)

#: Upstream's economy, as close to VMT's as its format allows: 400 agents on 50×50, vision 10,
#: two CES types with rho = 0.01 (Cobb-Douglas in the limit rho -> 0; upstream has no Cobb-Douglas)
#: with weights 0.7/0.3 and 0.3/0.7 drawn at random (upstream cannot tie a type to an endowment),
#: endowments alternating A in [2, 8], B in [10, 20] and the mirror image, 5% of cells seeded
#: with 5 units of A or B (VMT: 62 + 62 cells of cap 5), regrowing 1 unit per tick after 5 idle ticks
#: (VMT: 0.2 per tick), interaction radius 1, one move per tick, up to 5 units per trade.
UPSTREAM_ECONOMY = _CPU + textwrap.dedent("""
    import json, random, sys, time
    sys.path[:0] = [sys.argv[1], sys.argv[1] + "/src"]
    from scenarios.schema import ResourceSeed, ScenarioConfig, ScenarioParams, UtilitiesMix, UtilityConfig
    from telemetry import LogConfig
    from vmt_engine.simulation import Simulation
    draw = random.Random(1)
    rich_in_b = lambda i: i % 2 == 0
    endowment_a = [draw.randint(2, 8) if rich_in_b(i) else draw.randint(10, 20) for i in range(400)]
    endowment_b = [draw.randint(10, 20) if rich_in_b(i) else draw.randint(2, 8) for i in range(400)]
    types = UtilitiesMix([UtilityConfig("ces", 0.5, {"rho": 0.01, "wA": 0.7, "wB": 0.3}),
                          UtilityConfig("ces", 0.5, {"rho": 0.01, "wA": 0.3, "wB": 0.7})])
    params = ScenarioParams(vision_radius=10, resource_growth_rate=1, resource_regen_cooldown=5)
    scenario = ScenarioConfig(1, "bench-400", 50, 400, {"A": endowment_a, "B": endowment_b}, types, params,
                              ResourceSeed(0.05, 5))
    scenario.validate()
    sim = Simulation(scenario, seed=1, log_config=LogConfig(use_database=False))
    sys.argv[1:] = sys.argv[2:]
""") + _TIMED_TICKS

_PROBE = "import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/src']; import vmt_engine.simulation, telemetry, scenarios.schema"

def _child_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_python(python: str, code: str, *args: str) -> tuple[dict, float, float]:
    """Run ``code`` in a fresh ``python``: (its last line as JSON, or {}; wall seconds; CPU seconds).

    A reported ``start-up`` mark (the monotonic clock and the process's CPU at the end of its
    first tick) becomes seconds since the process was started: the clock is system-wide.
    """
    cpu0, start = _child_cpu(), time.perf_counter()
    done = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - start, _child_cpu() - cpu0
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stderr[-2000:]}")
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    if "start-up" in report:
        report["start-up"][0] -= start
    return report, wall, cpu


def check_upstream(checkout: Path, python: Path) -> None:
    """Stop with a message saying what to fix unless ``python`` can import upstream from ``checkout``."""
    if not any((checkout / root / "vmt_engine" / "simulation.py").is_file() for root in ("src", ".")):
        raise SystemExit(f"--upstream {checkout}: not an upstream checkout (no src/vmt_engine/simulation.py)")
    if not (python.is_file() and os.access(python, os.X_OK)):
        raise SystemExit(f"upstream python {python} is not an executable file; create it with "
                         f"'python3 -m venv {checkout}/.venv && {checkout}/.venv/bin/pip install numpy pyyaml' "
                         f"or pass --upstream-python")
    done = subprocess.run([str(python), "-c", _PROBE, str(checkout)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"upstream at {checkout} is not runnable with {python}:\n{done.stderr[-1500:]}")


def per_tick_rows(ticks: int) -> dict[str, tuple[str, int]]:
    """Row name -> (the report's window, VMT's threads) of every per-tick row."""
    windows = {"early": f"ticks 2–{min(ticks, EARLY_TICKS + 1)}", "run": f"ticks 2–{ticks}"}
    return {f"per tick, {span}, {n} thread{'s' if n > 1 else ''}": (window, n)
            for window, span in windows.items() for n in (1, 2)}


def one_round(vmt_python: str, upstream: Path, upstream_python: str, ticks: int, per_tick: bool) -> dict:
    """One sample of every row, VMT's then upstream's: {"vmt"|"upstream": {row: (wall, cpu)}}.

    Upstream's per-tick rows and start-up come from its whole-process run (it has one thread
    and no kernels to load); VMT's from one fresh process per thread count.
    """
    sample: dict = {"vmt": {}, "upstream": {}}
    sample["vmt"]["process"] = run_python(vmt_python, VMT_PROCESS, str(ticks))[1:]
    report, *sample["upstream"]["process"] = run_python(upstream_python, UPSTREAM_ECONOMY, str(upstream), str(ticks))
    if per_tick:
        vmt_reports = {n: run_python(vmt_python, VMT_PER_TICK, str(ticks), str(n))[0] for n in (1, 2)}
        sample["vmt"]["start-up: import, build, first tick"] = vmt_reports[1]["start-up"]
        sample["upstream"]["start-up: import, build, first tick"] = report["start-up"]
        for row, (window, threads) in per_tick_rows(ticks).items():
            sample["vmt"][row] = vmt_reports[threads][window]
            sample["upstream"][row] = report[window]
    return sample


def medians(samples: list[dict]) -> dict:
    """Median (wall, cpu) of every program and row over the rounds, and upstream ÷ VMT."""
    out: dict = {}
    for program in ("vmt", "upstream"):
        out[program] = {row: [statistics.median(s[program][row][k] for s in samples) for k in (0, 1)]
                        for row in samples[0][program]}
    out["ratio"] = {row: [out["upstream"][row][k] / out["vmt"][row][k] for k in (0, 1)] for row in out["vmt"]}
    return out


def table(result: dict) -> str:
    """The comparison table: one row per measure, median seconds and upstream ÷ VMT."""
    lines = ["| measure | VMT wall s | VMT cpu s | upstream wall s | upstream cpu s | ratio wall | ratio cpu |",
             "|---|---|---|---|---|---|---|"]
    for row in result["vmt"]:
        v, u, r = result["vmt"][row], result["upstream"][row], result["ratio"][row]
        lines.append(f"| {row} | {v[0]:.4g} | {v[1]:.4g} | {u[0]:.4g} | {u[1]:.4g} | ×{r[0]:.1f} | ×{r[1]:.1f} |")
    return "\n".join(lines)


def save(path: Path, result: dict, samples: list[dict], args: argparse.Namespace) -> Path:
    """Write the medians, every sample, the upstream checkout and the machine to ``path`` as JSON."""
    from vmt.experiments.bench_report import machine_description

    if path.is_dir() or not path.suffix:
        path = path / time.strftime("upstream-%Y%m%d-%H%M%S.json", time.gmtime())
    commit_file = Path(args.upstream) / "COMMIT"
    record = {"machine": machine_description(), "command": " ".join(sys.argv), "repeat": args.repeat,
              "ticks": args.ticks, "upstream": {"path": str(args.upstream), "python": args.upstream_python,
                                                "commit": commit_file.read_text().strip() if commit_file.is_file() else None},
              "medians": result, "samples": samples}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, type=Path, help="upstream checkout (holds src/vmt_engine)")
    parser.add_argument("--upstream-python", help="interpreter that can import upstream (default: UPSTREAM/.venv/bin/python)")
    parser.add_argument("--python", default=sys.executable, help="VMT's interpreter (default: this one)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds; medians are printed")
    parser.add_argument("--ticks", type=int, default=101, help="ticks of each run (at least 2)")
    parser.add_argument("--no-per-tick", action="store_true", help="time whole processes only")
    parser.add_argument("--json", nargs="?", const=BENCHMARKS / "results", type=Path,
                        help="write the results as JSON (default: a dated file in benchmarks/results)")
    args = parser.parse_args(argv)
    if args.ticks < 2 or args.repeat < 1:
        parser.error("--ticks must be at least 2 and --repeat at least 1")
    args.upstream = args.upstream.resolve()
    args.upstream_python = args.upstream_python or str(args.upstream / ".venv" / "bin" / "python")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    check_upstream(args.upstream, Path(args.upstream_python))
    run_python(args.python, VMT_PROCESS, "2")  # untimed: bytecode and numba's cache are warm before timing
    samples = [one_round(args.python, args.upstream, args.upstream_python, args.ticks, not args.no_per_tick)
               for _ in range(args.repeat)]
    result = medians(samples)
    print(table(result))
    if args.json:
        print(f"saved {save(args.json, result, samples, args)}")


if __name__ == "__main__":
    main()

"""How long a run takes to start: import, build, first tick, and a whole short process.

Each measurement runs in a fresh Python process with numba's on-disk cache
warm (run ``vmt warmup`` first), and reports wall-clock and CPU seconds:

* ``floor`` -- ``import numpy, numba`` and loading one trivial cached kernel:
  what any process that runs a compiled kernel pays before VMT does anything
  (numba builds its typing and lowering registries on the first kernel, and
  checks for BLAS by importing ``scipy.linalg``);
* ``vmt floor`` -- the same after ``import vmt``, which answers numba's BLAS
  check without scipy, stops its per-call LLVM lock events, keeps the
  cyclic collector off what numba builds to keep and loads cached kernels
  without building numba's registries (``vmt.engine.blas_probe``,
  ``vmt.engine.llvm_lock_events``, ``vmt.engine.startup_collections``,
  ``vmt.engine.deferred_registries``): the least a VMT run can cost; the
  stages below are what VMT adds to it;
* ``import`` -- ``from vmt.simulation import Simulation``;
* ``build`` -- ``Simulation("edgeworth_box", seed=1)``;
* ``first tick`` -- its first ``step()``;
* ``to first tick`` -- the three together, from the start of Python;
* ``process``: a whole ``python`` process building and running ``--ticks``
  ticks (default 101) of a 400-agent economy on a 50×50 grid with vision 10.

With several ``--python`` interpreters (e.g. two checkouts' virtual
environments) the runs are interleaved -- all once, then all again -- and
medians are printed side by side: on a shared machine read CPU seconds.

Python's bytecode cache is kept in a temporary directory
(``PYTHONPYCACHEPREFIX``) and filled by one untimed round, as an installed
package has it; ``--no-bytecode`` measures compiling every module from
source instead (what ``PYTHONDONTWRITEBYTECODE=1`` costs at every start).

``--save DIR`` also writes the medians, the load average before and after
and the date to ``DIR/startup-<date>.json``.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5] [--ticks 101] [--python A --python B] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

_CPU = "import resource as _r\ndef cpu():\n    u = _r.getrusage(_r.RUSAGE_SELF)\n    return u.ru_utime + u.ru_stime\n"

_FIRST_TICK = _CPU + textwrap.dedent("""
    import json, time
    t0, c0 = time.perf_counter(), cpu()
    from vmt.simulation import Simulation
    t1, c1 = time.perf_counter(), cpu()
    sim = Simulation("edgeworth_box", seed=1)
    t2, c2 = time.perf_counter(), cpu()
    sim.step()
    t3, c3 = time.perf_counter(), cpu()
    print(json.dumps({"import": [t1 - t0, c1 - c0], "build": [t2 - t1, c2 - c1], "first tick": [t3 - t2, c3 - c2],
                      "to first tick": [t3 - t0, c3]}))
""")

_FLOOR = _CPU + textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    if sys.argv[2] == "vmt floor":
        import vmt
    import numpy, numba
    sys.path.insert(0, sys.argv[1])
    import startup_floor_kernel
    startup_floor_kernel.add(1.0, 2.0)
    print(json.dumps({sys.argv[2]: [time.perf_counter() - t0, cpu()]}))
""")

_KERNEL = "from numba import njit\n\n\n@njit(cache=True)\ndef add(a, b):\n    return a + b\n"

_PROCESS = textwrap.dedent("""
    import sys
    from vmt.simulation import Simulation
    from vmt.experiments.bench import bench_scenario
    scenario = bench_scenario(400, "barter")
    scenario["grid"] = {"width": 50, "height": 50}
    for resource in scenario["resources"]:
        resource["count"] = 50 * 50 // 40
    scenario["params"]["vision_radius"] = 10
    Simulation(scenario, seed=1).run(int(sys.argv[1]))
""")

STAGES = ("floor", "vmt floor", "import", "build", "first tick", "to first tick", "process")


def _child_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_ENV = dict(os.environ)


def _run(python: str, code: str, *args: str) -> tuple[dict, float, float]:
    """Run ``code`` in a fresh ``python``; (its JSON report or {}, wall seconds, CPU seconds)."""
    cpu0, start = _child_cpu(), time.perf_counter()
    done = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, check=False, env=_ENV)
    wall, cpu = time.perf_counter() - start, _child_cpu() - cpu0
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stderr[-2000:]}")
    lines = done.stdout.strip().splitlines()
    return (json.loads(lines[-1]) if lines else {}), wall, cpu


def measure_once(python: str, ticks: int, kernel_dir: str, floors=("floor", "vmt floor")) -> dict:
    """One sample of every stage (of the ``floors`` asked for): stage -> (wall, cpu) seconds."""
    sample = {}
    for floor in floors:
        sample.update({name: tuple(v) for name, v in _run(python, _FLOOR, kernel_dir, floor)[0].items()})
    sample.update({name: tuple(v) for name, v in _run(python, _FIRST_TICK)[0].items()})
    _, wall, cpu = _run(python, _PROCESS, str(ticks))
    sample["process"] = (wall, cpu)
    return sample


def measure(pythons: list[str], repeat: int, ticks: int, bytecode: bool = True) -> dict[str, dict[str, tuple[float, float]]]:
    """Median (wall, cpu) per interpreter and stage over ``repeat`` interleaved rounds."""
    with tempfile.TemporaryDirectory() as kernel_dir:
        Path(kernel_dir, "startup_floor_kernel.py").write_text(_KERNEL)
        if bytecode:
            _ENV.pop("PYTHONDONTWRITEBYTECODE", None)
            _ENV["PYTHONPYCACHEPREFIX"] = str(Path(kernel_dir, "bytecode"))
        else:
            _ENV["PYTHONDONTWRITEBYTECODE"] = "1"
        for python in pythons:  # untimed: the floor's kernel compiles, the bytecode cache fills
            measure_once(python, 1, kernel_dir, floors=("floor",))
        samples: dict[str, list[dict]] = {python: [] for python in pythons}
        for _ in range(repeat):
            for python in pythons:
                samples[python].append(measure_once(python, ticks, kernel_dir))
    return {python: {stage: (statistics.median(s[stage][0] for s in runs), statistics.median(s[stage][1] for s in runs))
                     for stage in STAGES} for python, runs in samples.items()}


def table(results: dict[str, dict[str, tuple[float, float]]], ticks: int) -> str:
    """The start-up table: one row per stage, wall and CPU seconds per interpreter."""
    pythons = list(results)
    head = "| stage | " + " | ".join(f"wall s ({p}) | cpu s ({p})" for p in pythons) + " |"
    lines = [head, "|---" * (1 + 2 * len(pythons)) + "|"]
    for stage in STAGES:
        label = f"process: {ticks} ticks, 400 agents, 50×50, vision 10" if stage == "process" else stage
        cells = " | ".join(f"{results[p][stage][0]:.3f} | {results[p][stage][1]:.3f}" for p in pythons)
        lines.append(f"| {label} | {cells} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds; medians are printed")
    parser.add_argument("--ticks", type=int, default=101, help="ticks of the whole-process run")
    parser.add_argument("--python", action="append", help="interpreter(s) to measure (default: this one)")
    parser.add_argument("--no-bytecode", action="store_true", help="compile every module from source each time")
    parser.add_argument("--save", metavar="DIR", help="also write the medians and the load to DIR/startup-<date>.json")
    args = parser.parse_args(argv)
    pythons = args.python or [sys.executable]
    load_before = os.getloadavg()
    results = measure(pythons, max(1, args.repeat), max(1, args.ticks), not args.no_bytecode)
    print(table(results, args.ticks))
    if args.save:
        print(f"saved {save(Path(args.save), results, args, load_before)}")


def save(folder: Path, results: dict, args, load_before: tuple[float, ...]) -> Path:
    """Write the medians (wall and CPU seconds per interpreter and stage) with the load and the date."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / time.strftime("startup-%Y%m%d-%H%M%S.json", time.gmtime())
    path.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "repeat": args.repeat, "ticks": args.ticks,
        "bytecode": not args.no_bytecode, "cpus": os.cpu_count(), "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "medians": {python: {stage: {"wall_s": wall, "cpu_s": cpu} for stage, (wall, cpu) in stages.items()}
                    for python, stages in results.items()},
    }, indent=2) + "\n")
    return path


if __name__ == "__main__":
    main()

"""The speed benchmark behind ``vmt bench``.

Each row runs in a fresh Python process so that its peak resident memory is
its own and ``NUMBA_NUM_THREADS`` can differ per row. The economy is a
foraging + trading economy of two Cobb-Douglas types with complementary
endowments at a constant density (10 cells per agent), so rows of different
sizes are comparable.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

CELLS_PER_AGENT = 10


@dataclass
class BenchRow:
    agents: int
    grid: str
    regime: str
    threads: int
    telemetry: bool
    ticks: int
    s_per_tick: float
    agent_ticks_per_s: float
    peak_rss_mb: float
    trades: int


def bench_scenario(agents: int, regime: str) -> dict:
    """A scenario dict for ``agents`` agents at constant density."""
    side = max(10, int(math.ceil(math.sqrt(agents * CELLS_PER_AGENT))))
    half = agents // 2
    money = {"M": [50, 100]} if regime != "barter" else {}
    group = lambda count, alpha, a, b: {  # noqa: E731
        "count": count,
        "utility": {"family": "cobb_douglas", "params": {"alpha": alpha, "beta": 1 - alpha}},
        "endowment": {"A": a, "B": b, **money},
    }
    return {
        "name": f"bench-{agents}",
        "grid": {"width": side, "height": side},
        "agents": [group(half, 0.7, [2, 8], [10, 20]), group(agents - half, 0.3, [10, 20], [2, 8])],
        "resources": [
            {"commodity": "A", "count": side * side // 40, "cap": 5, "regeneration_rate": 0.2},
            {"commodity": "B", "count": side * side // 40, "cap": 5, "regeneration_rate": 0.2},
        ],
        "params": {"exchange_regime": regime, "vision_radius": 5, "move_budget_per_tick": 1},
    }


def run_row(agents: int, ticks: int, regime: str, telemetry: bool, threads: int) -> BenchRow:
    """Build, warm up (one tick: compile or load cached kernels), then time."""
    import psutil

    from vmt.simulation import Simulation

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db") if telemetry else None
        sim = Simulation(bench_scenario(agents, regime), seed=0, telemetry=db)
        sim.step()
        start = time.perf_counter()
        sim.run(ticks)
        elapsed = time.perf_counter() - start
        trades = sim.trade_log.count
    peak = psutil.Process().memory_info().rss
    try:
        import resource

        peak = max(peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    except ImportError:  # pragma: no cover - not on Linux
        pass
    scenario = bench_scenario(agents, regime)
    return BenchRow(
        agents=agents,
        grid=f"{scenario['grid']['width']}x{scenario['grid']['height']}",
        regime=regime,
        threads=threads,
        telemetry=telemetry,
        ticks=ticks,
        s_per_tick=elapsed / max(ticks, 1),
        agent_ticks_per_s=agents * ticks / elapsed if elapsed > 0 else float("inf"),
        peak_rss_mb=peak / 2**20,
        trades=trades,
    )


def run_row_in_subprocess(agents: int, ticks: int, regime: str, telemetry: bool, threads: int) -> BenchRow:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    args = [sys.executable, "-m", "vmt.experiments.bench", str(agents), str(ticks), regime, str(int(telemetry)), str(threads)]
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark row {agents} agents failed:\n{done.stderr.strip()}")
    return BenchRow(**json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    n, t, reg, tel, thr = sys.argv[1:6]
    row = run_row(int(n), int(t), reg, bool(int(tel)), int(thr))
    print(json.dumps(asdict(row)))

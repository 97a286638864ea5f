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
    institution: str
    posts: int
    threads: int
    telemetry: bool
    ticks: int
    s_per_tick: float
    agent_ticks_per_s: float
    peak_rss_mb: float
    trades: int


def market_posts(count: int, side: int, mechanism: str = "walrasian") -> list[dict]:
    """``count`` posts on a regular lattice over a ``side``×``side`` grid."""
    per_row = max(1, int(math.ceil(math.sqrt(count))))
    spacing = side / per_row
    cells = [(int((c + 0.5) * spacing), int((r + 0.5) * spacing)) for r in range(per_row) for c in range(per_row)]
    return [{"id": k, "location": list(cell), "mechanism_type": mechanism} for k, cell in enumerate(cells[:count])]


def bench_scenario(agents: int, regime: str, institution: str = "bilateral", posts: int = 0) -> dict:
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
        "params": {"exchange_regime": regime, "vision_radius": 5, "move_budget_per_tick": 1,
                   "institution": institution},
        "market_posts": market_posts(posts, side) if posts else [],
    }


def run_row(agents: int, ticks: int, regime: str, telemetry: bool, threads: int,
            institution: str = "bilateral", posts: int = 0) -> BenchRow:
    """Build, warm up (one tick: compile or load cached kernels), then time."""
    import psutil

    from vmt.simulation import Simulation

    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db") if telemetry else None
        scenario = bench_scenario(agents, regime, institution, posts)
        sim = Simulation(scenario, seed=0, telemetry=db)
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
    return BenchRow(
        agents=agents,
        grid=f"{scenario['grid']['width']}x{scenario['grid']['height']}",
        regime=regime,
        institution=institution,
        posts=posts,
        threads=threads,
        telemetry=telemetry,
        ticks=ticks,
        s_per_tick=elapsed / max(ticks, 1),
        agent_ticks_per_s=agents * ticks / elapsed if elapsed > 0 else float("inf"),
        peak_rss_mb=peak / 2**20,
        trades=trades,
    )


def run_row_in_subprocess(agents: int, ticks: int, regime: str, telemetry: bool, threads: int,
                          institution: str = "bilateral", posts: int = 0) -> BenchRow:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    args = [sys.executable, "-m", "vmt.experiments.bench", str(agents), str(ticks), regime, str(int(telemetry)),
            str(threads), institution, str(posts)]
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark row {agents} agents failed:\n{done.stderr.strip()}")
    return BenchRow(**json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    n, t, reg, tel, thr, inst, npost = sys.argv[1:8]
    row = run_row(int(n), int(t), reg, bool(int(tel)), int(thr), inst, int(npost))
    print(json.dumps(asdict(row)))

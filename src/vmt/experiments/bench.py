"""The speed benchmark behind ``vmt bench``.

Each row runs in a fresh Python process so that its peak resident memory is
its own and ``NUMBA_NUM_THREADS`` can differ per row. The economy is a
foraging + trading economy of two Cobb-Douglas types with complementary
endowments at a constant density (10 cells per agent, one market post per
2,000 agents for the post institutions), so rows of different sizes are
comparable. A row builds the economy, runs one warm-up tick (kernels load
from the on-disk cache or compile; with telemetry its rows, among them the
snapshot of tick 0, are committed before the clock starts, so the timed
ticks carry exactly their own telemetry), then times ``ticks`` ticks — the
end of the run, waiting until every row is durable, included — and the
share of each phase of the tick in them.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

CELLS_PER_AGENT = 10
AGENTS_PER_POST = 2_000

#: Telemetry levels: agent snapshot interval in ticks (None: no telemetry).
TELEMETRY_LEVELS = {"off": None, "standard": 10, "every_tick": 1}

#: Institutions the benchmark knows; a post institution may name the posts'
#: mechanism after a colon (``centralized:cda``).
POST_INSTITUTIONS = ("centralized", "mixed_bilateral_centralized")


@dataclass
class BenchCase:
    """What one row measures (everything but the machine's threads)."""

    agents: int
    institution: str = "bilateral"
    mechanism: str = ""
    regime: str = "barter"
    telemetry: str = "off"
    posts: int = 0


@dataclass
class BenchRow:
    agents: int
    grid: str
    regime: str
    institution: str
    mechanism: str
    posts: int
    threads: int | str  # a count, or "auto": the run's own choice (vmt.engine.threads)
    telemetry: str
    ticks: int
    s_per_tick: float
    agent_ticks_per_s: float
    peak_rss_mb: float
    trades: int
    load_average: float
    phase_share: dict = field(default_factory=dict)
    threads_used: dict = field(default_factory=dict)  # timed ticks run at each thread count


def market_posts(count: int, side: int, mechanism: str = "walrasian") -> list[dict]:
    """``count`` posts on a regular lattice over a ``side``×``side`` grid."""
    per_row = max(1, int(math.ceil(math.sqrt(count))))
    spacing = side / per_row
    cells = [(int((c + 0.5) * spacing), int((r + 0.5) * spacing)) for r in range(per_row) for c in range(per_row)]
    return [{"id": k, "location": list(cell), "mechanism_type": mechanism} for k, cell in enumerate(cells[:count])]


def default_posts(case: BenchCase) -> int:
    """Posts of a row: as asked, else one per ``AGENTS_PER_POST`` agents for post institutions."""
    if case.posts or case.institution not in POST_INSTITUTIONS:
        return case.posts
    return max(1, case.agents // AGENTS_PER_POST)


def bench_scenario(agents: int, regime: str, institution: str = "bilateral", posts: int = 0,
                   mechanism: str = "walrasian", snapshot_interval: int | None = None) -> dict:
    """A scenario dict for ``agents`` agents at constant density."""
    side = max(10, int(math.ceil(math.sqrt(agents * CELLS_PER_AGENT))))
    half = agents // 2
    money = {"M": [50, 100]} if regime != "barter" else {}
    group = lambda count, alpha, a, b: {  # noqa: E731
        "count": count,
        "utility": {"family": "cobb_douglas", "params": {"alpha": alpha, "beta": 1 - alpha}},
        "endowment": {"A": a, "B": b, **money},
    }
    params = {"exchange_regime": regime, "vision_radius": 5, "move_budget_per_tick": 1, "institution": institution}
    if snapshot_interval is not None:
        params.update(snapshot_interval=snapshot_interval, resource_snapshot_interval=10)
    return {
        "name": f"bench-{agents}",
        "grid": {"width": side, "height": side},
        "agents": [group(half, 0.7, [2, 8], [10, 20]), group(agents - half, 0.3, [10, 20], [2, 8])],
        "resources": [
            {"commodity": "A", "count": side * side // 40, "cap": 5, "regeneration_rate": 0.2},
            {"commodity": "B", "count": side * side // 40, "cap": 5, "regeneration_rate": 0.2},
        ],
        "params": params,
        "market_posts": market_posts(posts, side, mechanism or "walrasian") if posts else [],
    }


class PhaseClock:
    """Engine hooks adding up the seconds of each phase (with the hooks that
    observe it, e.g. the trade log); what is left of the timed ticks after
    their phases — the telemetry recorder's ``after_tick`` work — is ``other``."""

    def __init__(self, sim):
        self.seconds: dict[str, float] = {}
        self._mark = self._tick_start = 0.0
        sim.on("before_tick", self._start)
        sim.on("after_phase", self._phase)

    def _start(self, tick: int) -> None:
        self._mark = self._tick_start = time.perf_counter()

    def _phase(self, tick: int, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._mark
        self._mark = now

    def shares(self, total: float) -> dict[str, float]:
        shares = {name: round(s / total, 4) for name, s in self.seconds.items()}
        shares["other"] = round(max(0.0, 1.0 - sum(shares.values())), 4)
        return shares


def count_threads_used(sim) -> dict[str, int]:
    """A dict that counts, from now on, the ticks of ``sim`` run at each thread
    count (an ``auto`` row's choice is the run's own; see ``vmt.engine.threads``)."""
    import numba

    used: dict[str, int] = {}

    def note(tick: int) -> None:
        count = str(numba.get_num_threads())
        used[count] = used.get(count, 0) + 1

    sim.on("before_tick", note)
    return used


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB."""
    import psutil

    peak = psutil.Process().memory_info().rss
    try:
        import resource

        peak = max(peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    except ImportError:  # pragma: no cover - not on Linux
        pass
    return peak / 2**20


def allow_bench_size(scenario: dict) -> None:
    """Raise the scenario size limits, for this process, to fit the benchmark economy.

    The limits guard against hostile scenario files; the benchmark builds
    its own economy at the size the user asked for (10 million agents and
    more), so it must not be refused by them.
    """
    from vmt.scenario.limits import current_limits, set_limits

    limits = current_limits()
    agents = sum(int(group["count"]) for group in scenario["agents"])
    cells = int(scenario["grid"]["width"]) * int(scenario["grid"]["height"])
    set_limits(max_agents=max(limits.max_agents, agents), max_grid_cells=max(limits.max_grid_cells, cells))


def run_row(case: BenchCase, ticks: int, threads: int | str) -> BenchRow:
    """Build, warm up (one tick: compile or load cached kernels), then time."""
    from vmt.simulation import Simulation

    posts = default_posts(case)
    scenario = bench_scenario(case.agents, case.regime, case.institution, posts, case.mechanism,
                              TELEMETRY_LEVELS[case.telemetry])
    allow_bench_size(scenario)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db") if TELEMETRY_LEVELS[case.telemetry] else None
        sim = Simulation(scenario, seed=0, telemetry=db, threads=None if threads == "auto" else threads)
        sim.step()
        if sim.recorder is not None:  # the warm-up tick's rows are its own work, not the timed ticks'
            sim.recorder.commit()
        clock = PhaseClock(sim)
        threads_used = count_threads_used(sim)
        start = time.perf_counter()
        sim.run(ticks)
        elapsed = time.perf_counter() - start
        trades = sim.trade_log.count
    return BenchRow(
        agents=case.agents, grid=f"{scenario['grid']['width']}x{scenario['grid']['height']}",
        regime=case.regime, institution=case.institution, mechanism=case.mechanism, posts=posts,
        threads=threads, telemetry=case.telemetry, ticks=ticks, s_per_tick=elapsed / ticks,
        agent_ticks_per_s=case.agents * ticks / elapsed if elapsed > 0 else float("inf"),
        peak_rss_mb=peak_rss_mb(), trades=trades, load_average=load, phase_share=clock.shares(elapsed),
        threads_used=threads_used,
    )


def run_row_in_subprocess(case: BenchCase, ticks: int, threads: int | str) -> BenchRow:
    """:func:`run_row` in a fresh process with ``NUMBA_NUM_THREADS=threads``
    (all cores for ``"auto"``)."""
    env = {k: v for k, v in os.environ.items() if k != "VMT_THREADS"}
    env["NUMBA_NUM_THREADS"] = str(os.cpu_count() if threads == "auto" else threads)
    args = [sys.executable, "-m", "vmt.experiments.bench", json.dumps(asdict(case)), str(ticks), str(threads)]
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark row {case} failed:\n{done.stderr.strip()}")
    return BenchRow(**json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    spec, n_ticks, n_threads = sys.argv[1:4]
    row = run_row(BenchCase(**json.loads(spec)), int(n_ticks), n_threads if n_threads == "auto" else int(n_threads))
    print(json.dumps(asdict(row)))

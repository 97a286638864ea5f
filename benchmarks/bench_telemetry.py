"""How fast telemetry writes and reads ``agent_snapshots`` rows.

Simulates the engine's per-tick call: one ``append`` of N agents' column arrays
per tick, flushed by the writer in batches of ``flush_rows``, in each storage
layout (``columns``: column blocks, what simulations write; ``rows``: one SQL
row per row). Reports rows per
second for validation + conversion (the appends minus the flushes they
trigger), for the flushes alone (``executemany`` into the indexed table +
commit), for the whole write (every call, including close) and for reading the
run back with ``read_table``. Wall-clock figures on a shared machine: run it a
few times.

    .venv/bin/python benchmarks/bench_telemetry.py [--agents 100000] [--ticks 10] [--layout columns]

With ``--simulation`` it measures instead what telemetry costs a real run:
seconds per tick of the benchmark economy (``vmt bench``'s, money regime)
without telemetry, with standard telemetry (every trade, agent snapshots
every 10 ticks) and with snapshots every tick, the three interleaved
``--repeats`` times (medians reported), and the ratios to the run without.

    .venv/bin/python benchmarks/bench_telemetry.py --simulation --agents 100000 1000000 --ticks 5
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from vmt.telemetry import TelemetryWriter, read_table


def snapshot_columns(n_agents: int, rng: np.random.Generator) -> dict:
    """Per-tick columns shaped like the engine's (positions, holdings, signals)."""
    price = rng.uniform(0.5, 2.0, n_agents)
    price[rng.random(n_agents) < 0.3] = np.nan  # agents without a price signal
    return dict(agent_id=np.arange(n_agents), x=rng.integers(0, 300, n_agents),
                y=rng.integers(0, 300, n_agents), A=rng.integers(0, 50, n_agents) * 1.0,
                B=rng.integers(0, 50, n_agents) * 1.0, M=rng.integers(0, 10_000, n_agents) * 0.01,
                utility=rng.uniform(0, 20, n_agents), observed_price=price,
                **{"lambda": rng.uniform(0.1, 1.0, n_agents)})


class TimedWriter(TelemetryWriter):
    """A writer that adds up the seconds spent flushing."""

    flush_seconds = 0.0

    def flush(self) -> None:
        start = time.perf_counter()
        super().flush()
        self.flush_seconds += time.perf_counter() - start


def bench_write(path: Path, n_agents: int, ticks: int, flush_rows: int,
                layout: str) -> tuple[float, float, float]:
    """Seconds spent converting (appends minus flushes), flushing, and in the whole write."""
    columns = snapshot_columns(n_agents, np.random.default_rng(0))
    append_s = 0.0
    start = time.perf_counter()
    with TimedWriter(path, flush_rows=flush_rows, layout=layout) as writer:
        writer.begin_run(scenario_name="bench", scenario_hash="0", scenario_text="", seed=0,
                         version="bench")
        for tick in range(ticks):
            t0, flushed_before = time.perf_counter(), writer.flush_seconds
            writer.append("agent_snapshots", tick=tick, **columns)
            append_s += time.perf_counter() - t0 - (writer.flush_seconds - flushed_before)
            writer.set_progress(tick + 1)
    total_s = time.perf_counter() - start
    return append_s, writer.flush_seconds, total_s


def bench_read(path: Path) -> float:
    start = time.perf_counter()
    read_table(path, "agent_snapshots")
    return time.perf_counter() - start


#: Telemetry settings compared by ``--simulation``: None = no telemetry, else the snapshot interval.
MODES = {"none": None, "standard": 10, "every tick": 1}


def seconds_per_tick(n_agents: int, ticks: int, snapshot_interval: int | None) -> float:
    """One timed run of the benchmark economy (after a first, untimed tick)."""
    from vmt.experiments.bench import bench_scenario
    from vmt.simulation import Simulation

    scenario = bench_scenario(n_agents, "money")
    if snapshot_interval is not None:
        scenario["params"]["snapshot_interval"] = snapshot_interval
    with tempfile.TemporaryDirectory() as tmp:
        db = None if snapshot_interval is None else Path(tmp) / "run.db"
        sim = Simulation(scenario, seed=0, telemetry=db)
        sim.step()
        start = time.perf_counter()
        sim.run(ticks)
        return (time.perf_counter() - start) / ticks


def bench_simulation(agent_counts: list[int], ticks: int, repeats: int) -> None:
    print(f"{'agents':>8} {'ticks':>6} " + " ".join(f"{m + ' s/tick':>18}" for m in MODES)
          + f" {'standard ratio':>15} {'every-tick ratio':>17}")
    for n_agents in agent_counts:
        times = {mode: [] for mode in MODES}
        for _ in range(repeats):  # interleaved, so a busy spell hits every mode
            for mode, interval in MODES.items():
                times[mode].append(seconds_per_tick(n_agents, ticks, interval))
        median = {mode: float(np.median(values)) for mode, values in times.items()}
        print(f"{n_agents:>8} {ticks:>6} " + " ".join(f"{median[m]:>18.3f}" for m in MODES)
              + f" {median['standard'] / median['none']:>15.2f} {median['every tick'] / median['none']:>17.2f}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--ticks", type=int, default=10)
    parser.add_argument("--flush-rows", type=int, default=200_000)
    parser.add_argument("--simulation", action="store_true", help="cost of telemetry in a real run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layout", nargs="+", default=["columns", "rows"], choices=["columns", "rows"])
    args = parser.parse_args()
    if args.simulation:
        bench_simulation(args.agents, args.ticks, args.repeats)
        return
    print(f"{'layout':>8} {'agents':>8} {'ticks':>6} {'rows':>10} {'convert rows/s':>15} {'flush rows/s':>13} "
          f"{'write rows/s':>13} {'read rows/s':>12} {'MB':>7}")
    for n_agents in args.agents:
        for layout in args.layout:
            bench_layout(layout, n_agents, args.ticks, args.flush_rows)


def bench_layout(layout: str, n_agents: int, ticks: int, flush_rows: int) -> None:
    """One row of the table: write and read ``ticks`` snapshots of ``n_agents``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        convert_s, flush_s, write_s = bench_write(path, n_agents, ticks, flush_rows, layout)
        read_s = bench_read(path)
        rows = n_agents * ticks
        print(f"{layout:>8} {n_agents:>8} {ticks:>6} {rows:>10} {rows / convert_s:>15,.0f} "
              f"{rows / flush_s:>13,.0f} {rows / write_s:>13,.0f} {rows / read_s:>12,.0f} "
              f"{path.stat().st_size / 1e6:>7.1f}", flush=True)


if __name__ == "__main__":
    main()

"""Turning benchmark rows into a story: medians of repeats, the machine,
how cost grows with the number of agents, and a saved record.

On a shared machine single timings wander, so ``vmt bench --repeat R``
runs every row ``R`` times, interleaved (all rows once, then all again),
and reports the run with the median seconds per tick.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from dataclasses import asdict
from pathlib import Path

#: The phases, in tick order, then the recorder's share.
SHARE_COLUMNS = ("perception", "decision", "movement", "trade", "forage", "regeneration", "markets",
                 "housekeeping", "other")


def row_key(row) -> tuple:
    return (row.institution, row.mechanism, row.regime, row.telemetry, row.agents, row.threads)


def median_rows(rows: list) -> list:
    """One row per case × threads: the repeat with the median seconds per tick
    (peak memory: the largest of the repeats)."""
    groups: dict[tuple, list] = {}
    for row in rows:
        groups.setdefault(row_key(row), []).append(row)
    chosen = []
    for group in groups.values():
        ordered = sorted(group, key=lambda r: r.s_per_tick)
        middle = ordered[(len(ordered) - 1) // 2]
        middle.peak_rss_mb = max(r.peak_rss_mb for r in group)
        chosen.append(middle)
    return chosen


def growth_exponents(rows: list, min_agents: int = 10_000) -> dict[tuple, float]:
    """Least-squares slope of log(s/tick) against log(agents), per series
    (institution, mechanism, regime, telemetry, threads) with ≥ 2 sizes ≥ ``min_agents``.

    1.0 is linear growth: cost per agent independent of the population.
    """
    series: dict[tuple, list] = {}
    for row in rows:
        if row.agents >= min_agents:
            key = (row.institution, row.mechanism, row.regime, row.telemetry, row.threads)
            series.setdefault(key, []).append((math.log(row.agents), math.log(row.s_per_tick)))
    slopes = {}
    for key, points in series.items():
        if len({x for x, _ in points}) >= 2:
            mx = statistics.fmean(x for x, _ in points)
            my = statistics.fmean(y for _, y in points)
            slopes[key] = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return slopes


def machine_description() -> dict:
    """What the figures were measured on."""
    import numba
    import numpy

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(_memory_bytes() / 2**30, 1),
        "system": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "threading_layer_env": os.environ.get("NUMBA_THREADING_LAYER", "default"),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else [],
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_bytes() -> int:
    import psutil

    return psutil.virtual_memory().total


def save_results(path: Path, rows: list, repeat: int, command: str) -> Path:
    """Write ``{machine, command, repeat, rows, growth}`` as JSON to ``path``."""
    growth = [{"series": list(key), "exponent": round(slope, 3)} for key, slope in growth_exponents(rows).items()]
    record = {"machine": machine_description(), "command": command, "repeat": repeat,
              "rows": [asdict(r) for r in rows], "growth": growth}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path

"""Markdown tables from saved ``vmt bench --save`` records (for docs/performance.md).

Prints, per file: the machine line, one table row per benchmark row (s/tick,
agent-ticks/s, peak memory, the three largest phase shares), the fitted
growth exponents, and memory per agent between the largest two sizes of each
series (the slope of peak RSS against agents, which leaves out the fixed
cost of Python, numpy and numba).

    .venv/bin/python benchmarks/results_table.py benchmarks/results/*.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(paths: list[str]) -> None:
    for path in paths:
        record = json.loads(Path(path).read_text())
        machine = record["machine"]
        print(f"\n{Path(path).name}: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
              f"numba {machine['numba']}, load average {machine['load_average']}, {machine['date']}, "
              f"median of {record['repeat']}")
        print("\n| institution | telemetry | agents | threads | s/tick | agent-ticks/s | peak RSS | largest shares | load |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
        for row in sorted(record["rows"], key=_order):
            shares = sorted(row["phase_share"].items(), key=lambda kv: -kv[1])[:3]
            name = f"{row['institution']}:{row['mechanism']}" if row["mechanism"] else row["institution"]
            print(f"| {name} | {row['telemetry']} | {row['agents']:,} | {row['threads']} | {row['s_per_tick']:.4g} | "
                  f"{row['agent_ticks_per_s']:.3g} | {row['peak_rss_mb']:,.0f} MB | "
                  f"{', '.join(f'{k} {v:.0%}' for k, v in shares)} | {row['load_average']:.1f} |")
        for item in record["growth"]:
            print(f"\ngrowth {' '.join(str(k) for k in item['series'] if k != '')}: N^{item['exponent']}")
        for series, per_agent in memory_per_agent(record["rows"]).items():
            print(f"memory per agent {' '.join(series)}: {per_agent:.0f} bytes")


def _order(row) -> tuple:
    return (row["institution"], row["mechanism"], row["telemetry"], row["agents"], row["threads"])


def memory_per_agent(rows) -> dict[tuple, float]:
    """Bytes of peak RSS per extra agent between the two largest sizes of a series."""
    series: dict[tuple, dict[int, float]] = {}
    for row in rows:
        key = (row["institution"], row["mechanism"] or "-", row["telemetry"])
        series.setdefault(key, {})[row["agents"]] = max(row["peak_rss_mb"], series.get(key, {}).get(row["agents"], 0))
    slopes = {}
    for key, sizes in series.items():
        if len(sizes) >= 2:
            (n0, m0), (n1, m1) = sorted(sizes.items())[-2:]
            slopes[key] = (m1 - m0) * 2**20 / (n1 - n0)
    return slopes


if __name__ == "__main__":
    main(sys.argv[1:])

"""``vmt bench`` at a tiny size: the table, the JSON rows and the saved record
carry what the performance docs read from them (no timing is asserted)."""

from __future__ import annotations

import json

import pytest

from click.testing import CliRunner

from vmt.cli import main


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_table_has_a_row_per_size_and_thread_count_with_phase_shares():
    result = invoke("bench", "--agents", "200,400", "--ticks", "2", "--threads", "1,2")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split()[:3] == ["agents", "grid", "regime"] and "phase shares" in lines[0]
    rows = [line.split() for line in lines[1:] if line.split()[0].isdigit()]
    assert [(r[0], r[4]) for r in rows] == [("200", "1"), ("200", "2"), ("400", "1"), ("400", "2")]
    prefixes = ("perce", "decis", "movem", "trade", "forag", "regen", "marke", "house", "other")
    for line in lines[1:5]:
        shares = line.split("  ")[-1].split()
        assert shares and all(name in prefixes for name in shares[::2]) and all(v.endswith("%") for v in shares[1::2])


def test_json_rows_and_saved_record(tmp_path):
    result = invoke("bench", "--agents", "200", "--ticks", "2", "--threads", "1", "--json",
                    "--institution", "bilateral,centralized:posted_price", "--telemetry", "off,standard",
                    "--save", str(tmp_path))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.strip().splitlines() if line.startswith("{")]
    assert [(r["institution"], r["mechanism"], r["regime"], r["telemetry"]) for r in rows] == [
        ("bilateral", "", "barter", "off"), ("bilateral", "", "barter", "standard"),
        ("centralized", "posted_price", "mixed", "off"), ("centralized", "posted_price", "mixed", "standard"),
    ]
    for row in rows:
        assert row["s_per_tick"] > 0 and row["peak_rss_mb"] > 0 and row["ticks"] == 2
        assert abs(sum(row["phase_share"].values()) - 1.0) < 0.01
    assert rows[2]["posts"] == 1  # one post per 2,000 agents, at least one
    (saved,) = tmp_path.glob("bench-*.json")
    record = json.loads(saved.read_text())
    assert record["machine"]["cores"] >= 1 and record["machine"]["omp_wait_policy"] == "passive"
    assert len(record["rows"]) == 4


def test_growth_exponent_of_linear_cost_is_one():
    from vmt.experiments.bench import BenchRow
    from vmt.experiments.bench_report import growth_exponents, median_rows

    def row(agents, seconds):
        return BenchRow(agents, "", "barter", "bilateral", "", 0, 1, "off", 1, seconds, 0.0, 1.0, 0, 0.0)

    rows = median_rows([row(10_000, 0.01), row(100_000, 0.1), row(100_000, 0.5), row(100_000, 0.09),
                        row(1_000_000, 1.0)])
    assert sorted(r.s_per_tick for r in rows) == [0.01, 0.1, 1.0]  # the median repeat
    assert abs(growth_exponents(rows)[("bilateral", "", "barter", "off", 1)] - 1.0) < 1e-9


def test_bad_options_are_exit_code_2():
    assert invoke("bench", "--institution", "bilateral:cda").exit_code == 2
    assert invoke("bench", "--telemetry", "sometimes").exit_code == 2
    assert invoke("bench", "--agents", "5000", "--max-agents", "1000").exit_code == 2


def test_the_benchmark_economy_at_ten_million_agents_passes_the_scenario_limits():
    """The size limits guard against hostile files; the benchmark's own
    10M-agent economy must still load (validated only: nothing is allocated)."""
    from vmt.experiments.bench import allow_bench_size, bench_scenario
    from vmt.scenario import load_scenario
    from vmt.scenario.errors import ScenarioError
    from vmt.scenario.limits import current_limits, set_limits

    scenario = bench_scenario(10_000_000, "barter")
    before = current_limits()
    try:
        with pytest.raises(ScenarioError, match="max_agents"):
            load_scenario(scenario)
        allow_bench_size(scenario)
        loaded = load_scenario(scenario)
        assert sum(group.count for group in loaded.agents) == 10_000_000
    finally:
        set_limits(**{name: getattr(before, name) for name in ("max_agents", "max_grid_cells")})

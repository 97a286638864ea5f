"""``vmt run`` and ``vmt bench`` as a user meets them: summaries, overrides,
telemetry, and bad input that ends in one paragraph and exit code 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from vmt.cli import main
from vmt.telemetry import list_runs, read_table


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_run_default_scenario_prints_summary(tmp_path):
    db = tmp_path / "run.db"
    result = invoke("run", "--ticks", "20", "--quiet", "--out", str(db))
    assert result.exit_code == 0, result.output
    assert "scenario 'default'" in result.output and "trades:" in result.output
    assert "ticks/s" in result.output
    runs = list_runs(db)
    assert runs["status"].tolist() == ["completed"] and runs["ticks_completed"].tolist() == [20]
    assert len(read_table(db, "trades")) == int(result.output.split("trades: ")[1].split()[0])


def test_run_overrides_are_applied_and_validated(tmp_path):
    db = tmp_path / "o.db"
    ok = invoke("run", "edgeworth_box", "--quiet", "--ticks", "3", "--set", "params.vision_radius=3", "--out", str(db))
    assert ok.exit_code == 0, ok.output
    assert "vision_radius: 3" in list_runs(db)["scenario_text"][0] or "params.vision_radius=3" in list_runs(db)["scenario_text"][0]
    bad = invoke("run", "edgeworth_box", "--set", "params.vision_radius=-3")
    assert bad.exit_code == 2
    assert "params.vision_radius" in bad.output and "Traceback" not in bad.output


@pytest.mark.parametrize(
    "content, needle",
    [
        ("grid: {width: 5, height: 5}\nagents: [{count: 2, utility: {family: nope}}]\n", "nope"),
        ("grid: {width: 5, height: 5}\nparams: {vision_radius: many}\n", "params.vision_radius"),
        ("grid: [unclosed\n", "line"),
        ("grid: {width: 5, height: 5}\nagents: [{count: 2, utility: {family: linear, params: {alpha: 1, beta: 1}}}]\n"
         "protocols: {search: telepathy}\n", "telepathy"),
        ("grid: {width: 5, height: 5}\nagents: [{count: 2, utility: {family: linear, params: {alpha: 1, beta: 1}}}]\n"
         "protocols: {bargaining: {name: nash, params: {price_candidates: lots}}}\n", "price_candidates"),
    ],
)
def test_malformed_scenario_gives_one_paragraph_and_exit_2(tmp_path, content, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    for command in ("run", "validate"):
        result = invoke(command, str(path))
        assert result.exit_code == 2, (command, result.output)
        assert needle in result.output and "Traceback" not in result.output


def test_missing_file_and_bad_ticks(tmp_path):
    assert invoke("run", str(tmp_path / "none.yaml")).exit_code == 2
    result = invoke("run", "edgeworth_box", "--ticks", "-1")
    assert result.exit_code == 2 and "--ticks" in result.output


def test_unwritable_telemetry_path_is_bad_input(tmp_path):
    garbage = tmp_path / "not_a_db.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    result = invoke("run", "edgeworth_box", "--ticks", "2", "--out", str(garbage))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert garbage.read_bytes() == b"this is not sqlite" * 100


def test_bench_json_rows_have_the_documented_keys():
    result = invoke("bench", "--agents", "200", "--ticks", "2", "--threads", "1", "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output.strip().splitlines()[-1])
    for key in ("agents", "regime", "telemetry", "ticks", "s_per_tick", "agent_ticks_per_s", "peak_rss_mb"):
        assert key in row
    assert row["agents"] == 200 and row["s_per_tick"] > 0


def test_bench_rejects_bad_lists():
    assert invoke("bench", "--agents", "ten").exit_code == 2
    assert invoke("bench", "--regime", "gift").exit_code == 2

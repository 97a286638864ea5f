"""``vmt validate``: exit 0 and a summary on good files, exit 2 and no traceback on bad ones."""

from __future__ import annotations

from click.testing import CliRunner

from vmt.cli import main
from vmt.scenario.loader import SCENARIO_DIR


def invoke(*args):
    return CliRunner().invoke(main, ["validate", *args])


def test_good_files_exit_zero_with_summary_and_notes():
    result = invoke(str(SCENARIO_DIR / "walrasian_two_markets.yaml"), "edgeworth_box")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"{SCENARIO_DIR / 'walrasian_two_markets.yaml'}: ok — 40 agents in 2 groups, grid 50x50, "
                        "regime mixed, institution mixed_bilateral_centralized")
    assert sum("note: " in line for line in lines) == len(
        __import__("vmt.scenario", fromlist=["load_scenario"]).load_scenario("walrasian_two_markets").inactive_features())
    assert lines[-1] == "edgeworth_box: ok — 2 agents in 2 groups, grid 6x6, regime barter, institution bilateral"


def test_set_option_is_applied():
    result = invoke("edgeworth_box", "--set", "grid.width=9", "--set", "params.exchange_regime=money")
    assert result.exit_code == 0, result.output
    assert "grid 9x6, regime money" in result.output


def test_bad_file_exits_two_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("grid: {width: 0, height: 4}\nagents: []\n", encoding="utf-8")
    result = invoke("edgeworth_box", str(bad))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "bad.yaml" in result.output and "grid.width" in result.output
    assert "edgeworth_box: ok" in result.output


def test_missing_file_and_bad_override_exit_two():
    for args in (["nowhere.yaml"], ["edgeworth_box", "--set", "params.ticks"]):
        result = invoke(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output


def test_yaml_syntax_error_exits_two(tmp_path):
    bad = tmp_path / "syntax.yaml"
    bad.write_text("grid: {width: 3\n", encoding="utf-8")
    result = invoke(str(bad))
    assert result.exit_code == 2 and "YAML syntax error" in result.output and "Traceback" not in result.output

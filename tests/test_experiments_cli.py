"""``vmt compare``, ``vmt sweep`` and ``vmt report DIR`` as a user meets them."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from conftest import two_type_economy

import vmt
from vmt.cli import main
from vmt.telemetry import list_runs


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(two_type_economy(count=12, grid=8)))
    return path


def test_compare_prints_the_table_and_writes_results_and_plots(scenario_file, tmp_path):
    out = tmp_path / "cmp"
    result = invoke("compare", scenario_file, "--institutions", "bilateral,walrasian", "--seeds", 3, "--ticks", 10,
                    "--workers", 1, "--quiet", "--csv", "--out", out)
    assert result.exit_code == 0, result.output
    assert "one walrasian post placed at [4, 4]" in result.output
    header = next(line for line in result.output.splitlines() if line.startswith("metric"))
    assert header.split() == ["metric", "bilateral", "walrasian"]
    assert "Wilcoxon signed-rank" in result.output and "Holm" in result.output
    table = pd.read_parquet(out / "results.parquet")
    assert table["institution"].tolist() == ["bilateral"] * 3 + ["walrasian"] * 3
    assert table["seed"].tolist() == [0, 1, 2] * 2 and (table["status"] == "ok").all()
    assert (table.loc[table["institution"] == "walrasian", "post_fills"] == table["trades"][3:]).all()
    assert len(pd.read_csv(out / "results.csv")) == 6
    for name in ("report.md", "report.html", "summary.csv", "pairwise.csv", "distributions.png", "prices_A_B.png"):
        assert (out / "report" / name).is_file(), name

    again = invoke("report", out, "--out", tmp_path / "again")
    assert again.exit_code == 0, again.output
    assert "walrasian" in again.output and (tmp_path / "again" / "distributions.png").is_file()


def test_sweep_command_runs_an_experiment_file(scenario_file, tmp_path):
    experiment = tmp_path / "vision.yaml"
    experiment.write_text(f"scenario: {scenario_file.name}\nseeds: 2\nticks: 6\nmetrics: [trades]\n"
                          "axes:\n  params.vision_radius: [1, 2]\n")
    out = tmp_path / "sweep"
    result = invoke("sweep", experiment, "--out", out, "--workers", 1, "--quiet", "--telemetry")
    assert result.exit_code == 0, result.output
    assert "vision_radius=1" in result.output and "4 run(s) done now, 0 reused" in result.output
    table = pd.read_parquet(out / "results.parquet")
    databases = sorted((out / "telemetry").glob("*.db"))
    assert sorted(table["telemetry"]) == [db.name for db in databases] and len(databases) == 4
    runs = list_runs(databases[0])
    assert runs["status"].tolist() == ["completed"] and runs["ticks_completed"].tolist() == [6]
    rerun = invoke("sweep", experiment, "--out", out, "--workers", 1, "--quiet", "--seeds", 3)
    assert rerun.exit_code == 0, rerun.output
    assert "2 run(s) done now, 4 reused" in rerun.output


@pytest.mark.parametrize("args, message", [
    (("compare", "{scenario}", "--institutions", "bilateral,auction"), "unknown institution 'auction'"),
    (("compare", "no_such_economy"), "is not a built-in scenario name"),
    (("compare", "{scenario}", "--set", "params.vision_radius=-2"), "params.vision_radius"),
    (("compare", "{scenario}", "--workers", "0"), "--workers must be at least 1"),
    (("sweep", "{tmp}/missing.yaml"), "no such experiment file"),
    (("sweep", "{tmp}/bad.yaml"), "axis: unknown key (did you mean 'axes'?"),
    (("report", "{tmp}"), "not a sweep results folder"),
])
def test_bad_input_is_one_paragraph_and_exit_2(args, message, scenario_file, tmp_path):
    (tmp_path / "bad.yaml").write_text(f"scenario: {scenario_file}\naxis:\n  params.beta: [0.9]\n")
    result = invoke(*(a.format(scenario=scenario_file, tmp=tmp_path) for a in args))
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_python_api_returns_dataframes_without_loading_dask_at_import(scenario_file):
    import subprocess
    import sys

    heavy = ("dask", "distributed", "pandas", "pyarrow")
    loaded = subprocess.run([sys.executable, "-c", "import sys, vmt; vmt.sweep, vmt.compare; "
                             f"print([m for m in {heavy!r} if m in sys.modules])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
    table = vmt.compare(scenario_file, ["bilateral", "price_signals"], seeds=2, ticks=5, workers=1, progress=False)
    assert table.attrs["parameters"] == ["institution"] and len(table) == 4
    summary = vmt.experiments.summarise(table)
    assert set(summary["group"]) == {"bilateral", "price_signals"}

"""Coordination economy: the YAML file and its errors, paired statistics and verdicts, and
``vmt tasks --experiment`` / ``--economy`` / ``--switch`` end to end on tiny economies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from vmt.cli import main
from vmt.task_economy.config import TaskEconomyConfigError
from vmt.task_economy.coordination import (EXPERIMENTS, SINGLE_RUNNERS, judge, paired_difference, run_experiment,
                                           summarise_experiment, verdict_text)
from vmt.task_economy.coordination_config import load_coordination_config, parse_coordination_config
from vmt.task_economy.coordination_report import format_experiment_table

TINY_YAML = """\
workers: 5
ticks: 12
markets:
  coupling: {modules: 5}
  forecasts: {markets_per_run: 8}
  bundles: {rounds: 1, features_per_round: 2, candidates_per_part: 2}
"""


@pytest.fixture
def tiny_file(tmp_path):
    path = tmp_path / "economy.yaml"
    path.write_text(TINY_YAML)
    return path


# --- the economy file ---------------------------------------------------------------------------

def test_economy_file_reads_sections_and_switches(tiny_file):
    config = load_coordination_config(tiny_file)
    assert (config.workers, config.markets.coupling.modules, config.markets.bundles.rounds) == (5, 5, 1)
    assert config.markets.resources.enabled and not config.with_switch("resources", False).markets.resources.enabled
    assert config.markets.resources.enabled  # switching returns a copy


@pytest.mark.parametrize("data, culprit", [
    ({"markets": {"resources": {"cores_per_worker": 0}}}, "markets.resources.cores_per_worker"),
    ({"markets": {"debt": {"colour": "red"}}}, "markets.debt.colour: unknown key"),
    ({"markets": {"auctions": {}}}, "markets.auctions: unknown key"),
    ({"workers": 1}, "workers"),
    ({"markets": {"ownership": {"value_low": 50, "value_high": 10}}}, "value_low (50.0) must not exceed value_high"),
    ({"markets": {"forecasts": {"insider_accuracy": 0.4}}}, "markets.forecasts.insider_accuracy"),
    ([1, 2], "top level must be a mapping"),
])
def test_bad_economy_names_the_key(data, culprit):
    with pytest.raises(TaskEconomyConfigError, match=culprit.replace("(", r"\(").replace(")", r"\)")):
        parse_coordination_config(data, "test")


def test_unreadable_or_invalid_yaml_is_reported(tmp_path):
    with pytest.raises(TaskEconomyConfigError, match="cannot read economy file"):
        load_coordination_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("workers: [1,\n")
    with pytest.raises(TaskEconomyConfigError, match="not valid YAML"):
        load_coordination_config(bad)


# --- statistics and verdicts --------------------------------------------------------------------

def test_paired_difference_interval_and_verdicts():
    """Differences 1, 2, 3: mean 2, s = 1, t_{0.975, 2} = 4.303, half-width 4.303 / sqrt(3) = 2.484."""
    mean, low, high, p = paired_difference(np.array([2.0, 4.0, 6.0]), np.array([1.0, 2.0, 3.0]))
    assert (mean, low, high) == pytest.approx((2.0, 2 - 2.4841, 2 + 2.4841), abs=1e-4)
    assert p == pytest.approx(0.25)
    assert judge(True, 0.1, 0.5) == "better" and judge(False, 0.1, 0.5) == "worse"
    assert judge(True, -0.1, 0.5) == "no detectable difference" and judge(None, 1, 2) == "descriptive"
    assert paired_difference(np.ones(3), np.ones(3))[3] == 1.0


def test_summary_judges_each_arm_against_the_baseline_on_paired_seeds():
    runs = pd.DataFrame([{"experiment": "harberger_ownership", "arm": arm, "seed": s,
                          "allocative_efficiency": base + 0.1 * (arm == "harberger") + 0.01 * s,
                          "sales_per_tick": 0.0, "tax_revenue_per_tick": 0.0, "suites_funded": 0.0}
                         for s, base in enumerate([0.3, 0.5, 0.4]) for arm in ("static", "harberger")])
    summary = summarise_experiment(runs)
    row = summary[(summary.arm == "harberger") & (summary.measure == "allocative_efficiency")].iloc[0]
    assert row["diff"] == pytest.approx(0.1) and row["verdict"] == "better" and row["primary"]
    assert row["p_holm"] == row["p"]  # the only judged test: Holm leaves it unchanged
    text = verdict_text("harberger_ownership", summary)
    assert "harberger vs static: BETTER, difference +0.1" in text
    assert "allocative_efficiency *" in format_experiment_table("harberger_ownership", summary)


def test_every_experiment_runs_each_arm_on_the_same_seeds(tiny_file):
    config = load_coordination_config(tiny_file)
    for name, spec in EXPERIMENTS.items():
        runs = run_experiment(name, config, seeds=2, checked=True)
        assert len(runs) == 2 * len(spec.arms)
        assert set(runs["arm"]) == set(spec.arms) and set(spec.direction) <= set(runs.columns)
        assert spec.baseline in spec.arms and spec.primary in spec.direction


# --- the command line ---------------------------------------------------------------------------

def test_vmt_tasks_experiment_saves_table_plots_and_data(tiny_file, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["tasks", "--experiment", "deadline_forecasts", "--seeds", "2",
                                       "--economy", str(tiny_file), "--out", str(out), "--check"])
    assert result.exit_code == 0, result.output
    assert "lmsr vs base_rate:" in result.output and "brier *" in result.output
    folder = out / "deadline_forecasts"
    for name in ("runs.csv", "summary.csv", "table.txt", "deadline_forecasts.png", "calibration.csv",
                 "deadline_forecasts_calibration.png"):
        assert (folder / name).exists()
    assert len(pd.read_csv(folder / "runs.csv")) == 4


def test_vmt_tasks_debt_experiment_plots_debt_over_time(tiny_file, tmp_path):
    result = CliRunner().invoke(main, ["tasks", "--experiment", "debt_trading", "--seeds", "2",
                                       "--economy", str(tiny_file), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "debt_trading" / "debt_over_time.png").stat().st_size > 5000


def test_vmt_tasks_economy_runs_every_market_as_switched(tiny_file, tmp_path):
    result = CliRunner().invoke(main, ["tasks", "--economy", str(tiny_file), "--seeds", "2", "--out", str(tmp_path),
                                       "--switch", "debt=off"])
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(tmp_path / "economy_runs.csv")
    assert set(runs["market"]) == set(SINGLE_RUNNERS)
    assert not runs[runs.market == "debt"]["enabled"].any() and runs[runs.market == "resources"]["enabled"].all()


@pytest.mark.parametrize("args, culprit", [
    (["--experiment", "nope"], "unknown experiment 'nope'"),
    (["--experiment", "coupling_tax", "--switch", "debt=maybe"], "--switch 'debt=maybe'"),
    (["--experiment", "coupling_tax", "--n", "5"], "--n and --set belong"),
    (["--experiment", "coupling_tax", "--seeds", "1"], "seeds"),
    (["--experiment", "coupling_tax", "--economy", "missing.yaml"], "cannot read economy file"),
])
def test_vmt_tasks_coordination_bad_input_exits_2(tmp_path, args, culprit):
    result = CliRunner().invoke(main, ["tasks", "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert culprit in result.output and "vmt: error:" in result.output
    assert not any(tmp_path.iterdir())

"""Task economy: configuration errors, statistics, the verdict, the table, plots and ``vmt tasks``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from vmt.cli import main
from vmt.task_economy.config import (EconomyConfig, TaskEconomyConfigError, check_seed_count,
                                     parse_overrides, parse_workforce_sizes, PLANNER_QUEUE_NAMES)
from vmt.task_economy.experiment import (hypothesis_verdict, market_better_p_value,
                                         mean_confidence_interval, run_sweep, summarise)
from vmt.task_economy.planner import PLANNER_QUEUES
from vmt.task_economy.report import format_table, save_plots
from vmt.task_economy.simulation import coordinator_class


# --- configuration -----------------------------------------------------------------------------

def test_workforce_sizes_parse_and_bad_items_are_named():
    assert parse_workforce_sizes("5, 10,200") == (5, 10, 200)
    for text, culprit in [("5,-3", "'-3'"), ("5,x", "'x'"), ("5,,10", "''"), ("0", "'0'"), ("2.5", "'2.5'")]:
        with pytest.raises(TaskEconomyConfigError, match=culprit):
            parse_workforce_sizes(text)
    with pytest.raises(TaskEconomyConfigError, match="twice"):
        parse_workforce_sizes("5,5")


@pytest.mark.parametrize("seeds", [0, 1, -4, True, 2.0])
def test_too_few_or_malformed_seed_counts_are_rejected(seeds):
    with pytest.raises(TaskEconomyConfigError, match="seeds"):
        check_seed_count(seeds)


@pytest.mark.parametrize("change,culprit", [
    ({"horizon_ticks": 0}, "horizon_ticks"), ({"misreport_factor": 1.5}, "misreport_factor"),
    ({"capacity_low": 3.0}, "capacity_low"), ({"planner_evaluations_per_tick": 0.0}, "planner_evaluations"),
    ({"planner_queue": "lifo"}, "planner_queue"), ({"urgent_tasks": 0}, "urgent_tasks"),
    ({"effort_low": 2.5}, "effort_low"), ({"skill_probability": math.nan}, "skill_probability"),
    ({"no_such_thing": 1}, "no_such_thing"),
])
def test_invalid_economy_parameters_raise_an_error_naming_them(change, culprit):
    with pytest.raises(TaskEconomyConfigError, match=culprit):
        EconomyConfig().replace(**change)


def test_overrides_are_typed_by_the_parameter_and_bad_ones_are_named():
    assert parse_overrides(["planner_evaluations_per_tick=inf", "urgent_tasks=3", "planner_queue=newest_first"]) \
        == {"planner_evaluations_per_tick": math.inf, "urgent_tasks": 3, "planner_queue": "newest_first"}
    with pytest.raises(TaskEconomyConfigError, match="urgent_tasks"):
        parse_overrides(["urgent_tasks=many"])
    with pytest.raises(TaskEconomyConfigError, match="bogus"):
        parse_overrides(["bogus=1"])


def test_registries_agree_and_unknown_coordinators_list_the_valid_ones():
    assert set(PLANNER_QUEUES) == set(PLANNER_QUEUE_NAMES)
    with pytest.raises(TaskEconomyConfigError, match="market, planner"):
        coordinator_class("anarchy")


# --- statistics ----------------------------------------------------------------------------------

def test_confidence_interval_is_the_student_t_interval():
    values = [1.0, 2.0, 4.0, 7.0]
    mean, low, high = mean_confidence_interval(values)
    half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2.0
    assert mean == 3.5 and low == pytest.approx(3.5 - half) and high == pytest.approx(3.5 + half)
    with pytest.raises(ValueError, match="at least 2"):
        mean_confidence_interval([1.0])


def test_paired_wilcoxon_is_one_sided_and_respects_direction():
    planner = np.zeros(10)
    market = np.arange(1.0, 11.0)  # ten positive, distinct differences: exact p = 2**-10
    assert market_better_p_value(market, planner, True) == pytest.approx(2.0 ** -10)
    assert market_better_p_value(market, planner, False) == pytest.approx(1.0)  # every difference against
    assert market_better_p_value(planner, planner, True) == 1.0


def _summary(p_by_n):
    return pd.DataFrame({"n_workers": list(p_by_n), "throughput_p": list(p_by_n.values())})


def test_verdict_needs_significance_at_every_n_above_twenty():
    holds = hypothesis_verdict(_summary({10: 0.9, 50: 0.01, 100: 0.001}))
    assert holds.holds is True and holds.tested_sizes == (50, 100) and "HOLDS" in holds.text
    fails = hypothesis_verdict(_summary({50: 0.01, 100: 0.2}))
    assert fails.holds is False and fails.failing_sizes == (100,) and "DOES NOT HOLD" in fails.text
    untested = hypothesis_verdict(_summary({5: 0.001, 20: 0.001}))
    assert untested.holds is None and "NOT TESTED" in untested.text


def test_sweep_summary_table_and_plots(tmp_path):
    config = EconomyConfig(horizon_ticks=50)
    runs = run_sweep(config, (4, 8), seeds=3)
    assert len(runs) == 2 * 3 * 2 and set(runs["coordinator"]) == {"planner", "market"}
    summary = summarise(runs)
    assert summary["n_workers"].tolist() == [4, 8]
    for _, row in summary.iterrows():
        part = runs[(runs.n_workers == row.n_workers) & (runs.coordinator == "market")]
        assert row["throughput_market_mean"] == pytest.approx(part["throughput"].mean())
        assert row["throughput_market_low"] <= row["throughput_market_mean"] <= row["throughput_market_high"]
    table = format_table(summary)
    assert "throughput (tasks/tick)" in table and "primary" in table and "3 paired seeds" in table
    paths = save_plots(summary, tmp_path)
    assert [p.name for p in paths] == ["throughput.png", "efficiency.png", "adaptability.png", "urgent_served.png"]
    assert all(p.stat().st_size > 5000 for p in paths)


# --- the command line ----------------------------------------------------------------------------

def test_vmt_tasks_prints_the_table_and_verdict_and_saves_outputs(tmp_path):
    result = CliRunner().invoke(main, ["tasks", "--n", "5,25", "--seeds", "3", "--out", str(tmp_path),
                                       "--set", "horizon_ticks=60"])
    assert result.exit_code == 0, result.output
    assert "throughput (tasks/tick)" in result.output and "adaptability (ticks)" in result.output
    assert 'Hypothesis "the market beats planning for N > 20' in result.output and "N=25: p=" in result.output
    for name in ("throughput.png", "efficiency.png", "adaptability.png", "runs.csv", "summary.csv"):
        assert (tmp_path / name).exists()
    assert len(pd.read_csv(tmp_path / "runs.csv")) == 2 * 3 * 2


@pytest.mark.parametrize("args,culprit", [
    (["--n", "5,-3"], "-3"), (["--n", "5,abc"], "abc"), (["--seeds", "0"], "seeds"),
    (["--set", "planner_evaluations_per_tick=-1"], "planner_evaluations_per_tick"),
    (["--set", "nonsense"], "nonsense"),
])
def test_vmt_tasks_bad_input_exits_2_with_a_clear_message(tmp_path, args, culprit):
    result = CliRunner().invoke(main, ["tasks", "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert culprit in result.output and "vmt: error:" in result.output
    assert not (tmp_path / "runs.csv").exists()


def test_the_python_example_in_the_docs_runs(capsys):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "task_economy.md").read_text()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "docs/task_economy.md", "exec"), {})
    assert 'Hypothesis "the market beats planning' in capsys.readouterr().out


def test_hand_built_economies_and_run_arguments_are_validated():
    from vmt.task_economy.population import TaskStream, Workforce, draw_economy

    with pytest.raises(TaskEconomyConfigError, match="N=0"):
        draw_economy(EconomyConfig(), 1, 0)
    with pytest.raises(TaskEconomyConfigError, match="seeds must be >= 0"):
        draw_economy(EconomyConfig(), -1, 5)
    with pytest.raises(TaskEconomyConfigError, match="unit_cost"):
        Workforce(np.ones(2), np.ones(2), np.array([1.0, -1.0]), np.ones((2, 1)))
    with pytest.raises(TaskEconomyConfigError, match="sorted by arrival"):
        TaskStream(np.array([2, 1]), np.zeros(2, int), np.ones(2), np.ones(2), np.array([9.0, 9.0]),
                   np.zeros(2, bool))
    with pytest.raises(TaskEconomyConfigError, match="deadline is before"):
        TaskStream(np.array([3]), np.zeros(1, int), np.ones(1), np.ones(1), np.array([1.0]), np.zeros(1, bool))

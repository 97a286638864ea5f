"""Metrics registry, built-in metric definitions and the statistics of the summaries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import two_type_economy

from vmt.analysis.statistics import holm_adjust, paired_wilcoxon
from vmt.experiments import METRICS, register_metric
from vmt.experiments.builtin_metrics import converged_from, gini
from vmt.experiments.spec import load_experiment
from vmt.experiments.summary import pairwise_tests, summarise
from vmt.experiments.execution import run_sweep


@pytest.fixture
def custom_metrics():
    added = []

    def add(name, fn):
        register_metric(name, fn)
        added.append(name)

    yield add
    for name in added:
        METRICS.pop(name, None)


def _sweep(metrics, **keys):
    experiment = load_experiment({"scenario": two_type_economy(), "seeds": 2, "ticks": 8, "metrics": metrics, **keys})
    return run_sweep(experiment, workers=1, progress=False).results


def test_user_metrics_by_name_with_and_without_context(custom_metrics):
    custom_metrics("agents_seen", lambda sim: sim.world.agents.n)
    custom_metrics("seed_and_radius", lambda sim, run: {"seed": run.seed, "radius": run.point["params.vision_radius"]})
    table = _sweep(["agents_seen", "seed_and_radius", "trades"], axes={"params.vision_radius": [2, 3]})
    assert (table["status"] == "ok").all()
    assert (table["agents_seen"] == 20).all()
    assert table["seed_and_radius[seed]"].tolist() == [0, 1, 0, 1]
    assert table["seed_and_radius[radius]"].tolist() == [2, 2, 3, 3]


def test_a_metric_that_returns_nonsense_fails_its_run_with_the_name(custom_metrics):
    custom_metrics("broken", lambda sim: "high")
    table = _sweep(["trades", "broken"])
    assert (table["status"] == "failed").all()
    assert table["error"].str.contains("metric 'broken' failed: TypeError: metric broken returned str").all()


def test_register_metric_refuses_a_taken_name():
    with pytest.raises(ValueError, match="already registered"):
        register_metric("trades", lambda sim: 0.0)
    with pytest.raises(ValueError, match="use letters"):
        register_metric("bad name[x]", lambda sim: 0.0)


def test_builtin_metrics_are_consistent_on_a_run():
    table = _sweep(None)
    row = table.iloc[0]
    assert row["status"] == "ok"
    assert row["trades"] > 0 and row["volume[A<->B]"] > 0
    assert row["distance_to_p_star[A<->B]"] == pytest.approx(
        abs(math.log(row["final_price[A<->B]"] / row["equilibrium_price[A<->B]"])))
    assert 0 <= row["utility_gain_gini"] <= 1 and row["market_areas"] == 0 and row["post_fills"] == 0
    assert 0 < row["welfare_share"] <= 1  # every trade is voluntary; 1 only at a Walrasian allocation
    from vmt.simulation import Simulation

    same = Simulation(two_type_economy(), seed=int(row["seed"])).run(8)
    assert row["welfare_share"] == same.welfare().share


def test_no_trade_realises_no_welfare():
    table = _sweep(["welfare_share", "trades"], ticks=0)
    assert (table["trades"] == 0).all() and (table["welfare_share"] == 0).all()


def test_gini_of_known_distributions():
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n - 1) / n when one agent gets everything
    assert gini([1, 2, 3]) == pytest.approx(sum(abs(a - b) for a in (1, 2, 3) for b in (1, 2, 3)) / (2 * 9 * 2))
    assert math.isnan(gini([-1, 1]))


def test_convergence_is_the_first_tick_after_which_dispersion_stays_low():
    assert converged_from(np.array([0.5, 0.01, 0.2, 0.04, 0.03]), 0.05) == 3
    assert converged_from(np.array([0.01, 0.02]), 0.05) == 0
    assert math.isnan(converged_from(np.array([0.01, 0.2]), 0.05))
    assert math.isnan(converged_from(np.array([]), 0.05))


def test_holm_adjustment_and_paired_test():
    adjusted = holm_adjust([0.01, 0.04, 0.03, np.nan])
    assert adjusted[:3] == pytest.approx([0.03, 0.06, 0.06]) and math.isnan(adjusted[3])
    assert paired_wilcoxon([1, 2, 3], [1, 2, 3]) == 1.0
    shifted = np.arange(10.0)
    assert paired_wilcoxon(shifted + 1 + 0.01 * shifted, shifted) < 0.01


def test_summary_pairs_groups_by_seed():
    seeds = np.arange(12)
    rows = [{"point_id": i, "point_key": g, "group_col": g, "seed": s, "status": "ok", "x": s + shift}
            for i, (g, shift) in enumerate([("a", 0.0), ("b", 1.0), ("c", 0.0)]) for s in seeds]
    rows.append({"point_id": 0, "point_key": "a", "group_col": "a", "seed": 99, "status": "failed", "x": np.nan})
    results = pd.DataFrame(rows)
    summary = summarise(results, ["group_col"]).set_index(["group", "metric"])
    assert summary.loc[("a", "x"), "n"] == 12 and summary.loc[("b", "x"), "mean"] == pytest.approx(6.5)
    assert summary.loc[("a", "x"), "runs"] == 12  # the failed run is left out
    tests = pairwise_tests(results, ["group_col"]).set_index(["group_a", "group_b"])
    assert tests.loc[("a", "b"), "significant"] and tests.loc[("a", "b"), "mean_difference"] == 1.0
    assert tests.loc[("a", "c"), "p"] == 1.0 and not tests.loc[("a", "c"), "significant"]
    assert tests.loc[("a", "b"), "p_holm"] == pytest.approx(min(1.0, 3 * tests.loc[("a", "b"), "p"]))

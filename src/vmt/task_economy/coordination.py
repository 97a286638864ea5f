"""The coordination economy's experiments: each market or mechanism against its baseline.

An experiment runs every arm on the same seeds; a market and its baseline
draw the same economy from ``(seed, market)`` (common random numbers), so
the comparison is paired. For every arm and measure the summary gives the
mean with a 95% Student-t interval, and for every treatment arm the mean
paired difference from the baseline with its 95% interval and a two-sided
Wilcoxon signed-rank p-value.

Verdict on the primary measure: *better* (or *worse*) when the interval of
the paired difference excludes 0 on that side, *no detectable difference*
otherwise. The interval, not the p-value, decides, so the verdict says how
big the effect is, not only whether there is one; the p-values are also
given Holm-adjusted over all judged (arm, measure) tests of the experiment.
The statistics are the ones the sweeps of the grid economy use
(:mod:`vmt.analysis.statistics`); the runs go in this process, seed after
seed (a task-economy run is a few milliseconds to a second).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from vmt.analysis.statistics import holm_adjust, mean_confidence_interval, paired_wilcoxon
from vmt.task_economy.bundles import run_bundles
from vmt.task_economy.config import TaskEconomyConfigError, check_seed_count
from vmt.task_economy.coordination_config import CoordinationConfig
from vmt.task_economy.coupling import run_coupling
from vmt.task_economy.debt import run_debt
from vmt.task_economy.expertise import run_expertise
from vmt.task_economy.forecasts import run_forecasts
from vmt.task_economy.ownership import run_ownership
from vmt.task_economy.public_goods import run_public_goods
from vmt.task_economy.resources import run_resources

Runner = Callable[[CoordinationConfig, int, bool], dict]


def _switched(runner, market: str, enabled: bool, config: CoordinationConfig, seed: int, checked: bool) -> dict:
    return runner(config.with_switch(market, enabled), seed, checked=checked)


def _switch(runner, market: str, enabled: bool) -> Runner:
    """An arm that runs ``runner`` with ``market`` switched on or off."""
    return partial(_switched, runner, market, enabled)


def _with(runner, **options) -> Runner:
    """An arm that runs ``runner`` with fixed keyword options (a choice, a rate)."""
    return lambda config, seed, checked: runner(config, seed, checked=checked, **options)


@dataclass(frozen=True)
class Experiment:
    """A question, its baseline arm, the treatment arms and how each measure is judged.

    ``direction[measure]`` is True if higher is better, False if lower is
    better and None for a descriptive measure (reported, never judged).
    """

    name: str
    question: str
    arms: dict[str, Runner]
    baseline: str
    primary: str
    direction: dict[str, bool | None]


EXPERIMENTS = {e.name: e for e in (
    Experiment("resource_market", "Does a per-tick call auction for cores beat a fixed equal allocation?",
               {"equal_allocation": _switch(run_resources, "resources", False),
                "call_auction": _switch(run_resources, "resources", True)},
               "equal_allocation", "value_per_tick",
               {"value_per_tick": True, "core_utilisation": True, "mean_price": None,
                "price_excess_demand_correlation": None}),
    Experiment("expertise_market", "Does reputation sort helpers by quality, and does it pay?",
               {"random_helper": _with(run_expertise, choice="random"),
                "no_help": _with(run_expertise, choice="none"),
                "reputation": _with(run_expertise, choice="reputation")},
               "random_helper", "work_saved_per_tick",
               {"work_saved_per_tick": True, "buyer_surplus_per_tick": True,
                "reputation_quality_correlation": True, "ticks_to_sort": False,
                "low_quality_earnings_share": False}),
    Experiment("debt_trading", "Does auctioning debt tokens to the cheapest payer cut debt and raise throughput?",
               {"no_trading": _switch(run_debt, "debt", False), "trading": _switch(run_debt, "debt", True)},
               "no_trading", "throughput",
               {"throughput": True, "mean_debt": False, "final_debt": False, "crises": False,
                "holder_cost_ratio": False}),
    Experiment("coupling_tax", "Does a Pigouvian coupling tax cut social cost, and at which rate?",
               {"no_tax": _with(run_coupling, tax_rate=0.0), "tax_0.25": _with(run_coupling, tax_rate=0.25),
                "tax_1": _with(run_coupling, tax_rate=1.0), "tax_4": _with(run_coupling, tax_rate=4.0)},
               "no_tax", "social_cost_per_task",
               {"social_cost_per_task": False, "throughput": True, "breakage_cost_per_tick": False,
                "direct_share": None, "tax_paid_per_tick": None}),
    Experiment("assurance_contracts", "Do (dominant) assurance contracts fund test suites free riders would not?",
               {"voluntary": _with(run_public_goods, provision="voluntary"),
                "assurance": _with(run_public_goods, provision="assurance"),
                "dominant_assurance": _with(run_public_goods, provision="dominant_assurance")},
               "voluntary", "net_welfare_per_tick",
               {"net_welfare_per_tick": True, "suites_funded": True, "breakage_cost_per_tick": False,
                "throughput": True, "entrepreneur_cost": None}),
    Experiment("harberger_ownership", "Does Harberger-taxed ownership move modules to those who value them most?",
               {"static": _switch(run_ownership, "ownership", False),
                "harberger": _switch(run_ownership, "ownership", True)},
               "static", "allocative_efficiency",
               {"allocative_efficiency": True, "sales_per_tick": None, "tax_revenue_per_tick": None,
                "suites_funded": None}),
    Experiment("deadline_forecasts", "Do LMSR prices forecast deadlines better than the base rate?",
               {"base_rate": _switch(run_forecasts, "forecasts", False),
                "lmsr": _switch(run_forecasts, "forecasts", True)},
               "base_rate", "brier",
               {"brier": False, "hit_rate": None, "insider_profit_per_market": None,
                "outsider_profit_per_market": None, "sponsor_cost_per_market": None}),
    Experiment("bundled_tasks", "Does a VCG combinatorial auction beat task-by-task auctions on bundled tasks?",
               {"task_by_task": _switch(run_bundles, "bundles", False),
                "vcg": _switch(run_bundles, "bundles", True)},
               "task_by_task", "welfare_per_round",
               {"welfare_per_round": True, "features_completed_per_round": True,
                "wasted_cost_per_round": False, "requester_surplus_per_round": None}),
)}


def experiment(name: str) -> Experiment:
    """Look an experiment up by name; an unknown name lists the valid ones."""
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise TaskEconomyConfigError(
            f"unknown experiment {name!r}; valid: {', '.join(EXPERIMENTS)}, or all") from None


def run_experiment(name: str, config: CoordinationConfig, seeds: int, first_seed: int = 0,
                   checked: bool = False, on_seed_done: Callable[[], None] | None = None) -> pd.DataFrame:
    """Every arm of experiment ``name`` on seeds ``first_seed ..``; one row per (arm, seed)."""
    check_seed_count(seeds)
    spec, rows = experiment(name), []
    for seed in range(first_seed, first_seed + seeds):
        for arm, runner in spec.arms.items():
            rows.append({"experiment": name, "arm": arm, "seed": seed, **runner(config, seed, checked)})
        if on_seed_done is not None:
            on_seed_done()
    return pd.DataFrame(rows)


def paired_difference(treated: np.ndarray, baseline: np.ndarray) -> tuple[float, float, float, float]:
    """Mean paired difference, its 95% interval and the two-sided Wilcoxon p (NaN pairs dropped)."""
    diff = np.asarray(treated, float) - np.asarray(baseline, float)
    diff = diff[~np.isnan(diff)]
    if len(diff) < 2:
        return (float("nan"),) * 4
    mean, low, high = mean_confidence_interval(diff)
    return mean, low, high, paired_wilcoxon(diff, np.zeros_like(diff))


def judge(direction: bool | None, low: float, high: float) -> str:
    """``better`` / ``worse`` if the difference's interval excludes 0, else ``no detectable difference``."""
    if direction is None or np.isnan(low):
        return "descriptive"
    if low > 0 or high < 0:
        return "better" if (low > 0) == direction else "worse"
    return "no detectable difference"


def summarise_experiment(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (arm, measure): mean and interval; for treatment arms the paired difference and verdict."""
    spec = experiment(str(runs["experiment"].iloc[0]))
    by_arm = {arm: part.sort_values("seed") for arm, part in runs.groupby("arm", sort=False)}
    base, rows = by_arm[spec.baseline], []
    for arm in spec.arms:
        for measure, direction in spec.direction.items():
            values = by_arm[arm][measure].to_numpy(float)
            finite = values[~np.isnan(values)]
            mean, low, high = mean_confidence_interval(finite) if len(finite) >= 2 else (np.nan,) * 3
            row = {"arm": arm, "measure": measure, "mean": mean, "low": low, "high": high,
                   "primary": measure == spec.primary, "seeds": len(values)}
            if arm != spec.baseline:
                d, d_low, d_high, p = paired_difference(values, base[measure].to_numpy(float))
                row.update(diff=d, diff_low=d_low, diff_high=d_high, p=p, verdict=judge(direction, d_low, d_high))
            rows.append(row)
    summary = pd.DataFrame(rows)
    judged = summary["verdict"].isin(("better", "worse", "no detectable difference")) if "verdict" in summary else []
    summary["p_holm"] = np.nan
    if len(judged) and judged.any():
        summary.loc[judged, "p_holm"] = holm_adjust(summary.loc[judged, "p"])
    return summary


def verdict_text(name: str, summary: pd.DataFrame) -> str:
    """One sentence per treatment arm on the primary measure, with its interval."""
    spec = experiment(name)
    lines = [f"{spec.question} (primary measure: {spec.primary}; baseline: {spec.baseline})"]
    primary = summary[(summary["measure"] == spec.primary) & (summary["arm"] != spec.baseline)]
    for _, row in primary.iterrows():
        lines.append(f"  {row['arm']} vs {spec.baseline}: {row['verdict'].upper()}, difference "
                     f"{row['diff']:+.4g} [{row['diff_low']:+.4g}, {row['diff_high']:+.4g}] "
                     f"(95% CI over {row['seeds']} paired seeds; Wilcoxon p = {row['p']:.2g})")
    return "\n".join(lines)


SINGLE_RUNNERS: dict[str, Runner] = {
    "resources": run_resources, "expertise": run_expertise, "debt": run_debt, "coupling": run_coupling,
    "public_goods": run_public_goods, "ownership": run_ownership, "forecasts": run_forecasts,
    "bundles": run_bundles,
}
"""Each market's run, switched on or off by the config (what ``vmt tasks --economy`` runs)."""

"""Bundled tasks that need several skills at once: a VCG combinatorial auction vs
task-by-task auctions.

Model
-----
Each round ``features_per_round`` features arrive; feature ``f`` needs
``parts_low..parts_high`` parts, each a distinct skill with effort ``e``
(work units), and delivers its value ``V_f = value_per_effort * sum e`` only
if *every* part is done (complementarity). Worker ``i`` can do a part of
skill ``k`` it has at private cost ``c = theta_i e / pi_ik``, and one part
per round.

* VCG (on). Workers report their costs (truthful reporting is dominant).
  For every feature the auctioneer lists the teams that could do it (each
  part from its ``candidates_per_part`` cheapest capable workers, distinct
  workers) as XOR offers on the bundle of worker-slots they use, valued at
  ``V_f - team cost``; exact winner determination
  (:mod:`vmt.mechanisms.winner_determination`, HiGHS) picks the welfare-
  maximising set of teams ``W*``. Each hired worker is paid its Clarke
  pivot for procurement,

      p_i = c_i + W* - W_{-i},

  with ``W_{-i}`` the optimum without worker ``i``: at least its cost
  (individually rational) and independent of its own report (truthful).
  The requesters pay ``p_i``; VCG is not budget balanced, so a team's pay
  can exceed the feature's value, and that deficit is reported.
* Task by task (off, the baseline). Parts are auctioned one after another
  by a reverse Vickrey auction (:func:`~vmt.mechanisms.reverse_second_price`)
  among free capable workers, with the requester's value share of the part
  ``V_f e / sum e`` as reserve. A feature whose part finds no worker
  delivers nothing, but the parts already awarded are done and paid (the
  exposure problem).

Measured per round: welfare (value delivered minus the real cost of all
work done), features completed, cost wasted on incomplete features and the
requesters' surplus (value minus payments; negative is the VCG deficit).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from vmt.mechanisms import XorBid, reverse_second_price
from vmt.mechanisms.bids import supply_of
from vmt.mechanisms.winner_determination import compile_problem, solve_optimum, solve_with_tie_rule
from vmt.task_economy.accounts import draw_workers, market_rng
from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.coordination_config import BundleParams, CoordinationConfig

SOLVE_SECONDS = 30.0


@dataclass(frozen=True)
class Feature:
    """A bundled task: the skill and effort of each part, and its value when all parts are done."""

    skills: tuple[int, ...]
    efforts: tuple[float, ...]
    value: float


@dataclass(frozen=True)
class RoundResult:
    """What one round delivered: completed features, value, costs of work done, payments."""

    completed: int
    value: float
    cost: float
    wasted_cost: float
    payments: float


def draw_features(params: BundleParams, n_skills: int, rng: np.random.Generator) -> list[Feature]:
    """One round's features (parts capped at the number of skills)."""
    economy, features = EconomyConfig(), []
    for _ in range(params.features_per_round):
        parts = min(int(rng.integers(params.parts_low, max(params.parts_high, params.parts_low) + 1)), n_skills)
        skills = tuple(int(k) for k in rng.choice(n_skills, size=parts, replace=False))
        efforts = tuple(float(e) for e in rng.integers(economy.effort_low, economy.effort_high + 1, size=parts))
        features.append(Feature(skills, efforts, params.value_per_effort * sum(efforts)))
    return features


def part_costs(unit_cost: np.ndarray, proficiency: np.ndarray, skill: int, effort: float) -> np.ndarray:
    """Every worker's cost of a part (``inf`` without the skill)."""
    level = proficiency[:, skill]
    with np.errstate(divide="ignore"):
        return np.where(level > 0, unit_cost * effort / level, np.inf)


def team_offers(feature: Feature, costs: list[np.ndarray], per_part: int) -> dict[frozenset, tuple]:
    """Best team per set of workers: ``{workers: (surplus V - cost, assignment, cost)}`` (surplus > 0 only)."""
    shortlists = [[int(i) for i in np.argsort(c, kind="stable")[:per_part] if np.isfinite(c[i])] for c in costs]
    offers: dict[frozenset, tuple] = {}
    for team in itertools.product(*shortlists):
        if len(set(team)) < len(team):
            continue
        cost = float(sum(c[i] for c, i in zip(costs, team)))
        surplus = feature.value - cost
        key = frozenset(team)
        if surplus > 0 and (key not in offers or surplus > offers[key][0]):
            offers[key] = (surplus, team, cost)
    return offers


def _slot(worker: int) -> str:
    return f"w{worker}"


def _bids(offers: list[dict], excluded: int | None = None) -> list[XorBid]:
    """XOR bids of the features' requesters on worker-slot bundles (optionally without one worker)."""
    bids = []
    for f, teams in enumerate(offers):
        listed = {tuple(_slot(i) for i in sorted(workers)): surplus for workers, (surplus, _, _) in teams.items()
                  if excluded not in workers}
        if listed:
            bids.append(XorBid(f, listed))
    return bids


def best_welfare(offers: list[dict], workers: int, deadline: float, excluded: int | None = None):
    """The welfare-maximising teams (by the library's tie rule) and the problem they solve."""
    bids = _bids(offers, excluded)
    problem = compile_problem(bids, supply_of([_slot(i) for i in range(workers)]))
    return problem, solve_with_tie_rule(problem, deadline) if excluded is None else solve_optimum(problem, deadline)


def vcg_round(features: list[Feature], unit_cost, proficiency, params: BundleParams) -> tuple[RoundResult, dict]:
    """Allocate a round by VCG; returns the result and each hired worker's (cost, payment)."""
    n, deadline = len(unit_cost), time.perf_counter() + SOLVE_SECONDS
    offers = [team_offers(f, [part_costs(unit_cost, proficiency, k, e) for k, e in zip(f.skills, f.efforts)],
                          params.candidates_per_part) for f in features]
    problem, best = best_welfare(offers, n, deadline)
    hired, value = {}, 0.0
    for j in np.flatnonzero(best.accepted):
        f = problem.bidders[problem.offer_bidder[j]]
        workers = frozenset(int(item[1:]) for item in problem.offer_bundle[j].items())
        _, team, _ = offers[f][workers]
        value += features[f].value
        for i, k, e in zip(team, features[f].skills, features[f].efforts):
            hired[i] = float(part_costs(unit_cost, proficiency, k, e)[i])
    pay = {}
    for i, cost in hired.items():
        without = best_welfare(offers, n, deadline, excluded=i)[1].welfare
        pay[i] = (cost, cost + max(best.welfare - without, 0.0))
    total_cost = sum(hired.values())
    return RoundResult(int(best.accepted.sum()), value, total_cost, 0.0, sum(p for _, p in pay.values())), pay


def task_by_task_round(features: list[Feature], unit_cost, proficiency) -> tuple[RoundResult, dict]:
    """Auction every part on its own (reverse Vickrey, value share as reserve), in arrival order."""
    free = np.ones(len(unit_cost), dtype=bool)
    pay, completed, value, cost, wasted = {}, 0, 0.0, 0.0, 0.0
    for feature in features:
        spent, done = 0.0, True
        for k, e in zip(feature.skills, feature.efforts):
            costs = part_costs(unit_cost, proficiency, k, e)
            bidders = np.flatnonzero(free & np.isfinite(costs))
            reserve = feature.value * e / sum(feature.efforts)
            outcome = reverse_second_price(costs[bidders], reserve=reserve) if len(bidders) else None
            if outcome is None or outcome.winner is None:
                done = False
                continue
            winner = int(bidders[outcome.winner])
            free[winner] = False
            pay[winner] = (float(costs[winner]), float(outcome.price))
            spent += float(costs[winner])
        cost += spent
        completed += done
        value += feature.value if done else 0.0
        wasted += 0.0 if done else spent
    return RoundResult(completed, value, cost, wasted, sum(p for _, p in pay.values())), pay


def run_bundles(config: CoordinationConfig, seed: int, checked: bool = False) -> dict[str, float]:
    """Rounds of bundled features under VCG (on) or task-by-task auctions (off)."""
    params, rng = config.markets.bundles, market_rng(seed, "bundles")
    workforce = draw_workers(config.workers, rng)
    n_skills = workforce.proficiency.shape[1]
    results = []
    for r in range(params.rounds):
        features = draw_features(params, n_skills, rng)
        if params.enabled:
            result, pay = vcg_round(features, workforce.unit_cost, workforce.proficiency, params)
        else:
            result, pay = task_by_task_round(features, workforce.unit_cost, workforce.proficiency)
        if checked:
            from vmt.task_economy.accounts import require
            require(all(p >= c - 1e-9 for c, p in pay.values()), "every hired worker is paid at least its cost", r)
        results.append(result)
    rounds = params.rounds
    return {"welfare_per_round": sum(x.value - x.cost for x in results) / rounds,
            "features_completed_per_round": sum(x.completed for x in results) / rounds,
            "wasted_cost_per_round": sum(x.wasted_cost for x in results) / rounds,
            "requester_surplus_per_round": sum(x.value - x.payments for x in results) / rounds}

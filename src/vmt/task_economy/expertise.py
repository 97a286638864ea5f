"""Expertise market: help bought from skilled workers, rated, priced by reputation.

Model
-----
Help requests arrive as Poisson(``requests_per_tick``): a random worker gets a
task of effort ``e`` needing a skill it lacks (a worker with every skill has
no request). Alone it works at ``unskilled_proficiency = p0``, so the task is
``e / p0`` work units. A helper with the skill and hidden quality
``q ~ U(0, 1)`` lifts the buyer's proficiency to ``p0 + q (1 - p0)`` (the
speed rule), saving

    saved(q) = e / p0 - e / (p0 + q (1 - p0))    work units,

worth ``theta_b * saved(q)`` to the buyer (its private cost per work unit).
Helping costs the helper ``theta_h * help_hours`` and takes its tick: each
worker helps at most once per tick.

*Reputation* is the posterior-mean estimate of quality from ratings,
shrunk towards a prior: with ratings ``x_1..x_n``,

    r = (w * m + sum x_k) / (w + n),   m = prior_mean, w = prior_weight,

and a rating is the true quality plus noise, clipped to [0, 1]. Each helper
posts the price ``theta_h * help_hours * (1 + reputation_premium * r)``.

* Reputation market (on): the buyer asks every free helper, plugs each
  reputation into the speed rule and buys from the one with the largest
  expected surplus ``theta_b saved(r_h) - price_h`` if it is positive and
  affordable (ex ante individually rational; the helper is paid at least
  its cost). The buyer rates the help; reputations update.
* Random helper (off, the baseline): no ratings are shown; the buyer picks a
  free helper at random, at the price of an unknown helper (``r = m``), and
  buys on the same rule.
* No help: nobody buys.

Measured: work saved per tick, the Spearman correlation of reputation with
true quality at the end, the first tick at which it reaches 0.7 (how fast
reputation sorts helpers), and the share of helpers' earnings that goes to
low-quality helpers (``q < 1/3``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmt.task_economy.accounts import draw_workers, market_rng, money_conserved, require, worker_ledger
from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.coordination_config import CoordinationConfig, ExpertiseParams
from vmt.task_economy.population import Workforce

HELPER_CHOICES = ("none", "random", "reputation")
SORTED_CORRELATION = 0.7
LOW_QUALITY = 1 / 3


@dataclass(frozen=True)
class HelpRequests:
    """Pre-drawn requests: tick, buyer, skill, effort, rating noise and a uniform for random choice."""

    tick: np.ndarray
    buyer: np.ndarray
    skill: np.ndarray
    effort: np.ndarray
    noise: np.ndarray
    pick: np.ndarray


def work_saved(params: ExpertiseParams, effort, quality):
    """Work units saved by help of ``quality`` on a task of ``effort`` (the speed rule)."""
    p0 = params.unskilled_proficiency
    return effort / p0 - effort / (p0 + np.asarray(quality) * (1 - p0))


def reputation(params: ExpertiseParams, rating_sum: np.ndarray, ratings: np.ndarray) -> np.ndarray:
    """Posterior-mean reputation ``(w m + sum x) / (w + n)``."""
    return (params.prior_weight * params.prior_mean + rating_sum) / (params.prior_weight + ratings)


def help_price(params: ExpertiseParams, unit_cost, rep):
    """Posted price of help: the helper's cost marked up by its reputation."""
    return unit_cost * params.help_hours * (1 + params.reputation_premium * np.asarray(rep))


def draw_requests(config: CoordinationConfig, workforce: Workforce, rng: np.random.Generator) -> HelpRequests:
    """Requests of every tick (only from workers lacking the requested skill)."""
    params, economy = config.markets.expertise, EconomyConfig()
    tick = np.repeat(np.arange(config.ticks), rng.poisson(params.requests_per_tick, size=config.ticks))
    k = len(tick)
    buyer = rng.integers(config.workers, size=k)
    lacking = workforce.proficiency[buyer] == 0
    choice = rng.random(k)
    skill = np.array([np.flatnonzero(row)[int(u * row.sum())] if row.any() else -1
                      for row, u in zip(lacking, choice)], dtype=np.int64)
    effort = rng.integers(economy.effort_low, economy.effort_high + 1, size=k).astype(float)
    keep = skill >= 0
    return HelpRequests(tick[keep], buyer[keep], skill[keep], effort[keep],
                        rng.standard_normal(k)[keep], rng.random(k)[keep])


class HelpMarket:
    """Ratings, reputations, earnings and the ledger of one run."""

    def __init__(self, params: ExpertiseParams, workforce: Workforce, quality: np.ndarray, choice: str) -> None:
        n = len(quality)
        self.params, self.workforce, self.quality, self.choice = params, workforce, quality, choice
        self.rating_sum, self.ratings, self.earnings = np.zeros(n), np.zeros(n), np.zeros(n)
        self.ledger = worker_ledger(n, params.initial_budget)
        self.saved = self.surplus = 0.0

    def reputations(self) -> np.ndarray:
        """Every worker's current reputation."""
        return reputation(self.params, self.rating_sum, self.ratings)

    def choose(self, requests: HelpRequests, r: int, free: np.ndarray) -> tuple[int, float] | None:
        """The helper the buyer of request ``r`` buys from and the price, or None."""
        helpers = np.flatnonzero(free & (self.workforce.proficiency[:, requests.skill[r]] > 0))
        if self.choice == "none" or not len(helpers):
            return None
        known = self.choice == "reputation"
        rep = self.reputations()[helpers] if known else np.full(len(helpers), self.params.prior_mean)
        buyer = requests.buyer[r]
        surplus = (self.workforce.unit_cost[buyer] * work_saved(self.params, requests.effort[r], rep)
                   - help_price(self.params, self.workforce.unit_cost[helpers], rep))
        pick = int(np.argmax(surplus)) if known else int(requests.pick[r] * len(helpers))
        price = float(help_price(self.params, self.workforce.unit_cost[helpers[pick]], rep[pick]))
        if surplus[pick] <= 0 or not self.ledger.can_afford(int(buyer), price):
            return None
        return int(helpers[pick]), price

    def trade(self, requests: HelpRequests, r: int, helper: int, price: float) -> None:
        """Pay for the help, realise the work saved and record the buyer's rating."""
        buyer = int(requests.buyer[r])
        self.ledger.transfer(buyer, helper, price, memo="help")
        self.earnings[helper] += price
        saved = float(work_saved(self.params, requests.effort[r], self.quality[helper]))
        self.saved += saved
        self.surplus += float(self.workforce.unit_cost[buyer] * saved - price)
        rating = float(np.clip(self.quality[helper] + self.params.rating_noise * requests.noise[r], 0, 1))
        self.rating_sum[helper] += rating
        self.ratings[helper] += 1


def run_expertise(config: CoordinationConfig, seed: int, choice: str | None = None,
                  checked: bool = False) -> dict[str, float]:
    """One run of the expertise economy; ``choice`` in :data:`HELPER_CHOICES` (default by the switch)."""
    params, rng = config.markets.expertise, market_rng(seed, "expertise")
    workforce = draw_workers(config.workers, rng)
    quality = rng.uniform(0, 1, size=config.workers)
    requests = draw_requests(config, workforce, rng)
    market = HelpMarket(params, workforce, quality, choice or ("reputation" if params.enabled else "random"))
    bounds = np.searchsorted(requests.tick, np.arange(config.ticks + 1))
    sorted_at = config.ticks + 1
    for t in range(config.ticks):
        free = np.ones(config.workers, dtype=bool)
        for r in range(bounds[t], bounds[t + 1]):
            free[requests.buyer[r]] = False
            chosen = market.choose(requests, r, free)
            free[requests.buyer[r]] = True
            if chosen is not None:
                if checked:
                    cost = workforce.unit_cost[chosen[0]] * params.help_hours
                    require(chosen[1] >= cost, "a helper is paid at least its cost", t)
                market.trade(requests, r, *chosen)
                free[chosen[0]] = False
        if sorted_at > config.ticks and rank_correlation(market.reputations(), quality) >= SORTED_CORRELATION:
            sorted_at = t + 1
        if checked:
            require(money_conserved(market.ledger), "money conserved", t)
    return _measures(market, quality, sorted_at, config.ticks)


def rank_correlation(rep: np.ndarray, quality: np.ndarray) -> float:
    """Spearman correlation of reputation with true quality (0 when reputations are all equal)."""
    from scipy.stats import spearmanr

    if np.ptp(rep) == 0:
        return 0.0
    return float(spearmanr(rep, quality).statistic)


def _measures(market: HelpMarket, quality: np.ndarray, sorted_at: int, ticks: int) -> dict[str, float]:
    total = market.earnings.sum()
    low = market.earnings[quality < LOW_QUALITY].sum()
    return {"work_saved_per_tick": market.saved / ticks, "buyer_surplus_per_tick": market.surplus / ticks,
            "reputation_quality_correlation": rank_correlation(market.reputations(), quality),
            "ticks_to_sort": float(sorted_at),
            "low_quality_earnings_share": float(low / total) if total > 0 else 0.0}

"""Prediction markets on deadlines: LMSR prices aggregate workers' private signals.

Model
-----
The task market of the task economy runs on economy ``(seed, N)``;
``markets_per_run`` of the tasks it assigns, evenly spaced in assignment
order over the run, each get a binary market "task ``j``
finishes by its deadline" (outcome from the run: finished by the deadline
and by the horizon). Information is private and noisy: the assigned worker
(the insider, who knows its true capacity and queue) sees a signal that
equals the outcome with probability ``insider_accuracy``; ``outsiders``
other workers see signals of accuracy ``outsider_accuracy``; signals are
independent given the outcome.

* Base rate (off, the baseline): the forecast is the share of earlier tasks
  (in assignment order) that met their deadline, smoothed ``(hits + 1) /
  (n + 2)``.
* LMSR market (on, :class:`~vmt.mechanisms.LMSRMarket`, liquidity ``b``): a
  sponsor opens the market at the base rate; then the traders, in a random
  order, each update the price by Bayes' rule with their signal, treating the
  current price as the probability given everything before them,

      logit p' = logit p +/- ln(a / (1 - a)),

  and buy the shares that move the price there (``x = b (logit p' - logit
  p)`` shares of the outcome they favour), or as many as their budget pays
  for. The forecast is the final price; shares pay 1 at settlement.

Scores: Brier score ``mean (p - y)^2`` (lower is better), a calibration
table (forecasts in bins of 0.1 against the observed frequency), traders'
profits (insider and outsiders) and the sponsor's cost (opening trades and
the maker's loss, at most ``b ln 2`` per market beyond the opening).
"""

from __future__ import annotations

import math

import numpy as np

from vmt.mechanisms import LMSRMarket
from vmt.task_economy.accounts import market_rng, money_conserved, require, worker_ledger
from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.coordination_config import CoordinationConfig, ForecastParams
from vmt.task_economy.execution import UNASSIGNED
from vmt.task_economy.simulation import run_economy

SPONSOR_FUNDS = 1e6
OUTCOMES = ("miss", "hit")


def logit(p: float) -> float:
    """Log-odds of probability ``p``."""
    return math.log(p / (1 - p))


def deadline_outcomes(config: CoordinationConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Assignees and met-deadline outcomes of the first ``markets_per_run`` assigned tasks."""
    economy = EconomyConfig()
    record = run_economy(economy, seed, config.workers, "market")
    queues = record.queues
    assigned = np.flatnonzero(queues.assignee != UNASSIGNED)
    assigned = assigned[np.argsort(queues.decided_at[assigned], kind="stable")]
    picks = np.linspace(0, len(assigned) - 1, min(config.markets.forecasts.markets_per_run, len(assigned)))
    chosen = assigned[np.unique(picks.astype(np.int64))]
    hit = (queues.finish[chosen] <= queues.stream.deadline[chosen]) & (queues.finish[chosen] <= economy.horizon_ticks)
    return queues.assignee[chosen], hit


def base_rates(hits: np.ndarray) -> np.ndarray:
    """Smoothed share of earlier hits before each market: ``(hits + 1) / (n + 2)``."""
    earlier = np.concatenate([[0], np.cumsum(hits)[:-1]])
    return (earlier + 1) / (np.arange(len(hits)) + 2)


def shares_to_target(price: float, target: float, liquidity: float) -> tuple[int, float]:
    """(outcome index, shares) that move the hit price from ``price`` to ``target``."""
    step = liquidity * (logit(target) - logit(price))
    return (1, step) if step >= 0 else (0, -step)


def affordable_shares(market: LMSRMarket, outcome: int, budget: float) -> float:
    """Most shares of ``outcome`` a budget buys: ``b ln((e^{B/b} - (1 - p)) / p)``."""
    b, p = market.liquidity, float(market.prices()[outcome])
    return b * math.log((math.exp(min(budget / b, 700.0)) - (1 - p)) / p)


def trade_to_belief(market: LMSRMarket, trader, belief: float, budget: float) -> None:
    """Buy the shares that move the hit price to ``belief`` (fewer if the budget binds)."""
    outcome, shares = shares_to_target(float(market.prices()[1]), belief, market.liquidity)
    shares = min(shares, affordable_shares(market, outcome, budget) * (1 - 1e-9))
    if shares > 1e-12:
        market.buy(trader, outcome, shares)


def posterior(price: float, signal_hit: bool, accuracy: float) -> float:
    """Bayes' rule with one signal of ``accuracy`` on top of prior ``price``."""
    shift = math.log(accuracy / (1 - accuracy))
    return 1 / (1 + math.exp(-(logit(price) + (shift if signal_hit else -shift))))


def draw_traders(params: ForecastParams, assignees: np.ndarray, workers: int,
                 rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per market: traders in trading order (the insider somewhere among them) and their signal draws."""
    traders, draws = [], []
    for insider in assignees:
        others = rng.permutation(np.delete(np.arange(workers), insider))[:params.outsiders]
        traders.append(rng.permutation(np.concatenate([[insider], others])).astype(np.int64))
        draws.append(rng.random(len(others) + 1))
    return traders, draws


def run_market(ledger, params: ForecastParams, j: int, opening: float, traders, draws, insider: int,
               hit: bool) -> tuple[float, dict[int, float]]:
    """One LMSR market: open at ``opening``, let the traders trade, settle. Returns (forecast, profits)."""
    maker = ("maker", j)
    ledger.open_account(maker)
    ledger.transfer("sponsor", maker, params.liquidity * math.log(2) * (1 + 1e-12), memo="LMSR subsidy")
    market = LMSRMarket(OUTCOMES, params.liquidity, ledger=ledger, maker=maker)
    trade_to_belief(market, "sponsor", opening, ledger.balance("sponsor"))
    before = {int(i): ledger.balance(int(i)) for i in traders}
    for trader, draw in zip(traders, draws):
        accuracy = params.insider_accuracy if trader == insider else params.outsider_accuracy
        signal_hit = hit if draw < accuracy else not hit
        belief = posterior(float(market.prices()[1]), signal_hit, accuracy)
        trade_to_belief(market, int(trader), belief, ledger.balance(int(trader)))
    forecast = float(market.prices()[1])
    market.settle(int(hit))
    ledger.transfer_all(maker, "sponsor", memo="LMSR maker returns what is left")
    return forecast, {i: ledger.balance(i) - before[i] for i in before}


def forecast_records(config: CoordinationConfig, seed: int, checked: bool = False) -> dict[str, np.ndarray]:
    """Forecasts, outcomes and traders' profits of every market of run ``seed`` (market on or off)."""
    params = config.markets.forecasts
    assignees, hits = deadline_outcomes(config, seed)
    opening = base_rates(hits)
    records = {"forecast": opening.copy(), "outcome": hits.astype(float),
               "insider_profit": np.zeros(len(hits)), "outsider_profit": np.zeros(len(hits))}
    if not params.enabled:
        return records
    traders, draws = draw_traders(params, assignees, config.workers, market_rng(seed, "forecasts"))
    ledger = worker_ledger(config.workers, params.initial_budget, sponsor=SPONSOR_FUNDS)
    for j, insider in enumerate(assignees):
        forecast, profits = run_market(ledger, params, j, float(opening[j]), traders[j], draws[j],
                                       int(insider), bool(hits[j]))
        records["forecast"][j] = forecast
        records["insider_profit"][j] = profits.pop(int(insider))
        records["outsider_profit"][j] = sum(profits.values())
        if checked:
            require(money_conserved(ledger), "money conserved", j)
    records["sponsor_cost"] = np.array([SPONSOR_FUNDS - ledger.balance("sponsor")])
    return records


def brier_score(forecast: np.ndarray, outcome: np.ndarray) -> float:
    """Mean squared error of probability forecasts: ``mean (p - y)^2``."""
    return float(np.mean((np.asarray(forecast) - np.asarray(outcome)) ** 2))


def calibration_table(forecast: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean forecast, observed frequency, count) per forecast bin of width ``1 / bins`` (empty bins left out)."""
    index = np.minimum((np.asarray(forecast) * bins).astype(int), bins - 1)
    return [(float(forecast[index == k].mean()), float(outcome[index == k].mean()), int((index == k).sum()))
            for k in range(bins) if np.any(index == k)]


def run_forecasts(config: CoordinationConfig, seed: int, checked: bool = False) -> dict[str, float]:
    """One run of deadline forecasting; returns its scores."""
    records = forecast_records(config, seed, checked)
    markets = len(records["outcome"])
    return {"brier": brier_score(records["forecast"], records["outcome"]),
            "hit_rate": float(records["outcome"].mean()),
            "insider_profit_per_market": float(records["insider_profit"].sum()) / markets,
            "outsider_profit_per_market": float(records["outsider_profit"].sum()) / markets,
            "sponsor_cost_per_market": float(records.get("sponsor_cost", np.zeros(1))[0]) / markets}

"""Technical-debt tokens: shortcuts create debt, tokens are auctioned to the cheapest payer.

Model
-----
Every worker works through an endless backlog of features (effort
``e ~ U{2..12}`` work units each) at its capacity ``kappa_i``. Every feature
takes a shortcut: it needs only ``(1 - s) e`` work units and creates a *debt
token* of principal ``P = principal_ratio * s e`` cleanup units, held first
by its creator, whose *benefit* grows by the ``s e`` units saved.

A token's outstanding amount compounds each tick at ``interest`` until its
maturity (``maturity_ticks`` after creation) and at ``overdue_interest``
after it. A holder spends up to ``service_share`` of its capacity per tick
on its tokens, earliest maturity first; one unit of its time retires
``rho_i`` units of debt (``rho_i ~ U(0.3, 1)``: skill at refactoring), so its
cost per unit of debt is ``theta_i / rho_i``.

*Crisis rule.* When the total outstanding debt exceeds
``crisis_threshold * N``, every overdue token is retired at once and its
amount becomes a mandatory paydown obligation shared by all workers in
proportion to their accumulated benefit; obligations are worked off before
anything else, at each worker's ``rho``.

*Trading* (market on). A new token is sold by a reverse Vickrey auction
(:func:`~vmt.mechanisms.reverse_second_price`). Each other worker bids its
expected cost of paying the token off,

    bid_j = (theta_j / rho_j) * P * growth(wait_j),
    wait_j = (debt already held by j + P) / (rho_j * service_share * kappa_j),

with ``growth`` compounding at ``interest`` up to maturity and at
``overdue_interest`` after it; the creator's own cost (the same formula) is
the reserve, so it sells only to someone cheaper, pays the second-lowest
cost (at most its own) and the buyer receives at least its cost: both sides
are individually rational. The creator pays through the ledger and keeps
the token if it cannot pay. Without trading the creator keeps every token.

Debt is conserved: each tick ``debt' = debt + created + interest - serviced
- retired by a crisis``, and obligations change by ``retired - worked``.
Finished features are paid ``value_per_effort * e`` by a requester account
(the task economy's highest value per work unit; a documented source of money), so workers keep a budget to
trade with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vmt.mechanisms import reverse_second_price
from vmt.task_economy.accounts import close, draw_workers, market_rng, money_conserved, require, worker_ledger
from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.coordination_config import CoordinationConfig, DebtParams

FEATURE_BACKLOG = 400
REQUESTER_FUNDS = 1e7
FEATURE_VALUE_PER_EFFORT = EconomyConfig().value_per_effort_high


@dataclass
class DebtToken:
    """One debt obligation: who holds it, how much is outstanding, when it matures."""

    creator: int
    holder: int
    outstanding: float
    maturity: int


@dataclass
class DebtBook:
    """All live tokens, crisis obligations, benefits and the debt flows of the current tick."""

    tokens: list[DebtToken] = field(default_factory=list)
    obligations: np.ndarray | None = None
    benefit: np.ndarray | None = None
    flows: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        """Outstanding debt of every live token (cleanup units)."""
        return float(sum(token.outstanding for token in self.tokens))

    def held_by(self, worker: int) -> float:
        """Outstanding debt held by ``worker``."""
        return float(sum(token.outstanding for token in self.tokens if token.holder == worker))

    def record(self, flow: str, amount: float) -> None:
        """Add ``amount`` to this tick's ``flow`` (created, interest, serviced, retired, worked)."""
        self.flows[flow] = self.flows.get(flow, 0.0) + amount


def accrue_interest(book: DebtBook, params: DebtParams, t: int) -> None:
    """Compound every token one tick: ``interest`` until maturity, ``overdue_interest`` after."""
    for token in book.tokens:
        rate = params.interest if t < token.maturity else params.overdue_interest
        growth = token.outstanding * rate
        token.outstanding += growth
        book.record("interest", growth)


def crisis_paydown(book: DebtBook, params: DebtParams, t: int) -> bool:
    """Apply the crisis rule; True if a crisis happened this tick."""
    n = len(book.obligations)
    overdue = [token for token in book.tokens if t >= token.maturity]
    if book.total <= params.crisis_threshold * n or not overdue:
        return False
    retired = float(sum(token.outstanding for token in overdue))
    book.tokens = [token for token in book.tokens if t < token.maturity]
    share = book.benefit / book.benefit.sum() if book.benefit.sum() > 0 else np.full(n, 1.0 / n)
    book.obligations += retired * share
    book.record("retired", retired)
    return True


def service_debt(book: DebtBook, worker: int, time: float, rho: float) -> float:
    """Worker spends up to ``time`` retiring its obligations, then its tokens; returns time used."""
    used = min(time, book.obligations[worker] / rho)
    book.obligations[worker] -= used * rho
    book.record("worked", used * rho)
    return used


def service_tokens(book: DebtBook, worker: int, time: float, rho: float) -> float:
    """Retire the worker's own tokens, earliest maturity first, with up to ``time``; returns time used."""
    used = 0.0
    for token in sorted((tk for tk in book.tokens if tk.holder == worker), key=lambda tk: tk.maturity):
        step = min(time - used, token.outstanding / rho)
        token.outstanding -= step * rho
        book.record("serviced", step * rho)
        used += step
        if used >= time - 1e-12:
            break
    book.tokens = [token for token in book.tokens if token.outstanding > 1e-12]
    return used


def payoff_cost(params: DebtParams, principal: float, held: float, unit_cost: float, rho: float,
                capacity: float) -> float:
    """A worker's expected cost of paying a new token off (the bid formula of the module docstring)."""
    pace = rho * params.service_share * capacity
    wait = (held + principal) / pace if pace > 0 else np.inf
    on_time = min(wait, params.maturity_ticks)
    late = max(wait - params.maturity_ticks, 0.0)
    growth = (1 + params.interest) ** on_time * (1 + params.overdue_interest) ** late
    return unit_cost / rho * principal * growth


@dataclass(frozen=True)
class DebtWorld:
    """Workers, their refactoring skill ``rho`` and each worker's feature efforts, in order."""

    capacity: np.ndarray
    unit_cost: np.ndarray
    rho: np.ndarray
    efforts: np.ndarray   # (N, FEATURE_BACKLOG)


def draw_debt_world(config: CoordinationConfig, seed: int) -> DebtWorld:
    """The workforce and feature backlog of run ``seed`` (shared by both arms)."""
    rng = market_rng(seed, "debt")
    workforce = draw_workers(config.workers, rng)
    economy = EconomyConfig()
    efforts = rng.integers(economy.effort_low, economy.effort_high + 1, size=(config.workers, FEATURE_BACKLOG))
    return DebtWorld(workforce.capacity, workforce.unit_cost, rng.uniform(0.3, 1.0, size=config.workers),
                     efforts.astype(float))


def sell_token(book: DebtBook, world: DebtWorld, params: DebtParams, token: DebtToken, ledger) -> tuple | None:
    """Auction a new token to the cheapest payer (reserve: the creator's own cost).

    Returns ``(buyer's cost, price, creator's cost)`` of a sale, None if the token stays."""
    costs = np.array([payoff_cost(params, token.outstanding, book.held_by(j), world.unit_cost[j], world.rho[j],
                                  world.capacity[j]) for j in range(len(world.rho))])
    others = np.flatnonzero((np.arange(len(costs)) != token.creator) & np.isfinite(costs))
    if token.outstanding <= 0 or not len(others) or not np.isfinite(costs[token.creator]):
        return None
    outcome = reverse_second_price(costs[others], reserve=float(costs[token.creator]))
    if outcome.winner is None or not ledger.can_afford(token.creator, float(outcome.price)):
        return None
    buyer = int(others[outcome.winner])
    ledger.transfer(token.creator, buyer, float(outcome.price), memo="debt token sold")
    token.holder = buyer
    return float(costs[buyer]), float(outcome.price), float(costs[token.creator])


class FeatureProgress:
    """Each worker's position in its backlog and the work left on its current feature."""

    def __init__(self, world: DebtWorld, params: DebtParams) -> None:
        self.world, self.params = world, params
        self.index = np.zeros(len(world.rho), dtype=np.int64)
        self.left = world.efforts[:, 0] * (1 - params.shortcut_saving)
        self.finished = 0

    def work(self, worker: int, time: float, t: int) -> list[tuple[DebtToken, float]]:
        """Spend ``time`` on features; returns (token created, full effort) of each feature finished."""
        created = []
        while time > 1e-12:
            step = min(time, self.left[worker])
            self.left[worker] -= step
            time -= step
            if self.left[worker] <= 1e-12:
                created.append(self._finish(worker, t))
        return created

    def _finish(self, worker: int, t: int) -> tuple[DebtToken, float]:
        effort = self.world.efforts[worker, self.index[worker] % FEATURE_BACKLOG]
        self.finished += 1
        self.index[worker] += 1
        following = self.world.efforts[worker, self.index[worker] % FEATURE_BACKLOG]
        self.left[worker] = following * (1 - self.params.shortcut_saving)
        saved = self.params.shortcut_saving * effort
        token = DebtToken(worker, worker, self.params.principal_ratio * saved, t + self.params.maturity_ticks)
        return token, float(effort)


def run_debt(config: CoordinationConfig, seed: int, checked: bool = False) -> dict[str, float]:
    """One run of the debt economy (token trading on or off by ``config``); returns its measures."""
    return simulate_debt(config, seed, checked)[0]


def simulate_debt(config: CoordinationConfig, seed: int, checked: bool = False) -> tuple[dict[str, float], list]:
    """One run of the debt economy: its measures and the total outstanding debt after every tick."""
    params, world = config.markets.debt, draw_debt_world(config, seed)
    n = config.workers
    book = DebtBook(obligations=np.zeros(n), benefit=np.zeros(n))
    progress = FeatureProgress(world, params)
    ledger = worker_ledger(n, params.initial_budget, requester=REQUESTER_FUNDS)
    debt_path, crises, holder_ratio = [], 0, []
    cheapest = float((world.unit_cost / world.rho).min())
    for t in range(config.ticks):
        before, owed_before = book.total, float(book.obligations.sum())
        book.flows = {}
        accrue_interest(book, params, t)
        crises += crisis_paydown(book, params, t)
        for token in _work_tick(book, world, params, progress, ledger, t):
            sale = sell_token(book, world, params, token, ledger) if params.enabled else None
            if checked and sale is not None:
                require(sale[0] <= sale[1] + 1e-9 and sale[1] <= sale[2] + 1e-9,
                        "a token sells for at least the buyer's cost and at most the creator's", t)
            holder_ratio.append(world.unit_cost[token.holder] / world.rho[token.holder] / cheapest)
        if checked:
            _check_debt(book, before, owed_before, ledger, t)
        debt_path.append(book.total)
    return {"throughput": progress.finished / config.ticks, "mean_debt": float(np.mean(debt_path)),
            "final_debt": book.total + float(book.obligations.sum()), "crises": float(crises),
            "holder_cost_ratio": float(np.mean(holder_ratio)) if holder_ratio else float("nan")}, debt_path


def _work_tick(book, world, params, progress, ledger, t) -> list[DebtToken]:
    """Every worker: obligations, then its tokens (up to the service share), then features."""
    created = []
    for i in range(len(world.rho)):
        time = float(world.capacity[i])
        time -= service_debt(book, i, time, world.rho[i])
        time -= service_tokens(book, i, min(time, params.service_share * world.capacity[i]), world.rho[i])
        for token, effort in progress.work(i, time, t):
            book.benefit[i] += params.shortcut_saving * effort
            book.record("created", token.outstanding)
            book.tokens.append(token)
            ledger.transfer("requester", i, FEATURE_VALUE_PER_EFFORT * effort, memo="feature delivered")
            created.append(token)
    return created


def _check_debt(book: DebtBook, before: float, owed_before: float, ledger, t: int) -> None:
    flow = book.flows.get
    expected = before + flow("created", 0) + flow("interest", 0) - flow("serviced", 0) - flow("retired", 0)
    require(close(book.total, expected), "debt conserved (created + interest - serviced - retired)", t)
    owed = owed_before + flow("retired", 0) - flow("worked", 0)
    require(close(float(book.obligations.sum()), owed), "crisis obligations conserved", t)
    require(bool(np.all(book.obligations >= -1e-9)), "obligations non-negative", t)
    require(money_conserved(ledger), "money conserved", t)

"""What every market of the coordination economy shares: random streams, workers,
money accounts and the invariant checks run every tick in test mode.

Money lives in a :class:`~vmt.mechanisms.ledger.Ledger` (balances never go
negative; money enters only by recorded minting, at opening). Each market
keeps its own conserved quantities (cores, debt, breakage) and calls
:func:`require` after every tick when ``checked`` is on; a violation raises
:class:`InvariantViolation` naming the quantity and the tick.
"""

from __future__ import annotations

import math

import numpy as np

from vmt.mechanisms import Ledger
from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.population import Workforce, draw_workforce

MARKET_STREAM_TAGS = {"resources": 1, "expertise": 2, "debt": 3, "coupling": 4, "public_goods": 5,
                      "ownership": 6, "forecasts": 7, "bundles": 8}


class InvariantViolation(AssertionError):
    """A conserved quantity changed other than by a documented rule (a bug)."""


def require(condition: bool, what: str, tick: int) -> None:
    """Raise :class:`InvariantViolation` if ``condition`` is false."""
    if not condition:
        raise InvariantViolation(f"tick {tick}: {what}")


def close(a: float, b: float) -> bool:
    """Equality up to floating-point round-off of sums of a few thousand terms."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def market_rng(seed: int, market: str) -> np.random.Generator:
    """The random stream of ``market`` at ``seed``: the same for a market and its baseline."""
    return np.random.default_rng([int(seed), MARKET_STREAM_TAGS[market]])


def draw_workers(n_workers: int, rng: np.random.Generator) -> Workforce:
    """Workers with the task economy's heterogeneity (skills, capacities, private unit costs)."""
    return draw_workforce(EconomyConfig(), n_workers, rng)


def worker_ledger(n_workers: int, budget: float, **others: float) -> Ledger:
    """A ledger with accounts ``0..N-1`` holding ``budget`` each, plus named accounts."""
    ledger = Ledger({i: budget for i in range(n_workers)})
    for name, amount in others.items():
        ledger.open_account(name, amount)
    return ledger


def money_conserved(ledger: Ledger) -> bool:
    """True if the money held equals the money minted (nothing created or destroyed by trade)."""
    return close(ledger.total_money, ledger.total_minted)


def worker_balances(ledger: Ledger, n_workers: int) -> np.ndarray:
    """Balances of accounts ``0..N-1``."""
    return np.array([ledger.balance(i) for i in range(n_workers)])

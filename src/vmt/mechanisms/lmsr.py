"""Hanson's logarithmic market scoring rule (LMSR) as an automated market maker.

The market maker sells Arrow securities: a share of outcome ``k`` pays 1 if
``k`` happens. With ``q`` the vector of shares sold and liquidity ``b > 0``,

    C(q)   = b * ln(sum_k exp(q_k / b))             (cost function)
    p_k(q) = exp(q_k / b) / sum_j exp(q_j / b)      (prices = softmax(q / b))

and buying ``x`` shares of ``k`` costs ``C(q + x e_k) - C(q)``. Prices are
positive, sum to 1 and read as the market's probabilities. Starting from
``q = 0`` the market maker's loss when outcome ``w`` is settled is

    L = q_w - (C(q) - C(0)) <= b ln n,

because ``C(q) >= b ln exp(q_w / b) = q_w`` and ``C(0) = b ln n``. The bound
is checked at settlement (a violation is a bug and raises). Larger ``b``
means deeper markets (prices move less per share) and a larger subsidy.

Numerics: every log-sum-exp subtracts the largest exponent first, so nothing
overflows even for ``q / b`` in the millions, and trade costs are computed
from the trade size directly (see :meth:`LMSRMarket.cost_to_buy`), so small
trades are not lost to cancellation.

With a :class:`~vmt.mechanisms.ledger.Ledger`, trades and the settlement move
real money: traders cannot overspend, and the market maker's account must
hold the worst-case subsidy ``b ln n`` up front, which makes it always solvent.

Reference: R. Hanson (2003), "Combinatorial information market design",
Information Systems Frontiers 5(1) (used as a prediction market).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence

import numpy as np

from vmt.mechanisms._validation import validated_positive
from vmt.mechanisms.errors import MechanismInputError
from vmt.mechanisms.ledger import Ledger


def _log_sum_exp(x: np.ndarray) -> float:
    """``ln sum exp(x)`` computed as ``m + ln sum exp(x - m)``, ``m = max(x)``: no overflow."""
    top = float(x.max())
    return top + float(np.log(np.exp(x - top).sum()))


class LMSRMarket:
    """Prediction market on ``n`` mutually exclusive outcomes, run by an LMSR maker.

    Parameters
    ----------
    outcomes : int or sequence of str
        Number of outcomes (named ``"0"``, ``"1"``, ...) or their names; n >= 2.
    liquidity : float
        The LMSR parameter ``b > 0`` (money units per unit of log-odds).
    ledger : Ledger, optional
        If given, payments go through it; ``maker`` must hold ``b ln n``.
    maker : hashable
        The market maker's account in ``ledger``.
    """

    def __init__(self, outcomes: int | Sequence[str], liquidity: float,
                 ledger: Ledger | None = None, maker: Hashable = "market_maker") -> None:
        self.outcomes = _outcome_names(outcomes)
        self.liquidity = validated_positive(liquidity, "liquidity")
        self.loss_bound = self.liquidity * math.log(len(self.outcomes))
        self.quantities = np.zeros(len(self.outcomes))
        self.collected = 0.0
        self.paid_out = 0.0
        self.settled_outcome: str | None = None
        self._holdings: dict[Hashable, np.ndarray] = {}
        self._ledger, self._maker = ledger, maker
        if ledger is not None and ledger.balance(maker) < self.loss_bound:
            raise MechanismInputError(
                f"market maker account {maker!r} holds {ledger.balance(maker)!r} but must hold the "
                f"worst-case subsidy b ln n = {self.loss_bound!r}")

    # --- prices and costs -----------------------------------------------------------

    def cost(self, quantities=None) -> float:
        """``C(q) = b ln sum exp(q_k / b)`` at ``quantities`` (default: current)."""
        q = self.quantities if quantities is None else np.asarray(quantities, dtype=np.float64)
        return self.liquidity * _log_sum_exp(q / self.liquidity)

    def prices(self) -> np.ndarray:
        """Instantaneous prices ``softmax(q / b)``: positive, summing to 1."""
        scaled = self.quantities / self.liquidity
        weights = np.exp(scaled - scaled.max())
        return weights / weights.sum()

    def cost_to_buy(self, outcome: int | str, qty: float) -> float:
        """``C(q + qty e_k) - C(q)``; negative ``qty`` quotes a sale (negative cost).

        Computed relative to outcome k, ``d = (q - q_k) / b``:
        ``b [logaddexp(lse(d_-k), qty / b) - lse(d)]``, which uses ``qty``
        itself rather than the difference of two large costs, so a small trade
        against a huge position is priced to full precision.
        """
        if not math.isfinite(qty):
            raise MechanismInputError(f"quantity {qty!r} must be finite")
        return self.cost_schedule(outcome)(qty)

    def cost_schedule(self, outcome: int | str) -> Callable[[float], float]:
        """``qty -> cost_to_buy(outcome, qty)`` at the current quantities, which it reads once.

        The same numbers as :meth:`cost_to_buy` for many trial quantities
        (e.g. searching the size of an order) at the cost of one ``logaddexp``
        each. Valid until the next trade.
        """
        others, everything, b = self.cost_terms(outcome)
        return lambda qty: b * (float(np.logaddexp(others, qty / b)) - everything)

    def cost_terms(self, outcome: int | str) -> tuple[float, float, float]:
        """``(others, everything, b)`` with ``cost_to_buy(outcome, qty) = b (logaddexp(others, qty / b) -
        everything)`` at the current quantities: the log-sum-exps of ``(q - q_k) / b`` without and with
        outcome ``k`` (for compiled searches over trial quantities)."""
        k = self._index(outcome)
        relative = (self.quantities - self.quantities[k]) / self.liquidity
        others = relative[np.arange(relative.shape[0]) != k]
        return _log_sum_exp(others), _log_sum_exp(relative), self.liquidity

    # --- trading and settlement ------------------------------------------------------------

    def holdings(self, trader: Hashable) -> np.ndarray:
        """Shares of each outcome held by ``trader`` (a copy)."""
        return self._holdings.get(trader, np.zeros(len(self.outcomes))).copy()

    def buy(self, trader: Hashable, outcome: int | str, qty: float) -> float:
        """Sell ``qty > 0`` shares of ``outcome`` to ``trader``; returns what it paid."""
        k, qty = self._index(outcome), self._trade_size(qty)
        price = self.cost_to_buy(k, qty)
        if self._ledger is not None:
            self._ledger.transfer(trader, self._maker, price, memo=f"LMSR buy {qty} x {self.outcomes[k]}")
        self._record(trader, k, qty, price)
        return price

    def sell(self, trader: Hashable, outcome: int | str, qty: float) -> float:
        """Buy back ``qty > 0`` shares the trader holds; returns what it received."""
        k, qty = self._index(outcome), self._trade_size(qty)
        if self.holdings(trader)[k] < qty:
            raise MechanismInputError(
                f"trader {trader!r} holds {self.holdings(trader)[k]!r} shares of "
                f"{self.outcomes[k]!r} and cannot sell {qty!r} (no short sales)")
        proceeds = -self.cost_to_buy(k, -qty)
        if self._ledger is not None:
            self._ledger.transfer(self._maker, trader, proceeds, memo=f"LMSR sell {qty} x {self.outcomes[k]}")
        self._record(trader, k, -qty, -proceeds)
        return proceeds

    def settle(self, outcome: int | str) -> dict[Hashable, float]:
        """Pay 1 per share of the realised outcome; returns payouts by trader.

        Raises RuntimeError if the maker's loss exceeds ``b ln n`` (a bug).
        """
        self._open()
        k = self._index(outcome)
        payouts = {t: float(h[k]) for t, h in self._holdings.items() if h[k] > 0}
        for trader, amount in payouts.items():
            if self._ledger is not None:
                self._ledger.transfer(self._maker, trader, amount, memo=f"LMSR payout {self.outcomes[k]}")
        self.paid_out = math.fsum(payouts.values())
        self.settled_outcome = self.outcomes[k]
        if self.maker_loss > self.loss_bound + 1e-9 * max(1.0, abs(self.paid_out)):
            raise RuntimeError(f"LMSR loss {self.maker_loss} exceeds the bound b ln n = {self.loss_bound}")
        return payouts

    @property
    def maker_loss(self) -> float:
        """Cumulative loss: payouts made minus money collected (negative = profit)."""
        return self.paid_out - self.collected

    def worst_case_loss(self) -> float:
        """Loss if the market were settled now on its worst outcome: ``max_k q_k - collected``."""
        return float(self.quantities.max()) - self.collected

    # --- helpers ---------------------------------------------------------------------------

    def _record(self, trader, k: int, qty: float, paid: float) -> None:
        held = self._holdings.setdefault(trader, np.zeros(len(self.outcomes)))
        held[k] += qty
        self.quantities[k] += qty
        self.collected += paid

    def _trade_size(self, qty) -> float:
        self._open()
        return validated_positive(qty, "quantity")

    def _open(self) -> None:
        if self.settled_outcome is not None:
            raise MechanismInputError(f"market already settled on {self.settled_outcome!r}")

    def _index(self, outcome) -> int:
        if isinstance(outcome, str) and outcome in self.outcomes:
            return self.outcomes.index(outcome)
        if isinstance(outcome, (int, np.integer)) and not isinstance(outcome, bool) \
                and 0 <= outcome < len(self.outcomes):
            return int(outcome)
        raise MechanismInputError(f"unknown outcome {outcome!r}; outcomes are {list(self.outcomes)}")


def _outcome_names(outcomes) -> tuple[str, ...]:
    if isinstance(outcomes, (int, np.integer)) and not isinstance(outcomes, bool):
        names = tuple(str(k) for k in range(int(outcomes)))
    else:
        names = tuple(outcomes)
    if len(names) < 2 or len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
        raise MechanismInputError(f"outcomes {outcomes!r}: need at least 2 distinct outcome names (strings)")
    return names

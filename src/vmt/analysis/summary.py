"""End-of-run summary: what ``vmt run`` prints and ``Simulation`` returns.

Price dispersion is the standard deviation of log prices: scale free, so a
market whose prices converge shows it falling whatever the price level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class PairSummary:
    pair_type: str
    trades: int
    volume: float  # real units of the pair's first good
    mean_price: float
    log_price_std: float
    early_log_price_std: float  # first 10% of the pair's trades
    late_log_price_std: float  # last 10%
    late_price: float  # geometric mean price of the last 10% of trades


@dataclass
class RunSummary:
    scenario: str
    seed: int
    agents: int
    ticks: int
    trades: int
    utility_change: float
    wall_seconds: float
    pairs: list[PairSummary] = field(default_factory=list)
    walrasian_price: float | None = None  # of A in B, pure exchange at final holdings
    welfare_share: float = float("nan")  # share of the Walrasian gains from trade realised
    welfare_note: str = ""

    @property
    def ticks_per_second(self) -> float:
        return self.ticks / self.wall_seconds if self.wall_seconds > 0 else float("inf")

    def lines(self) -> list[str]:
        out = [
            f"scenario {self.scenario!r}, seed {self.seed}: {self.agents} agents, {self.ticks} ticks",
            f"trades: {self.trades}    total utility change: {self.utility_change:+.4g}",
        ]
        share = "n/a" if np.isnan(self.welfare_share) else f"{self.welfare_share:.4f}"
        out.append(f"share of the Walrasian gains from trade realised: {share}"
                   + (f" ({self.welfare_note})" if self.welfare_note else ""))
        for p in self.pairs:
            out.append(
                f"  {p.pair_type}: {p.trades} trades, volume {p.volume:g}, mean price {p.mean_price:.4g}, "
                f"dispersion (std log price) {p.log_price_std:.4g}"
            )
            out.append(
                f"      first 10% of trades: dispersion {p.early_log_price_std:.4g};  last 10%: dispersion "
                f"{p.late_log_price_std:.4g}, price {p.late_price:.4g}"
            )
        if self.walrasian_price is not None:
            out.append(f"  Walrasian price of A in B at the final holdings (pure exchange): {self.walrasian_price:.4g}")
        out.append(f"wall time {self.wall_seconds:.2f} s, {self.ticks_per_second:.1f} ticks/s")
        return out


def first_good_quantity(trades: pd.DataFrame) -> pd.Series:
    """Real quantity of each trade's first good (A for A<->B and A<->M, B for B<->M)."""
    return trades["quantity_B"].where(trades["pair_type"] == "B<->M", trades["quantity_A"])


def pair_summaries(trades: pd.DataFrame) -> list[PairSummary]:
    out = []
    volume = first_good_quantity(trades) if len(trades) else pd.Series(dtype=float)
    for pair, group in trades.groupby("pair_type", sort=True):
        logp = np.log(group["price"].to_numpy(dtype=float))
        tenth = max(2, len(logp) // 10)
        out.append(PairSummary(
            pair_type=str(pair),
            trades=len(group),
            volume=float(volume[group.index].sum()),
            mean_price=float(group["price"].mean()),
            log_price_std=_std(logp),
            early_log_price_std=_std(logp[:tenth]),
            late_log_price_std=_std(logp[-tenth:]),
            late_price=float(np.exp(logp[-tenth:].mean())),
        ))
    return out


def _std(values: np.ndarray) -> float:
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def reference_price(sim) -> float | None:
    """The Walrasian price of A in B for the agents' final holdings, when the
    regime trades A against B and a price exists (None otherwise)."""
    from vmt.economics.equilibrium import walrasian_price

    if not sim.tick_state.pair_active[0]:
        return None
    held, ag = sim.world.real_holdings(), sim.world.agents
    try:
        return float(walrasian_price(ag.family, ag.utility_params, held[:, 0], held[:, 1]))
    except (ValueError, RuntimeError, ArithmeticError):
        return None


def summarize(sim, wall_seconds: float) -> RunSummary:
    trades = sim.trades_df()
    welfare = sim.welfare()
    return RunSummary(
        scenario=sim.scenario.name,
        seed=sim.seed,
        agents=sim.world.agents.n,
        ticks=sim.tick,
        trades=len(trades),
        utility_change=float(sim.utilities().sum() - sim.initial_utility.sum()),
        wall_seconds=wall_seconds,
        pairs=pair_summaries(trades),
        walrasian_price=reference_price(sim),
        welfare_share=float(welfare.share),
        welfare_note=welfare.note,
    )

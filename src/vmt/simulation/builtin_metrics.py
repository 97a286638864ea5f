"""The metrics every sweep can collect (registered by name in :mod:`vmt.simulation.metrics`).

Prices are real units of a pair's second good per real unit of its first
(B per A, M per A, M per B) and are reported per active exchange pair:

* ``final_price`` -- the late VWAP: volume-weighted price of the pair's
  trades in the last fifth of the ticks with trades
  (:func:`vmt.simulation.trade_prices.late_vwap`, as in ``vmt run`` and ``vmt report``); ``mean_price`` -- the time average of the per-tick
  volume-weighted price over the ticks with trade in the pair;
* ``distance_to_p_star`` -- ``|log(final_price / p*)|`` with ``p*`` the
  Walrasian price of the economy as it started (``equilibrium_price``);
* ``price_dispersion`` -- standard deviation of log prices over the pair's
  last tenth of trades;
* ``valuation_dispersion`` -- the cross-agent standard deviation of log
  marginal valuations after the last tick, and ``time_to_convergence`` --
  the first tick after which it stays below the experiment's threshold
  (NaN when it never does).

A pair without trades gets NaN prices. ``welfare_share`` is the run's share
of the Walrasian gains from trade realised (``Simulation.welfare``, defined
in docs/economics.md): 1 at a Walrasian allocation, 0 without trade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vmt.simulation.trade_prices import first_good_quantity, late_vwap
from vmt.world.state import PAIR_NAMES

LATE_SHARE = 0.1


def active_pairs(sim) -> list[str]:
    """Exchange pairs the run can trade: the regime's, plus any pair a market post clears."""
    active = np.array(sim.tick_state.pair_active, dtype=bool).copy()
    for component in sim.tick_state.components:
        posts = getattr(component, "posts", None)
        if posts is not None and len(posts.pair_active):
            active |= posts.pair_active.any(axis=0)
    return [PAIR_NAMES[k] for k in np.flatnonzero(active)]


def _priced(sim) -> pd.DataFrame:
    trades = sim.trades_df()
    first = first_good_quantity(trades) if len(trades) else pd.Series(dtype=float)
    return trades.assign(first=first, second=first * trades["price"])


def _per_pair(sim, measure) -> dict[str, float]:
    trades = _priced(sim)
    return {pair: (measure(trades[trades["pair_type"] == pair]) if (trades["pair_type"] == pair).any() else np.nan)
            for pair in active_pairs(sim)}


def _late(trades: pd.DataFrame) -> pd.DataFrame:
    return trades.tail(max(1, int(len(trades) * LATE_SHARE)))


def welfare_share(sim) -> float:
    """Share of the Walrasian gains from trade realised (NaN when undefined; see docs/economics.md)."""
    return float(sim.welfare().share)


def final_price(sim) -> dict[str, float]:
    """Late VWAP of each pair (the last fifth of the ticks with trades)."""
    def late(trades: pd.DataFrame) -> float:
        price = late_vwap(trades["tick"], trades["price"], trades["first"])
        return np.nan if price is None else price

    return _per_pair(sim, late)


def mean_price(sim) -> dict[str, float]:
    """Time average over ticks with trade of each pair's per-tick volume-weighted price."""
    def time_average(trades: pd.DataFrame) -> float:
        per_tick = trades.groupby("tick")[["first", "second"]].sum()
        return float((per_tick["second"] / per_tick["first"]).mean())

    return _per_pair(sim, time_average)


def equilibrium_price(sim, context) -> dict[str, float]:
    """Walrasian price p* per pair for the initial holdings (NaN where none was found)."""
    return {pair: context.equilibrium_prices.get(pair, np.nan) for pair in active_pairs(sim)}


def distance_to_p_star(sim, context) -> dict[str, float]:
    """|log(final price / p*)| per pair."""
    final = final_price(sim)
    return {pair: abs(float(np.log(price / context.equilibrium_prices[pair])))
            if pair in context.equilibrium_prices and np.isfinite(price) else np.nan
            for pair, price in final.items()}


def price_dispersion(sim) -> dict[str, float]:
    """Standard deviation of log prices over each pair's last tenth of trades."""
    return _per_pair(sim, lambda t: float(np.log(_late(t)["price"].to_numpy(float)).std()))


def valuation_dispersion(sim, context) -> float:
    """Cross-agent std of log marginal valuation after the last tick."""
    series = context.valuation_dispersion
    return float(series[-1]) if series.size else np.nan


def time_to_convergence(sim, context) -> float:
    """First tick after which the valuation dispersion stays below the convergence threshold."""
    return converged_from(context.valuation_dispersion, context.convergence_threshold)


def converged_from(series: np.ndarray, threshold: float) -> float:
    """Smallest ``t`` with ``series[s] < threshold`` for every ``s >= t`` (NaN if the last value is not)."""
    above = np.flatnonzero(~(np.asarray(series, float) < threshold))
    if len(series) == 0 or (above.size and above[-1] == len(series) - 1):
        return np.nan
    return float(above[-1] + 1) if above.size else 0.0


def trades(sim) -> float:
    """Number of executed trades (bilateral and at posts)."""
    return float(sim.trade_log.count)


def volume(sim) -> dict[str, float]:
    """Real quantity of each pair's first good traded."""
    return _per_pair(sim, lambda t: float(t["first"].sum()))


def utility_gain(sim) -> float:
    """Sum over agents of final minus initial utility."""
    return float((sim.utilities() - sim.initial_utility).sum())


def utility_gain_gini(sim) -> float:
    """Gini coefficient of the agents' utility gains (NaN when the total gain is not positive)."""
    return gini(sim.utilities() - sim.initial_utility)


def gini(values) -> float:
    """Gini coefficient ``sum_ij |x_i - x_j| / (2 n^2 mean)`` (NaN when the mean is not positive)."""
    x = np.sort(np.asarray(values, dtype=float))
    n, total = x.size, x.sum()
    if n == 0 or not total > 0:
        return np.nan
    ranks = np.arange(1, n + 1)
    return float(((2 * ranks - n - 1) * x).sum() / (n * total))


def market_areas(sim) -> float:
    """Number of market areas formed during the run (0 without price signals)."""
    return float(sum(getattr(c, "areas").count for c in sim.tick_state.components if hasattr(c, "areas")))


def post_fills(sim) -> float:
    """Number of fills at market posts."""
    if not any(hasattr(c, "posts") for c in sim.tick_state.components):
        return 0.0
    return float(sim.trades_df()["market_id"].notna().sum())


BUILTIN_METRICS = {
    "welfare_share": welfare_share,
    "equilibrium_price": equilibrium_price,
    "final_price": final_price,
    "mean_price": mean_price,
    "distance_to_p_star": distance_to_p_star,
    "price_dispersion": price_dispersion,
    "valuation_dispersion": valuation_dispersion,
    "time_to_convergence": time_to_convergence,
    "trades": trades,
    "volume": volume,
    "utility_gain": utility_gain,
    "utility_gain_gini": utility_gain_gini,
    "market_areas": market_areas,
    "post_fills": post_fills,
}

"""The one distance-to-p* measure, and the traded quantity it weights by.

``late VWAP``: the volume-weighted price of the trades made in the last
fifth of the ticks *that had trades* in the pair (not of the run's ticks:
under the ``centralized`` institution every trade may happen in the first
ticks, and a measure over the run's last ticks would be undefined).

``distance to p* = |log(late VWAP / p*)|``: scale free, the same whichever
good is the numeraire. The run summary, ``vmt report`` (its prices and
market-post tables) and the experiments' ``final_price`` and
``distance_to_p_star`` metrics all use these two functions and this name.
They live with the simulation (not with the analysis that shows them) so
that the metrics a run reports while it runs use the same definitions.
"""

from __future__ import annotations

import numpy as np

#: What the measure is called wherever it is shown.
LATE_GAP_LABEL = "distance to p* |log(late VWAP / p*)|"
LATE_SHARE = 0.2  # the last fifth of the ticks with trades


def late_vwap(ticks, prices, volumes) -> float | None:
    """Volume-weighted price over the last fifth of the ticks with trades (None if no trade)."""
    ticks, prices, volumes = (np.asarray(x, dtype=float) for x in (ticks, prices, volumes))
    traded = np.unique(ticks[volumes > 0])
    if traded.size == 0:
        return None
    late = (ticks >= traded[int((1.0 - LATE_SHARE) * traded.size)]) & (volumes > 0)
    return float(np.sum(prices[late] * volumes[late]) / np.sum(volumes[late]))


def price_gap(price: float | None, p_star: float | None) -> float | None:
    """``|log(price / p*)|``; None when either is missing or not positive."""
    if price is None or p_star is None or not (price > 0 and p_star > 0):
        return None
    return abs(float(np.log(price / p_star)))


def first_good_quantity(trades):
    """Real quantity of each trade's first good (A for A<->B and A<->M, B for B<->M)."""
    return trades["quantity_B"].where(trades["pair_type"] == "B<->M", trades["quantity_A"])

"""Two-sided uniform-price call auction for identical units (a k-double auction).

Buyers submit one limit price per unit they want, sellers one ask per unit
they offer. Bids are ranked from highest to lowest and asks from lowest to
highest (equal prices in submission order), and the volume is the largest
``k`` with ``bid_(k) >= ask_(k)``: the first ``k`` bids buy from the first
``k`` asks. Everyone trades at one price chosen in the Walrasian interval

    [max(ask_(k), bid_(k+1)),  min(bid_(k), ask_(k+1))],

(a missing ``bid_(k+1)`` or ``ask_(k+1)`` leaves that side open). The price is
the midpoint of the interval (the ``k = 1/2`` double auction). Every
executed bid is at least the price and every executed ask at most, so each
trade is individually rational, and no excluded order would trade at it:
the excluded bids are at most the price and the excluded asks at least.

Reference: M. Satterthwaite & S. Williams (1989), "Bilateral trade with the
sealed bid k-double auction", J. Economic Theory 48; D. Friedman (1993),
"The double auction market institution: a survey".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmt.mechanisms._validation import validated_amounts


@dataclass(frozen=True)
class CallOutcome:
    """Result of one call: ``price`` (NaN without trade), the executed bid and ask indices."""

    price: float
    volume: int
    buying_bids: np.ndarray
    selling_asks: np.ndarray


def uniform_price_call(bids, asks) -> CallOutcome:
    """Clear unit bids against unit asks at one uniform price (see the module docstring).

    Parameters
    ----------
    bids, asks : sequence of float
        One non-negative finite limit price per unit wanted / offered.

    Returns
    -------
    CallOutcome
        ``buying_bids`` and ``selling_asks`` index the inputs, best first.
    """
    bids, asks = validated_amounts(bids, "bid"), validated_amounts(asks, "ask")
    bid_rank = np.argsort(-bids, kind="stable")
    ask_rank = np.argsort(asks, kind="stable")
    depth = min(len(bids), len(asks))
    crossing = bids[bid_rank[:depth]] >= asks[ask_rank[:depth]]
    volume = int(np.argmin(crossing)) if not crossing.all() else depth
    if volume == 0:
        return CallOutcome(float("nan"), 0, bid_rank[:0], ask_rank[:0])
    low = max(asks[ask_rank[volume - 1]], bids[bid_rank[volume]] if volume < len(bids) else -np.inf)
    high = min(bids[bid_rank[volume - 1]], asks[ask_rank[volume]] if volume < len(asks) else np.inf)
    return CallOutcome(float((low + high) / 2), volume, bid_rank[:volume], ask_rank[:volume])

"""Signal-anchored bargaining: with an anchor, every protocol first aims at it,
moved into the middle 90% of the two traders' valuations; without one it
bargains as before.

Two adjacent Cobb-Douglas agents in an Edgeworth box (Alice holds A and
values B; Bob the mirror image), at the default units: their MRS are 3/28
and 28/3 B per A, so any price in between benefits both on a small trade.
"""

from __future__ import annotations

import numpy as np
import pytest

from vmt.simulation import Simulation

PROTOCOLS = ["compensating_block", "split_difference", "take_it_or_leave_it", "nash"]


def box(protocol: str, anchor: str = "signal") -> dict:
    agent = lambda name, ab, endow, x: {  # noqa: E731
        "name": name, "count": 1,
        "utility": {"family": "cobb_douglas", "params": {"alpha": ab[0], "beta": ab[1]}},
        "endowment": {"A": endow[0], "B": endow[1]}, "spawn_region": [x, 2, x, 2],
    }
    return {
        "grid": {"width": 6, "height": 6},
        "agents": [agent("alice", (0.3, 0.7), (16, 4), 2), agent("bob", (0.7, 0.3), (4, 16), 3)],
        "protocols": {"bargaining": {"name": protocol, "params": {"anchor": anchor}}},
        "params": {"ticks": 10, "vision_radius": 10, "exchange_regime": "barter"},
    }


def first_trade(protocol: str, anchors=None, anchor: str = "signal"):
    sim = Simulation(box(protocol, anchor), seed=0)
    if anchors is not None:
        prices = np.full((2, 3), np.nan)
        prices[:, 0] = anchors
        sim.tick_state.bargaining.anchor_price = prices
    sim.step()
    trades = sim.trades_df()
    assert len(trades) == 1
    return trades.iloc[0], sim


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("anchors", [(2.0, 2.0), (1.0, 4.0), (2.0, np.nan), (np.nan, 2.0)])
def test_trade_happens_at_the_anchor_inside_the_quotes(protocol, anchors):
    """The pair's anchor is the geometric mean of the known anchors: 2.0 in every case."""
    trade, _ = first_trade(protocol, anchors)
    assert trade["price"] == pytest.approx(2.0, abs=1e-12)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_without_anchors_the_protocol_bargains_as_before(protocol):
    plain, _ = first_trade(protocol)
    unknown, _ = first_trade(protocol, (np.nan, np.nan))
    ignored, _ = first_trade(protocol, (2.0, 2.0), anchor="none")
    assert plain.equals(unknown) and plain.equals(ignored)
    assert plain["price"] != pytest.approx(2.0)


def test_anchor_above_the_buyers_valuation_is_moved_inside_the_valuations():
    """An anchor of 50 B per A lies above Bob's MRS (28/3): the pair aims at the
    anchor moved into the middle 90% of [3/28, 28/3], i.e. 28/3 - 0.05 (28/3 - 3/28),
    well above the midpoint price without anchors (1 B per A)."""
    plain, _ = first_trade("compensating_block")
    trade, _ = first_trade("compensating_block", (50.0, 50.0))
    low, high = 3 / 28, 28 / 3
    assert trade["price"] == pytest.approx(high - 0.05 * (high - low), rel=1e-3)
    assert plain["price"] == pytest.approx(1.0, rel=1e-3) and trade["quantity_A"] > 0

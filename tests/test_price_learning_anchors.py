"""Signal-anchored bargaining: with an anchor, every protocol first tries the
price closest to it inside [ask, bid]; without one it bargains as before.

Two adjacent Cobb-Douglas agents in an Edgeworth box (Alice holds A and
values B; Bob the mirror image): their MRS are 0.107 and 9.33 B per A, so
any price in between benefits both on a one-unit trade.
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
        "grid": {"width": 6, "height": 6}, "units": {"A": 1, "B": 0.01},
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


def test_anchor_above_the_bid_gives_the_best_price_the_buyer_still_accepts():
    """compensating_block fans out from the payment nearest the anchor: with an
    anchor above Bob's bid, Alice sells one A at the highest payment (in
    hundredths of B) at which Bob still strictly gains."""
    plain, _ = first_trade("compensating_block")
    trade, _ = first_trade("compensating_block", (50.0, 50.0))
    payments = np.arange(1, 1600) / 100
    bob_gains = 0.7 * np.log(5 / 4) + 0.3 * np.log((16 - payments) / 16) > 0
    assert trade["quantity_A"] == 1.0 and plain["quantity_A"] == 1.0
    assert trade["quantity_B"] == pytest.approx(payments[bob_gains].max()) and trade["price"] > plain["price"]

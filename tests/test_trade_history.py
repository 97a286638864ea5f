"""Bounded trade history: long large runs keep running totals instead of
every trade, with the same trade count, last tick and welfare yardstick."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import two_type_economy
from vmt.analysis.summary import summarize
from vmt.simulation import Simulation
from vmt.simulation import trades as trades_module
from vmt.simulation.trades import TradeHistoryError
from vmt.simulation.welfare import net_trades


def run(history, regime="mixed", ticks=25):
    return Simulation(two_type_economy(60, regime, grid=12), seed=5, trade_history=history).run(ticks)


@pytest.mark.parametrize("regime", ["barter", "mixed"])
def test_recent_history_keeps_count_last_tick_and_welfare_but_no_frame(regime):
    full, recent = run("all", regime), run("recent", regime)
    frame = full.trades_df()
    assert len(frame) > 100 and recent.trade_log.count == len(frame)
    assert recent.trade_log.last_tick == full.trade_log.last_tick
    assert np.array_equal(recent.trade_log.last["buyer_id"], full.trade_log.last["buyer_id"])
    assert np.allclose(recent.trade_log.net(), net_trades(frame, 60), rtol=0, atol=1e-9)
    if regime == "barter":  # (the mixed economy's yardstick is undefined here)
        assert recent.welfare().share == pytest.approx(full.welfare().share, abs=1e-12)
    with pytest.raises(TradeHistoryError, match="trade_history='all'"):
        recent.trades_df()
    lines = "\n".join(summarize(recent, 1.0).lines())
    assert f"trades: {len(frame)} " in lines and "no in-memory trade history" in lines


def test_auto_history_drops_every_trade_past_its_limit(monkeypatch):
    monkeypatch.setattr(trades_module, "AUTO_HISTORY_TRADES", 150)
    full, auto = run("all", regime="barter"), run("auto", regime="barter")
    assert auto.trade_log.count == full.trade_log.count > 300
    assert not auto.trade_log.history_kept and auto.trade_log._chunks == []
    assert 0 < full.welfare().share == pytest.approx(auto.welfare().share, abs=1e-12)
    with pytest.raises(TradeHistoryError, match="more than 150 trades"):
        auto.trades_df()


def test_small_runs_keep_every_trade_by_default_and_bad_policies_are_refused():
    sim = run("auto", ticks=5)
    assert sim.trade_log.history_kept and len(sim.trades_df()) == sim.trade_log.count
    with pytest.raises(ValueError, match="trade_history must be one of auto, all, recent"):
        Simulation(two_type_economy(), trade_history="some")


def test_running_net_trades_do_not_depend_on_the_threads():
    """Agents trading several times a tick (as at market posts) get their
    flows added in trade order whatever the split of agents among threads."""
    rng = np.random.default_rng(3)
    n, m = 50, 400
    kinds = rng.integers(0, 3, m).astype(np.int8)
    buyers, sellers = rng.integers(-1, n, m), rng.integers(-1, n, m)
    flows = [rng.random(m) * 10.0 ** rng.integers(-6, 6, m) for _ in range(3)]
    nets = []
    for parts in (1, 2, 3, 7):
        net = np.zeros((n, 3))
        trades_module._add_flows(net, kinds, buyers, sellers, *flows, trades_module._SECOND, parts)
        nets.append(net)
    assert np.abs(nets[0]).sum() > 0 and all(np.array_equal(net, nets[0]) for net in nets)

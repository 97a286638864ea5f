"""Area prices and their telemetry, checked against the recorded trades.

The ``market_prices`` table must be the exact volume-weighted mean price of
the trades the ``trades`` table attributes to each area, and a trade's
``market_id`` must be the area both parties belong to at the positions the
snapshots record (membership recomputed here from the definition).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import two_type_economy
from vmt.simulation import Simulation
from vmt.telemetry import read_table


def _run(tmp_path, window=1, ticks=40, regime="barter", seed=4):
    scenario = two_type_economy(40, regime, grid=10, institution="price_signals", price_learning_rate=0.5,
                                price_window=window, market_radius=2, market_formation_threshold=4,
                                market_dissolution_threshold=2, market_dissolution_patience=3)
    db = tmp_path / f"run_{window}_{regime}.db"
    Simulation(scenario, seed=seed, telemetry=db).run(ticks)
    tables = ("trades", "market_prices", "market_areas", "agent_snapshots")
    return {t: read_table(db, t) for t in tables}


def _area_trades(trades: pd.DataFrame) -> pd.DataFrame:
    mine = trades[trades["market_id"].notna()].copy()
    first = mine["quantity_B"].where(mine["pair_type"] == "B<->M", mine["quantity_A"])
    mine["first"], mine["second"] = first, first * mine["price"]
    mine["market_id"] = mine["market_id"].astype(int)
    return mine


@pytest.mark.parametrize("regime", ["barter", "mixed"])
def test_area_price_is_the_exact_vwap_of_the_tick_trades(tmp_path, regime):
    t = _run(tmp_path, regime=regime)
    trades = _area_trades(t["trades"])
    assert len(trades) > 20
    expected = trades.groupby(["tick", "market_id", "pair_type"]).agg(
        first=("first", "sum"), second=("second", "sum"), n=("price", "size")).reset_index()
    prices = t["market_prices"]
    traded = prices[prices["n_trades"] > 0].merge(
        expected, left_on=["tick", "market_id", "pair"], right_on=["tick", "market_id", "pair_type"], how="outer")
    assert traded["price"].notna().all() and traded["n"].notna().all()  # the same (tick, area, pair) sets
    np.testing.assert_allclose(traded["price"], traded["second"] / traded["first"], rtol=1e-12)
    np.testing.assert_allclose(traded["volume"], traded["first"], rtol=1e-12)
    assert (traded["n_trades"] == traded["n"]).all()


def test_rolling_window_and_last_price_kept(tmp_path):
    window = 3
    t = _run(tmp_path, window=window, ticks=50)
    trades, prices = _area_trades(t["trades"]), t["market_prices"]
    assert (prices["n_trades"] == 0).any() and (prices["n_trades"] > 0).any()
    for (area, pair), rows in prices.groupby(["market_id", "pair"]):
        mine = trades[(trades["market_id"] == area) & (trades["pair_type"] == pair)]
        last = np.nan
        for tick, price, n in rows[["tick", "price", "n_trades"]].itertuples(index=False):
            inside = mine[(mine["tick"] > tick - window) & (mine["tick"] <= tick)]
            assert n == len(inside)
            last = inside["second"].sum() / inside["first"].sum() if len(inside) else last
            assert price == pytest.approx(last, rel=1e-12)


def reference_member(x, y, areas: pd.DataFrame, radius: int) -> np.ndarray:
    cover = [(np.abs(x - cx) + np.abs(y - cy) <= radius) for cx, cy in zip(areas["center_x"], areas["center_y"])]
    counts = [c.sum() for c in cover]
    member = np.full(len(x), -1)
    for i in range(len(x)):
        options = [(-counts[k], abs(x[i] - areas["center_x"].iloc[k]) + abs(y[i] - areas["center_y"].iloc[k]),
                    areas["market_id"].iloc[k]) for k in range(len(areas)) if cover[k][i]]
        member[i] = min(options)[2] if options else -1
    return member


def test_trades_carry_the_area_both_parties_belong_to(tmp_path):
    t = _run(tmp_path)
    snaps, areas, trades = t["agent_snapshots"], t["market_areas"], t["trades"]
    checked = 0
    for tick, tick_trades in trades.groupby("tick"):
        live = areas[(areas["tick"] == tick) & (areas["event"] != "dissolved")]
        pos = snaps[snaps["tick"] == tick].sort_values("agent_id")
        member = reference_member(pos["x"].to_numpy(), pos["y"].to_numpy(), live, radius=2)
        mb, ms = member[tick_trades["buyer_id"]], member[tick_trades["seller_id"]]
        expected = np.where((mb == ms) & (mb >= 0), mb, -1)
        got = tick_trades["market_id"].fillna(-1).astype(int).to_numpy()
        np.testing.assert_array_equal(got, expected)
        checked += int((expected >= 0).sum())
    assert checked > 20


def test_market_areas_table_tells_each_area_life(tmp_path):
    areas = _run(tmp_path, ticks=120)["market_areas"]
    assert sorted(areas["market_id"].unique()) == list(range(areas["market_id"].max() + 1))
    for area, rows in areas.groupby("market_id"):
        assert rows["event"].iloc[0] == "formed" and (rows["event"].iloc[1:] != "formed").all()
        assert list(rows["tick"]) == list(range(rows["tick"].iloc[0], rows["tick"].iloc[-1] + 1))
        dissolved = rows["event"] == "dissolved"
        assert dissolved.sum() <= 1 and (not dissolved.any() or dissolved.iloc[-1])
        assert rows[["center_x", "center_y", "radius"]].nunique().max() == 1  # an area is a place
    assert (areas["event"] == "dissolved").any()

"""Market posts in whole runs: invariants, individual rationality, determinism, telemetry."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from conftest import with_each_thread_count
from test_market_posts_support import post_economy, posts_of
from vmt.markets.posts.exchange import SeededStream
from vmt.markets.posts.trade_rows import BUYER, FILL_FIELDS, Q1, Q2, SELLER, X, Y, TradeRows
from vmt.simulation import Simulation
from vmt.telemetry import read_table
from vmt.world.quotes import refresh_quotes
from vmt.world.state import PAIR_AB
from vmt.world.valuation import utilities

POST_SCENARIOS = ("walrasian_two_markets", "walrasian_single_post", "cda_induced_values", "dealer_market")
MARKET_TABLES = ("trades", "market_orders", "market_clears", "market_prices")


def _watch_rationality(sim: Simulation, post_traders_only: bool) -> list:
    """Hook: after each trade phase, no agent that traded at a post is worse off."""
    state, losses = {}, []

    def hook(tick, phase):
        if phase == "movement":
            state["before"] = utilities(sim.world)
        elif phase == "trade":
            change = utilities(sim.world) - state["before"]
            trades = sim.trade_log.last if sim.trade_log.last_tick == tick else None
            if trades is None:
                return
            at_posts = ~np.isnan(trades["market_id"].astype(float))
            agents = np.concatenate([trades["buyer_id"][at_posts], trades["seller_id"][at_posts]])
            agents = agents[agents >= 0] if post_traders_only else np.arange(change.size)
            losses.extend(change[agents][change[agents] < -1e-12].tolist())

    sim.on("after_phase", hook)
    return losses


@pytest.mark.parametrize("name", POST_SCENARIOS)
def test_shipped_post_scenarios_keep_every_invariant(name):
    sim = Simulation(name, seed=0, check_invariants=True)
    losses = _watch_rationality(sim, post_traders_only=True)
    sim.run(min(sim.scenario.params.ticks, 60))
    assert losses == []
    component = posts_of(sim)
    assert sim.world.agents.inventory.min() >= 0 and component.held_outside_agents().min() >= 0
    assert len(component.records.clears_frame()) > 0


def test_centralized_runs_have_only_post_trades_and_mixed_runs_have_both():
    central = Simulation(post_economy("walrasian", count=30), seed=2).run(40).trades_df()
    assert len(central) > 0 and central.market_id.notna().all()
    mixed = post_economy("walrasian", count=40, institution="mixed_bilateral_centralized", centralized_weight=0.5)
    sim = Simulation(mixed, seed=2, check_invariants=True)
    losses = _watch_rationality(sim, post_traders_only=False)
    trades = sim.run(40).trades_df()
    assert trades.market_id.notna().any() and trades.market_id.isna().any()
    assert losses == []
    goers = posts_of(sim).uses_posts
    assert 0 < goers.sum() < goers.size
    at_posts = trades[trades.market_id.notna()]
    assert goers[at_posts.buyer_id].all() and goers[at_posts.seller_id].all()


def _tables(tmp_path, name, scenario, seed=4, ticks=25):
    db = tmp_path / f"{name}.db"
    Simulation(scenario, seed=seed, telemetry=db).run(ticks)
    return {t: read_table(db, t).drop(columns="run_id") for t in MARKET_TABLES}


@pytest.mark.parametrize("mechanism, params", [("walrasian", {}), ("cda", {"strategy": "zi_c"}), ("dealer", {})])
def test_same_seed_gives_identical_market_telemetry(tmp_path, mechanism, params):
    scenario = post_economy(mechanism, params=params, count=30)
    first, second = _tables(tmp_path, "a", scenario), _tables(tmp_path, "b", scenario)
    assert len(first["trades"]) > 0 and len(first["market_orders"]) > 0
    for table in MARKET_TABLES:
        pd.testing.assert_frame_equal(first[table], second[table])


def test_one_and_two_threads_agree_bit_for_bit(tmp_path):
    scenario = post_economy("cda", params={"strategy": "zi_c"}, count=40, institution="mixed_bilateral_centralized")
    results = with_each_thread_count(lambda threads: _tables(tmp_path, f"t{threads}", scenario))
    trades = results[0]["trades"]
    assert trades.market_id.notna().any() and trades.market_id.isna().any()
    for table in MARKET_TABLES:
        pd.testing.assert_frame_equal(results[0][table], results[1][table])


def test_telemetry_describes_posts_orders_clears_and_prices(tmp_path):
    db = tmp_path / "posts.db"
    sim = Simulation("walrasian_two_markets", seed=1, telemetry=db).run(30)
    posts = read_table(db, "market_posts")
    assert posts.market_id.tolist() == [0, 1] and posts.mechanism.tolist() == ["walrasian", "posted_price"]
    assert posts[["x", "y"]].values.tolist() == [[15, 25], [35, 25]]
    assert posts.commodities.tolist() == ['["A", "B", "M"]', '["A", "M"]']
    clears = read_table(db, "market_clears")
    assert set(clears.commodity) <= {"A", "B"} and (clears.iterations >= 1).all()
    prices = read_table(db, "market_prices")
    assert set(prices.pair) <= {"A<->M", "B<->M"} and (prices.price > 0).all()
    stored = read_table(db, "trades")
    assert len(stored) == len(sim.trades_df())


def test_post_trades_and_orders_agree():
    sim = Simulation(post_economy("posted_price", count=30), seed=3)
    component = posts_of(sim)
    for tick in range(15):
        sim.step()
        orders = component.orders.columns(tick)
        trades = sim.trade_log.last if sim.trade_log.last_tick == tick else None
        filled = [q for q, s in zip(orders["quantity"], orders["status"]) if s in ("filled", "partial")]
        if trades is not None and len(trades["tick"]):
            bought = sum(trades["quantity_A"][trades["pair_type"] == "A<->M"])
            assert bought > 0 and len(filled) > 0
        assert all(s in ("filled", "partial", "unfilled", "rejected") for s in orders["status"])


def test_other_searches_still_reach_the_posts():
    for search in ("distance_discounted", "random_walk"):
        scenario = dict(post_economy("walrasian", count=30), protocols={"search": search})
        sim = Simulation(scenario, seed=2, check_invariants=True).run(30)
        assert (sim.trades_df().market_id == 0).sum() > 0
        assert type(sim.tick_state.search).__name__ == ("MarketAwareSearch" if search == "distance_discounted"
                                                          else "RandomWalkSearch")


MECHANISMS = [("walrasian", {}), ("posted_price", {"price_update_frequency": 2}), ("cda", {"strategy": "zi_c"}),
              ("cda", {"strategy": "truthful"}), ("cda", {"strategy": "zi_u"}), ("call", {"call_interval": 2}),
              ("dealer", {}), ("lmsr", {"liquidity": 5})]


@pytest.mark.parametrize("commodities", [("A", "B"), ("A", "B", "M")], ids=["barter", "money"])
@pytest.mark.parametrize("mechanism, params", MECHANISMS, ids=[f"{m}-{p.get('strategy', '')}" for m, p in MECHANISMS])
def test_every_mechanism_conserves_goods_and_never_lowers_a_utility(mechanism, params, commodities):
    sim = Simulation(post_economy(mechanism, commodities, params, count=24), seed=3, check_invariants=True)
    losses = _watch_rationality(sim, post_traders_only=False)
    sim.run(25)
    assert losses == []
    assert (sim.trades_df().market_id == 0).sum() > 0
    assert posts_of(sim).held_outside_agents().min() >= 0


def test_a_block_of_fills_makes_the_same_trade_rows_as_one_fill_at_a_time():
    units = np.array([0.01, 1e-6, 1e-9])
    q1, q2 = np.array([7, 3, 1], dtype=np.int64), np.array([7 * 913, 3 * 911, 905], dtype=np.int64)
    fills = np.zeros((3, len(FILL_FIELDS)), dtype=np.int64)
    fills[:, BUYER], fills[:, SELLER], fills[:, Q1], fills[:, Q2] = -1, [12, 13, 12], q1, q2
    fills[:, X], fills[:, Y] = [5, 6, 5], 6
    one_by_one, blocks = TradeRows(), TradeRows()
    for rows in (one_by_one, blocks):
        rows.add(4, 9, 1, 2, 1800, 3, 5, 6, units)
    for row in fills.tolist():
        one_by_one.add(row[BUYER], row[SELLER], 2, row[Q1], row[Q2], 3, row[X], row[Y], units)
    blocks.add_block(fills, 2, 3, units)
    blocks.add(4, 9, 1, 1, 900, 3, 5, 6, units)
    one_by_one.add(4, 9, 1, 1, 900, 3, 5, 6, units)
    expected, got = one_by_one.columns(8), blocks.columns(8)
    assert blocks.count == one_by_one.count == 5 and blocks.rows == one_by_one.rows
    for name, column in expected.items():
        assert got[name].dtype == column.dtype and got[name].tolist() == column.tolist(), name
    assert got["quantity_B"].tolist() == [0.0, 7 * 1e-6, 3 * 1e-6, 1e-6, 0.0]  # pair 1 trades A for M, pair 2 B for M
    assert got["price"][1:4].tolist() == pytest.approx([0.913, 0.911, 0.905], rel=1e-12)
    assert got["seller_id"].tolist() == [9, 12, 13, 12, 9] and got["x"].tolist() == [5, 5, 6, 5, 5]


def test_trade_rows_made_of_blocks_only_are_the_rows_of_one_fill_at_a_time():
    # Blocks alone are joined at once (the compiled clearings' case); the columns are the same.
    units, rng = np.array([0.01, 1e-6, 1e-9]), np.random.default_rng(2)
    one_by_one, blocks = TradeRows(), TradeRows()
    for k, post, size in [(1, 3, 4), (2, 0, 0), (2, 7, 3), (0, 3, 5)]:
        fills = rng.integers(1, 1000, (size, len(FILL_FIELDS)))
        blocks.add_block(fills, k, post, units)
        for row in fills.tolist():
            one_by_one.add(row[BUYER], row[SELLER], k, row[Q1], row[Q2], post, row[X], row[Y], units)
    expected, got = one_by_one.columns(8), blocks.columns(8)
    assert blocks.count == one_by_one.count == 12
    for name, column in expected.items():
        assert got[name].dtype == column.dtype and got[name].tolist() == column.tolist(), name


def test_a_clearing_stream_seeded_on_first_use_draws_what_a_generator_seeded_at_once_would():
    seed = (123, 4, 5, 1)
    stream, generator = SeededStream(seed), np.random.default_rng(seed)
    assert stream._generator is None  # nothing seeded until a draw
    assert stream.permutation(9).tolist() == generator.permutation(9).tolist()
    assert stream.integers([1, 5], [3, 50]).tolist() == generator.integers([1, 5], [3, 50]).tolist()


def test_posts_only_runs_refresh_quotes_when_read_to_what_they_would_have_been():
    # Nothing in a posts-only tick reads quotes, so housekeeping leaves them stale;
    # brought up to date when read, they equal quotes recomputed from scratch.
    sim = Simulation(post_economy("walrasian", count=12), seed=4)
    sim.run(4)
    ag = sim.world.agents
    assert not sim.tick_state.quotes_read_in_tick and ag.quotes_stale.any()
    sim.tick_state.refresh_quotes()
    lazy = ag.ask.copy(), ag.bid.copy()
    refresh_quotes(sim.world, sim.scenario.params.quote_spread, sim.tick_state.pair_active, only_stale=False)
    assert np.array_equal(lazy[0], ag.ask) and np.array_equal(lazy[1], ag.bid)
    mixed = Simulation(post_economy("walrasian", count=12, institution="mixed_bilateral_centralized"), seed=4)
    mixed.run(2)
    assert mixed.tick_state.quotes_read_in_tick and not mixed.world.agents.quotes_stale.any()


@pytest.mark.parametrize("mechanism, params", [("walrasian", {}), ("posted_price", {}), ("call", {}),
                                               ("call", {"strategy": "truthful"}), ("call", {"strategy": "zi_u"}),
                                               ("cda", {}), ("cda", {"strategy": "truthful"}),
                                               ("cda", {"strategy": "zi_u"}), ("dealer", {})])
def test_posts_cleared_at_once_trade_exactly_as_cleared_one_by_one(mechanism, params):
    # Five disjoint groups of participants at prices on both sides of equilibrium (the
    # one-price posts ration both sides, with ties): the parallel kernels of clear_many
    # leave the same holdings, records, orders and trades as clear, session by session.
    sim = Simulation(post_economy(mechanism, ("A", "B"), params, resources=False, count=60), seed=5)
    component, inventory = posts_of(sim), sim.world.agents.inventory
    start = inventory.copy()
    groups = [np.sort(g) for g in np.array_split(np.random.default_rng(1).permutation(60), 5)]

    def clear(at_once: bool):
        inventory[:] = start
        sessions = [component._session(3, 0, PAIR_AB, ids)._replace(price=price, mechanism=copy.deepcopy(
            component.mechanisms[0])) for ids, price in zip(groups, (40, 80, 100, 125, 250))]
        records = (type(sessions[0].mechanism).clear_many(sessions) if at_once
                   else [s.mechanism.clear(s.market, s.price) for s in sessions])
        logs = [(s.orders.columns(3), s.trades.columns(3)) for s in sessions]
        return records, [{name: [None if value != value else value for value in np.asarray(col).tolist()]
                           for log in pair for name, col in log.items()} for pair in logs], inventory.copy()

    (records, logs, held), (one_by_one, logs_one, held_one) = clear(True), clear(False)
    assert records == one_by_one and logs == logs_one and np.array_equal(held, held_one)
    assert sum(record.quantity for record in records) > 0 and not np.array_equal(held, start)


@pytest.mark.parametrize("mechanism", ["call", "cda"])
def test_a_replaced_strategy_makes_its_orders_in_python_and_still_clears_as_one_by_one(mechanism, monkeypatch):
    from vmt.markets.posts import strategies
    from vmt.markets.posts.strategy_kernels import compiled_strategies

    builtin, respects = strategies.get_strategy("zi_c")
    monkeypatch.setitem(strategies._STRATEGIES, "zi_c", (lambda *args: builtin(*args), respects))
    assert not compiled_strategies({"zi_c"}) and compiled_strategies({"truthful", "zi_u"})
    test_posts_cleared_at_once_trade_exactly_as_cleared_one_by_one(mechanism, {})


def test_dealer_sessions_whose_fills_outgrow_their_room_are_undone_and_run_alone(monkeypatch):
    from vmt.markets.posts.mechanisms import dealer

    monkeypatch.setattr(dealer, "FILL_ROOM", (0, 1))  # room for one fill per session: most outgrow it
    test_posts_cleared_at_once_trade_exactly_as_cleared_one_by_one("dealer", {})

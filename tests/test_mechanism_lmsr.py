"""The LMSR post: Hanson's price rule on a band, b ln 2 worst-case loss, rounding to the maker."""

from __future__ import annotations

import math

import numpy as np
import pytest

from test_market_posts_support import pair_market, post_economy, posts_of
from vmt.markets.posts.exchange import MAKER
from vmt.markets.posts.mechanisms import PostSetup, create_mechanism
from vmt.markets.posts.mechanisms.lmsr_kernels import log_sum_exps
from vmt.markets.posts.mechanisms.maker import MakerMechanism
from vmt.mechanisms.lmsr import LMSRMarket
from vmt.simulation import Simulation
from vmt.world.state import PAIR_AM
from vmt.world.valuation import utilities


def _lmsr(sim, **params):
    setup = PostSetup(0, (PAIR_AM,), sim.world.units, np.array([1.0, 0.01, 0.01]), {PAIR_AM: 100})
    return create_mechanism("lmsr", {"inventory": 40, "cash": 400, **params}, setup)


def test_prices_follow_the_logistic_rule_and_payments_round_for_the_maker():
    sim = Simulation(post_economy("lmsr", ("A", "M"), resources=False, count=4), seed=0)
    lmsr = _lmsr(sim, liquidity=5, price_band=0.5)  # band [50, 150] ticks around 100
    assert lmsr.marginal_price(PAIR_AM) == pytest.approx(100.0)
    exact_ask = 50 + 100 * 5 * (math.log(1 + math.exp(1 / 5)) - math.log(2))  # integral of p(q) over one unit
    exact_bid = 50 + 100 * 5 * (math.log(2) - math.log(1 + math.exp(-1 / 5)))
    assert lmsr.ask_payment(PAIR_AM) == math.ceil(exact_ask) and lmsr.bid_payment(PAIR_AM) == math.floor(exact_bid)
    lmsr.traded(PAIR_AM, agent=3, side=1)
    assert lmsr.marginal_price(PAIR_AM) == pytest.approx(50 + 100 / (1 + math.exp(-1 / 5)))


@pytest.mark.parametrize("seed", range(3))
def test_worst_case_loss_stays_within_b_ln_2_and_trades_are_individually_rational(seed):
    sim = Simulation(post_economy("lmsr", ("A", "M"), resources=False, count=30), seed=seed)
    lmsr = _lmsr(sim, liquidity=3, price_band=0.9)
    start_cash, start_stock = lmsr.account.holdings[2], lmsr.account.holdings[0]
    for tick in range(4):
        before = utilities(sim.world)
        lmsr.clear(pair_market(sim, PAIR_AM, tick=tick, seed=tick), 100)
        assert np.all(utilities(sim.world) >= before - 1e-12)
    market = lmsr.markets[PAIR_AM]
    assert market.worst_case_loss() <= market.loss_bound + 1e-9
    assert market.loss_bound == pytest.approx(3 * math.log(2))
    sold = start_stock - lmsr.account.holdings[0]
    cash_in = lmsr.account.holdings[2] - start_cash
    lo, hi = lmsr.band[PAIR_AM]
    assert abs(sold) > 0
    for value in (lo, hi):  # the maker's loss if the good turns out worth either end of the band
        assert sold * value - cash_in <= lmsr.loss_bound_money(PAIR_AM) + 1e-6


def test_lmsr_post_on_the_grid_conserves_goods_and_stays_solvent():
    sim = Simulation(post_economy("lmsr", ("A", "B", "M"), {"liquidity": 5, "inventory": 5, "cash": 5}, count=24),
                     seed=2, check_invariants=True)
    component = posts_of(sim)
    for _ in range(20):
        sim.step()
        assert component.held_outside_agents().min() >= 0
    assert (sim.trades_df().market_id == 0).sum() > 0



def _first_unit_not_worth_it(lmsr, market, agent: int, side: int, most: int) -> int:
    """Reference: walk the order one unit at a time, each at its exact marginal LMSR cost, and stop
    before the first unit that does not strictly raise the trader's utility or cannot be paid/delivered."""
    held, maker_held = market.holdings(agent), market.holdings(MAKER)
    for j in range(1, most + 1):
        before, total = lmsr.lot_value(PAIR_AM, side, j - 1), lmsr.lot_value(PAIR_AM, side, j)
        payment = lmsr.lot_payment(PAIR_AM, side, j)
        if side == 1:
            affordable = payment <= held[1] and j <= maker_held[0]
            gain = market.gain(agent, market.first, 1, market.second, total - before, traded=(j - 1, -before))
        else:
            affordable = payment is not None and payment <= maker_held[1] and j <= held[0]
            gain = market.gain(agent, market.second, total - before, market.first, 1, traded=(1 - j, before))
        if not affordable or gain <= 0.0:
            return j - 1
    return most


def _served_alone(sim, start, agent: int, fill):
    """Serve ``agent`` alone at a fresh maker with ``fill(lmsr, market, side, wanted)``; None if it wants nothing."""
    sim.world.agents.inventory[:] = start
    lmsr = _lmsr(sim, liquidity=3, price_band=0.9)
    market = pair_market(sim, PAIR_AM, ids=[agent], maker=lmsr.account)
    side, payment = lmsr._side(market, agent)
    wanted = int(market.units_at(payment, side, strict=True, ids=[agent])[0]) if side else 0
    if wanted == 0:
        return None
    return lmsr, market, side, wanted, fill(lmsr, market, side, wanted)


FINE = {"A": 0.01, "B": 0.01, "M": 0.0001}


@pytest.mark.parametrize("units", [None, FINE], ids=["coarse", "fine"])
def test_an_order_filled_in_one_step_stops_where_unit_by_unit_buying_at_lmsr_costs_would(units):
    sim = Simulation(post_economy("lmsr", ("A", "M"), resources=False, count=30, units=units), seed=1)
    start, compared = sim.world.agents.inventory.copy(), 0
    for agent in range(30):
        def both(lmsr, market, side, wanted):
            expected = _first_unit_not_worth_it(lmsr, market, agent, side, wanted)
            payment = lmsr.lot_payment(PAIR_AM, side, expected)
            return expected, payment, lmsr._fill_lot(market, agent, side, wanted, [])

        served = _served_alone(sim, start, agent, both)
        if served is None:
            continue
        lmsr, market, side, wanted, (expected, payment, filled) = served
        assert filled == expected >= 1
        assert lmsr.markets[PAIR_AM].quantities[0 if side == 1 else 1] == filled  # one purchase of n shares
        assert np.array_equal(sim.world.agents.inventory[agent] - start[agent], [side * filled, 0, -side * payment])
        if filled < wanted:  # stopped by value, cash or stock: one more unit at the new quote is refused
            quote = lmsr.ask_payment(PAIR_AM) if side == 1 else lmsr.bid_payment(PAIR_AM)
            assert quote is None or not lmsr._worth(market, agent, side, quote) \
                or market.holdings(agent)[1 if side == 1 else 0] < (quote if side == 1 else 1) \
                or market.holdings(MAKER)[0 if side == 1 else 1] < (1 if side == 1 else quote)
        compared += 1
    assert compared >= 20


@pytest.mark.parametrize("units", [None, FINE], ids=["coarse", "fine"])
def test_rounding_a_lot_once_never_serves_a_trader_worse_than_rounding_each_unit(units):
    # The former rule: one unit per quote, each payment rounded for the maker. The trader then pays
    # a rounding margin per unit, so it stops no later, and pays at least the lot's single rounding.
    sim = Simulation(post_economy("lmsr", ("A", "M"), resources=False, count=30, units=units), seed=2)
    start = sim.world.agents.inventory.copy()
    for agent in range(30):
        per_unit = _served_alone(sim, start, agent, lambda lmsr, market, side, wanted: sum(
            iter(lambda: MakerMechanism._fill_lot(lmsr, market, agent, side, 1, []), 0)))
        if per_unit is None:
            continue
        lmsr, market, side, wanted, traded_per_unit = per_unit
        cash_per_unit = sim.world.agents.inventory[agent, 2] - start[agent, 2]
        lmsr, market, side, wanted, traded = _served_alone(
            sim, start, agent, lambda lmsr, market, side, wanted: lmsr._fill_lot(market, agent, side, wanted, []))
        assert min(traded_per_unit, wanted) <= traded
        fresh = _lmsr(sim, liquidity=3, price_band=0.9)
        if traded_per_unit:
            assert side * fresh.lot_payment(PAIR_AM, side, traded_per_unit) <= -cash_per_unit


@pytest.mark.parametrize("side", [1, -1])
def test_a_lot_pays_the_lmsr_integral_rounded_once_for_the_maker(side):
    # n units bought from q = 0 cost, and n units sold bring, the integral of the logistic price
    # p(q) = 50 + 100 / (1 + exp(-q / 5)) over [0, n] or [-n, 0]; the payment is that, rounded for the maker.
    sim = Simulation(post_economy("lmsr", ("A", "M"), resources=False, count=4), seed=0)
    lmsr = _lmsr(sim, liquidity=5, price_band=0.5)  # band [50, 150] ticks, b = 5 units
    for n in (1, 2, 7, 40):
        q = n if side == 1 else -n
        exact = 50 * n + 100 * 5 * abs(math.log((1 + math.exp(q / 5)) / 2))
        payment = lmsr.lot_payment(PAIR_AM, side, n)
        assert (payment - 1 < exact <= payment) if side == 1 else (payment <= exact < payment + 1)
        unit_by_unit = 0
        for _ in range(n):  # rounding each unit separately costs the trader more
            unit_by_unit += lmsr.lot_payment(PAIR_AM, side, 1)
            lmsr.traded(PAIR_AM, agent=0, side=side)
        lmsr.markets[PAIR_AM].quantities[:] = 0.0
        assert (payment <= unit_by_unit) if side == 1 else (payment >= unit_by_unit)


@pytest.mark.parametrize("units", [None, FINE], ids=["coarse", "fine"])
def test_compiled_session_trades_exactly_as_the_shared_python_loop(units):
    # Same economy twice: the LMSR maker's compiled session against the market makers' Python loop
    # (participant by participant, each lot through PairMarket.fill and LMSRMarket.buy): same holdings,
    # fills, orders, records, shares sold and money collected, tick after tick.
    sims = [Simulation(post_economy("lmsr", ("A", "M"), resources=False, count=30, units=units), seed=3)
            for _ in range(2)]
    makers = [_lmsr(sim, liquidity=2, price_band=0.9) for sim in sims]
    makers[1].clear = lambda market, price: MakerMechanism.clear(makers[1], market, price)
    fills = 0
    for tick in range(3):
        markets = [pair_market(sim, PAIR_AM, tick=tick, seed=tick, maker=lmsr.account) for sim, lmsr in zip(sims, makers)]
        compiled, reference = (lmsr.clear(market, 100) for lmsr, market in zip(makers, markets))
        assert vars(compiled) == vars(reference)
        assert markets[0]._trades.rows == markets[1]._trades.rows
        assert markets[0]._orders.rows == markets[1]._orders.rows
        assert np.array_equal(sims[0].world.agents.inventory, sims[1].world.agents.inventory)
        assert np.array_equal(makers[0].account.holdings, makers[1].account.holdings)
        lmsr, python = makers[0].markets[PAIR_AM], makers[1].markets[PAIR_AM]
        assert lmsr.quantities.tolist() == python.quantities.tolist() and lmsr.collected == python.collected
        fills += len(markets[0]._trades.rows)
    assert fills > 20


def test_the_log_sum_exps_of_a_session_are_those_of_the_cost_function():
    market = LMSRMarket(("high", "low"), 37.5)
    table = log_sum_exps(-700, 1400, market.liquidity)
    for balance in range(-700, 700, 7):
        market.quantities[:] = (1000.0, 1000.0 + balance)
        assert market.cost_terms("high")[1] == table[0, balance + 700]
        assert market.cost_terms("low")[1] == table[1, balance + 700]

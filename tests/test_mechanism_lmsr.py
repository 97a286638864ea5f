"""The LMSR post: Hanson's price rule on a band, b ln 2 worst-case loss, rounding to the maker."""

from __future__ import annotations

import math

import numpy as np
import pytest

from test_market_posts_support import pair_market, post_economy, posts_of
from vmt.markets.posts.mechanisms import PostSetup, create_mechanism
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

"""Coordination markets: hand-worked small cases, invariants every tick, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vmt.mechanisms import HarbergerRegistry, Ledger
from vmt.mechanisms.call_auction import uniform_price_call
from vmt.task_economy.bundles import Feature, task_by_task_round, vcg_round
from vmt.task_economy.coordination import SINGLE_RUNNERS
from vmt.task_economy.coordination_config import parse_coordination_config
from vmt.task_economy.coupling import CouplingWorld, plan_change, simulate_coupling
from vmt.task_economy.debt import DebtBook, DebtToken, DebtWorld, accrue_interest, crisis_paydown, sell_token
from vmt.task_economy.debt import service_debt
from vmt.task_economy.expertise import HelpMarket, HelpRequests, reputation, work_saved
from vmt.task_economy.forecasts import brier_score, calibration_table, posterior, shares_to_target
from vmt.task_economy.ownership import assess_and_tax, forced_sales
from vmt.task_economy.population import Workforce
from vmt.task_economy.public_goods import fund_suites
from vmt.task_economy.resources import clear_tick

TINY = parse_coordination_config({
    "workers": 5, "ticks": 12,
    "markets": {"coupling": {"modules": 5}, "forecasts": {"markets_per_run": 8},
                "bundles": {"rounds": 1, "features_per_round": 2, "candidates_per_part": 2}}})


def workforce(unit_cost, proficiency, capacity=None) -> Workforce:
    unit_cost = np.asarray(unit_cost, float)
    capacity = np.ones(len(unit_cost)) if capacity is None else np.asarray(capacity, float)
    return Workforce(capacity, capacity, unit_cost, np.asarray(proficiency, float))


# --- resource market ------------------------------------------------------------------------------

def test_three_worker_resource_auction():
    """A owns 2 idle cores; B needs 1 at 5, C needs 2 at 3. Bids 5, 3, 3 against asks 0, 0: two
    cores trade at the one price in [max(ask_2, bid_3), min(bid_2, ask_3)] = [3, 3]."""
    held, paid, price = clear_tick(np.array([2, 0, 0]), np.array([0, 1, 2]), np.array([1.0, 5.0, 3.0]),
                                   np.array([50.0, 50.0, 50.0]))
    assert price == 3.0
    assert held.tolist() == [0, 1, 1]
    assert paid.tolist() == [-6.0, 3.0, 3.0]


def test_budget_limits_bids_and_abundance_drops_the_price():
    """C can afford no core at its value 3, so only B bids; one idle core is left over and the price
    falls to the asks' level, 0 (cores abundant)."""
    held, paid, price = clear_tick(np.array([2, 0, 0]), np.array([0, 1, 2]), np.array([1.0, 5.0, 3.0]),
                                   np.array([50.0, 50.0, 2.0]))
    assert (price, held.tolist(), paid.tolist()) == (0.0, [1, 1, 0], [0.0, 0.0, 0.0])


def test_used_cores_are_sold_only_above_their_value():
    """Worker 0 uses both its cores at value 1; worker 1 bids 4 for two cores: both trade at 2.5
    (midpoint of [max(1, -), min(4, -)])."""
    held, paid, price = clear_tick(np.array([2, 0]), np.array([2, 2]), np.array([1.0, 4.0]), np.array([0.0, 50.0]))
    assert (price, held.tolist(), paid.tolist()) == (2.5, [0, 2], [-5.0, 5.0])


def test_call_auction_without_crossing_has_no_trade_and_ties_go_to_the_first_order():
    assert uniform_price_call([1.0], [2.0]).volume == 0
    outcome = uniform_price_call([3.0, 3.0], [1.0])
    assert (outcome.volume, outcome.buying_bids.tolist(), outcome.price) == (1, [0], 3.0)


# --- expertise market -----------------------------------------------------------------------------

def test_two_helper_reputation_sequence():
    """Buyer 0 lacks skill 0; helper 1 (quality 0.2) and helper 2 (quality 0.9) have it. Both start at
    reputation 0.5 and price 1.5, so the first request goes to helper 1 (lowest index); its rating 0.2
    gives r = (2 * 0.5 + 0.2) / 3 = 0.4 and price 1.4. For the second request (effort 6, p0 = 0.3) the
    expected surplus is 20 - 6 / 0.58 - 1.4 = 8.26 from helper 1 and 20 - 6 / 0.65 - 1.5 = 9.27 from
    helper 2, who wins and is rated 0.9: r = 1.9 / 3."""
    config = parse_coordination_config({"workers": 3, "markets": {"expertise": {"rating_noise": 0.0}}})
    params = config.markets.expertise
    team = workforce([1.0, 1.0, 1.0], [[0, 1], [1, 0], [1, 0]])
    market = HelpMarket(params, team, np.array([0.5, 0.2, 0.9]), "reputation")
    requests = HelpRequests(np.array([0, 1]), np.array([0, 0]), np.array([0, 0]), np.array([6.0, 6.0]),
                            np.zeros(2), np.zeros(2))
    free = np.array([False, True, True])
    for r, expected in ((0, (1, 1.5)), (1, (2, 1.5))):
        helper, price = market.choose(requests, r, free)
        assert (helper, price) == pytest.approx(expected)
        market.trade(requests, r, helper, price)
        if r == 0:
            assert market.reputations()[1] == pytest.approx(0.4)
    assert market.reputations() == pytest.approx([0.5, 0.4, 1.9 / 3])
    assert market.earnings.tolist() == pytest.approx([0.0, 1.5, 1.5])
    assert market.saved == pytest.approx(20 - 6 / 0.44 + 20 - 6 / 0.93)
    assert market.ledger.balance(0) == pytest.approx(params.initial_budget - 3.0)


def test_speed_rule_and_reputation_estimator():
    params = parse_coordination_config({}).markets.expertise
    assert work_saved(params, 3.0, 0.0) == 0.0
    assert work_saved(params, 3.0, 1.0) == pytest.approx(3 / 0.3 - 3)
    assert reputation(params, np.array([0.0, 3.0]), np.array([0, 3])).tolist() == pytest.approx([0.5, 0.8])


# --- technical debt -------------------------------------------------------------------------------

def test_one_debt_token_through_maturity_and_the_crisis_rule():
    """Principal 10 at 10% until maturity (tick 2), 20% after: 11, 12.1, then 14.52 at tick 2. Total
    12.1 > 12 at tick 1 is no crisis (nothing overdue yet); at tick 2 the overdue 14.52 is retired and
    charged 3 : 1 by benefit: obligations 10.89 and 3.63. Worker 0 then works 5 ticks at rho 0.5."""
    params = parse_coordination_config({"markets": {"debt": {
        "interest": 0.1, "overdue_interest": 0.2, "crisis_threshold": 6.0}}}).markets.debt
    book = DebtBook(tokens=[DebtToken(0, 0, 10.0, 2)], obligations=np.zeros(2), benefit=np.array([3.0, 1.0]))
    totals = []
    for t in range(3):
        accrue_interest(book, params, t)
        totals.append(book.total)
        crisis = crisis_paydown(book, params, t)
        assert crisis == (t == 2)
    assert totals == pytest.approx([11.0, 12.1, 14.52])
    assert book.tokens == [] and book.flows["retired"] == pytest.approx(14.52)
    assert book.obligations.tolist() == pytest.approx([10.89, 3.63])
    assert service_debt(book, 0, 5.0, 0.5) == 5.0
    assert book.obligations[0] == pytest.approx(10.89 - 2.5)


def test_debt_token_goes_to_the_cheapest_payer_at_the_second_lowest_cost():
    """Costs per unit of debt theta / rho: creator 0 pays 2, worker 1 1.5, worker 2 1. With no interest
    the bids are 10 * that: worker 2 wins and is paid worker 1's 15 by the creator (whose own cost 20
    is the reserve)."""
    params = parse_coordination_config({"markets": {"debt": {"interest": 0.0, "overdue_interest": 0.0}}}).markets.debt
    world = DebtWorld(np.ones(3), np.array([2.0, 1.5, 1.0]), np.ones(3), np.ones((3, 1)))
    token = DebtToken(0, 0, 10.0, 15)
    book, ledger = DebtBook(tokens=[token]), Ledger({0: 30.0, 1: 0.0, 2: 0.0})
    assert sell_token(book, world, params, token, ledger) == (10.0, 15.0, 20.0)
    assert token.holder == 2
    assert ledger.balances == {0: 15.0, 1: 0.0, 2: 15.0}


# --- coupling tax ---------------------------------------------------------------------------------

def one_module_world() -> CouplingWorld:
    """Module 1 depends on module 0 (owned by worker 0; module 1 by worker 1). One task: worker 0
    changes module 0, effort 4, decoupling overhead 0.4; module 1 would break (draw 0.3 < 0.5)."""
    depends = np.array([[False, False], [True, False]])
    return CouplingWorld(depends, np.array([0, 1]), workforce([1.0, 2.0], [[1.0], [1.0]]), np.array([0]),
                         np.array([0]), np.array([0]), np.array([4.0]), np.array([0.4]), np.array([[0.9, 0.3]]))


@pytest.mark.parametrize("rate, direct, tax", [(0.0, True, {}), (0.25, True, {1: 0.5}), (1.0, False, {})])
def test_one_module_coupling_tax(rate, direct, tax):
    """Expected downstream cost 0.5 * 0.5 * 4 * theta_1 (2) = 2. Direct costs the changer 4 (+ tax),
    decoupled 4 * 1.4 = 5.6. Untaxed or at 0.25 (4.5 < 5.6) it changes directly and breaks module 1;
    at the Pigouvian rate 4 + 2 > 5.6, so it decouples, the cheaper way for everyone (5.6 < 6)."""
    params = parse_coordination_config({"markets": {"coupling": {"modules": 2}}}).markets.coupling
    world, beta = one_module_world(), np.full(2, 0.5)
    plan = plan_change(world, params, beta, rate, 0, 100.0)
    assert plan.direct == direct and plan.tax == pytest.approx(tax)
    result = simulate_coupling(world, params, beta, rate, ticks=10, checked=True)
    assert result["breakage_cost_per_tick"] == pytest.approx(0.4 if direct else 0.0)  # 2 repair units at 2, / 10
    assert result["social_cost_per_task"] == pytest.approx(4 + 4 if direct else 5.6)
    assert result["tax_paid_per_tick"] == pytest.approx(sum(tax.values()) / 10)


def test_a_changer_who_cannot_pay_the_tax_decouples():
    params = parse_coordination_config({"markets": {"coupling": {"modules": 2}}}).markets.coupling
    assert not plan_change(one_module_world(), params, np.full(2, 0.5), 0.25, 0, 0.4).direct


# --- assurance contracts --------------------------------------------------------------------------

@pytest.mark.parametrize("values, provision, funded, entrepreneur_cost", [
    ([15, 12, 11], "assurance", True, 0.0),            # equal share 10, everyone confident: met
    ([15, 12, 5], "assurance", False, 0.0),            # worker 2 values it below its share: missed, refunded
    ([15, 12, 5], "dominant_assurance", False, 1.0),   # missed: two pledgers collect the 0.5 bonus
    ([15, 12, 11], "dominant_assurance", True, 0.0),   # met: bonuses return to the entrepreneur
    ([15, 12, 11], "voluntary", False, 0.0),           # nobody values it at the full 30 alone
    ([31, 0, 0], "voluntary", True, 0.0),
])
def test_pledge_threshold_met_and_missed(values, provision, funded, entrepreneur_cost):
    config = parse_coordination_config({"workers": 3, "markets": {"public_goods": {
        "suite_cost": 30.0, "refund_bonus": 0.5, "pledge_confidence": 0.6}}})
    built, cost = fund_suites(config, np.array(values, float)[:, None], provision, np.full((3, 1), 0.1),
                              checked=True)
    assert built.tolist() == [funded] and cost == pytest.approx(entrepreneur_cost)


def test_plain_assurance_fails_without_confidence():
    config = parse_coordination_config({"workers": 3, "markets": {"public_goods": {"suite_cost": 30.0}}})
    built, _ = fund_suites(config, np.array([[15.0], [12.0], [11.0]]), "assurance", np.array([[0.1], [0.1], [0.9]]))
    assert not built[0]


# --- Harberger ownership --------------------------------------------------------------------------

def test_harberger_forced_sale():
    """A owns the module at 100 and pays 5% = 5; B values it at 200, pays A 100 and owns it at 200,
    then pays 10 a period."""
    ledger = Ledger({"treasury": 0.0, 0: 50.0, 1: 500.0})
    registry = HarbergerRegistry(ledger, 0.05)
    registry.register(0, 0, 100.0)
    values = np.array([[100.0], [200.0]])
    assert assess_and_tax(registry, values, [0]) == 5.0
    assert forced_sales(registry, values, checked=True, t=0) == 1
    assert (registry.holding(0).owner, ledger.balance(0), ledger.balance(1)) == (1, 145.0, 400.0)
    assert assess_and_tax(registry, values, [1]) == 10.0
    assert forced_sales(registry, values, checked=True, t=1) == 0


# --- LMSR deadline forecasts ----------------------------------------------------------------------

def test_lmsr_forecast_and_its_score():
    """b = 10: moving the price from 0.5 to 0.8 takes 10 ln 4 = 13.86 shares of "hit", costing
    10 ln 2.5 = 9.16; if the task meets its deadline they pay 13.86 (profit 4.70) and the forecast
    0.8 scores (0.8 - 1)^2 = 0.04."""
    from vmt.mechanisms import LMSRMarket

    outcome, shares = shares_to_target(0.5, 0.8, 10.0)
    assert (outcome, shares) == (1, pytest.approx(10 * math.log(4)))
    market = LMSRMarket(("miss", "hit"), 10.0)
    paid = market.buy("trader", outcome, shares)
    assert paid == pytest.approx(10 * math.log(2.5))
    assert market.prices()[1] == pytest.approx(0.8)
    assert market.settle(1)["trader"] - paid == pytest.approx(10 * math.log(4) - 10 * math.log(2.5))
    assert brier_score([0.8], [1.0]) == pytest.approx(0.04)


def test_bayes_update_and_calibration_table():
    assert posterior(0.5, True, 0.8) == pytest.approx(0.8)
    assert posterior(0.8, False, 0.8) == pytest.approx(0.5)
    table = calibration_table(np.array([0.05, 0.15, 0.95, 0.95]), np.array([0.0, 1.0, 1.0, 0.0]))
    assert table == [(0.05, 0.0, 1), (0.15, 1.0, 1), (0.95, 0.5, 2)]


# --- VCG vs task-by-task for bundled tasks --------------------------------------------------------

def bundle_team():
    """Workers 0 and 2 do skill 0 at costs 2 and 4, worker 1 does skill 1 at cost 3 (effort 1 each)."""
    return np.array([2.0, 3.0, 4.0]), np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])


def test_vcg_pays_each_worker_its_externality_and_can_run_a_deficit():
    """Feature of value 10 needing skills 0 and 1. Best team (0, 1): W* = 5; without worker 0 the best
    is (2, 1): 3, so p_0 = 2 + 2 = 4; without worker 1 nothing: p_1 = 3 + 5 = 8. Pay 12 > value 10."""
    cost, skill = bundle_team()
    params = TINY.markets.bundles
    result, pay = vcg_round([Feature((0, 1), (1.0, 1.0), 10.0)], cost, skill, params)
    assert pay == {0: pytest.approx((2.0, 4.0)), 1: pytest.approx((3.0, 8.0))}
    assert (result.completed, result.value, result.cost, result.payments) == (1, 10.0, 5.0, pytest.approx(12.0))


def test_task_by_task_auctions_leave_the_requester_exposed():
    """Same team, but worker 1's cost 6 exceeds the value share 5 of its part: part by part, worker 0
    is hired for part one (paid worker 2's 4) and part two fails, wasting cost 2; VCG sees the team is
    still worth 10 - 8 = 2 > 0 and builds the feature."""
    cost, skill = bundle_team()
    cost[1] = 6.0
    feature = [Feature((0, 1), (1.0, 1.0), 10.0)]
    result, pay = task_by_task_round(feature, cost, skill)
    assert (result.completed, result.wasted_cost, pay) == (0, 2.0, {0: (2.0, 4.0)})
    assert vcg_round(feature, cost, skill, TINY.markets.bundles)[0].completed == 1


# --- every market: invariants every tick, determinism, baseline differs --------------------------

@pytest.mark.parametrize("market", list(SINGLE_RUNNERS))
def test_every_market_keeps_its_invariants_and_is_deterministic(market):
    runner = SINGLE_RUNNERS[market]
    for enabled in (False, True):
        config = TINY.with_switch(market, enabled)
        first = runner(config, 3, checked=True)
        again = runner(config, 3, checked=True)
        assert list(first) == list(again)
        assert np.array_equal(list(first.values()), list(again.values()), equal_nan=True)


def test_resource_market_settles_every_tick_over_many_seeds():
    """Float round-off between buyers' and sellers' sums never overdraws the exchange."""
    config = parse_coordination_config({"workers": 8, "ticks": 40})
    for seed in range(12):
        SINGLE_RUNNERS["resources"](config, seed, checked=True)

"""Assurance contracts that fund test suites, a public good of the coupling economy.

Model
-----
A test suite on module ``m`` costs ``suite_cost`` (paid to an outside
builder) and multiplies the probability that a direct change of ``m`` breaks
each dependent by ``1 - breakage_cut``. Worker ``i``'s value of the suite is
the repair cost it expects to save on the modules it owns,

    v_im = n_m * sum_{d in dependents(m), owner(d) = i} beta * cut * repair_share * E[e] * theta_i,

with ``n_m = ticks * tasks_per_tick / M`` the expected number of changes of
``m`` over the run (counted as if all were direct). The suite benefits every
owner of a dependent (the *stakeholders*), whether they paid or not.

* No contract (baseline): voluntary provision; a suite is built only by a
  stakeholder whose own value covers the whole cost (the others free ride).
* Assurance contract: each stakeholder is asked for an equal share
  ``p = suite_cost / (number of stakeholders)``; the threshold is the full
  cost, so the suite is built only if every stakeholder pledges, otherwise
  all pledges are refunded (:class:`~vmt.mechanisms.AssuranceContract`);
  a failed contract leaves voluntary provision as it was.
  Not pledging is also an equilibrium of a plain contract, so a stakeholder
  with ``v >= p`` pledges only if it expects the others to: with probability
  ``pledge_confidence`` (drawn once per worker and module).
* Dominant assurance contract: an entrepreneur adds a refund bonus paid to
  every pledger if the threshold fails, which makes pledging dominant for
  anyone with ``v >= p``; it funds the bonuses.

The funded suites then cut breakage in a run of the coupling economy
(without the tax, so only the public good differs). Measured: suites funded,
breakage cost, net welfare per tick (repair cost saved minus money spent on
suites, against the same run without suites) and the entrepreneur's cost.
"""

from __future__ import annotations

import numpy as np

from vmt.mechanisms import AssuranceContract, OverdraftError
from vmt.task_economy.accounts import market_rng, money_conserved, require, worker_ledger
from vmt.task_economy.config import EconomyConfig
from vmt.task_economy.coordination_config import CoordinationConfig
from vmt.task_economy.coupling import CouplingWorld, draw_coupling_world, run_coupling

PROVISIONS = ("voluntary", "assurance", "dominant_assurance")
ENTREPRENEUR_FUNDS = 1e6


def suite_values(config: CoordinationConfig, world: CouplingWorld) -> np.ndarray:
    """``v[i, m]``: worker ``i``'s expected repair-cost saving from a suite on module ``m``."""
    coupling, goods = config.markets.coupling, config.markets.public_goods
    economy = EconomyConfig()
    mean_effort = (economy.effort_low + economy.effort_high) / 2
    changes = config.ticks * coupling.tasks_per_tick / coupling.modules
    per_break = coupling.breakage_probability * goods.breakage_cut * coupling.repair_share * mean_effort
    values = np.zeros((config.workers, coupling.modules))
    for m in range(coupling.modules):
        for d in world.dependents(m):
            owner = world.owner[d]
            values[owner, m] += changes * per_break * world.workforce.unit_cost[owner]
    return values


def fund_suites(config: CoordinationConfig, values: np.ndarray, provision: str, confidence_draw: np.ndarray,
                checked: bool = False) -> tuple[np.ndarray, float]:
    """Which modules get a suite under ``provision``, and the entrepreneur's net cost."""
    goods, n = config.markets.public_goods, config.workers
    modules = values.shape[1]
    ledger = worker_ledger(n, 0.0, entrepreneur=ENTREPRENEUR_FUNDS)
    for i in range(n):  # each worker can pledge up to its value of every suite
        ledger.mint(i, float(values[i].sum()), memo="budget for suites")
    funded = np.zeros(modules, dtype=bool)
    for m in range(modules):
        ledger.open_account(("builder", m))
        funded[m] = _provide(goods, values[:, m], provision, confidence_draw[:, m], ledger, m)
        if checked:
            require(money_conserved(ledger), f"money conserved (contract on module {m})", 0)
    return funded, ENTREPRENEUR_FUNDS - ledger.balance("entrepreneur")


def _provide(goods, values: np.ndarray, provision: str, confidence: np.ndarray, ledger, m: int) -> bool:
    stakeholders = np.flatnonzero(values > 0)
    if not len(stakeholders):
        return False
    alone = bool(values.max() >= goods.suite_cost)
    if provision == "voluntary":
        return alone
    share = goods.suite_cost / len(stakeholders)
    bonus = goods.refund_bonus if provision == "dominant_assurance" else 0.0
    contract = AssuranceContract(ledger, ("builder", m), goods.suite_cost, refund_bonus=bonus,
                                 entrepreneur="entrepreneur" if bonus > 0 else None, name=("suite", m))
    for i in stakeholders:
        willing = values[i] >= share and (bonus > 0 or confidence[i] < goods.pledge_confidence)
        if willing:
            try:
                contract.pledge(int(i), share)
            except OverdraftError:
                continue
    return contract.resolve().funded or alone


def run_public_goods(config: CoordinationConfig, seed: int, provision: str | None = None,
                     checked: bool = False) -> dict[str, float]:
    """Fund suites under ``provision`` (default: dominant assurance if on, voluntary if off), then run
    the coupling economy without the tax with and without them."""
    goods = config.markets.public_goods
    provision = provision or ("dominant_assurance" if goods.enabled else "voluntary")
    world = draw_coupling_world(config, seed)
    values = suite_values(config, world)
    confidence = market_rng(seed, "public_goods").random(values.shape)
    funded, entrepreneur_cost = fund_suites(config, values, provision, confidence, checked)
    untaxed = config.with_switch("coupling", False)
    bare = run_coupling(untaxed, seed, checked=checked)
    built = run_coupling(untaxed, seed, suites=funded, checked=checked)
    saved = bare["breakage_cost_per_tick"] - built["breakage_cost_per_tick"]
    spent = funded.sum() * goods.suite_cost / config.ticks
    return {"suites_funded": float(funded.sum()), "breakage_cost_per_tick": built["breakage_cost_per_tick"],
            "net_welfare_per_tick": saved - spent, "throughput": built["throughput"],
            "entrepreneur_cost": float(entrepreneur_cost)}

"""Extending VMT from a notebook or a package: one import for researchers.

Everything a new protocol, mechanism or reporter needs, and
:func:`check_protocol`, the contract test that every built-in protocol
passes and a researcher's protocol must pass too (see ``docs/extending.md``)::

    from vmt.extend import register_bargaining_rule, check_protocol
"""

from __future__ import annotations

import copy

import numpy as np

from vmt.economics.user_families import FamilyParams, FamilyRegistrationError, register_family, unregister_family
from vmt.markets.posts.mechanisms import (ClearRecord, Mechanism, MechanismParams, register_mechanism,
                                         unregister_mechanism)
from vmt.markets.posts.mechanisms.base import trade_at_one_price
from vmt.protocols.context import MAX_CANDIDATES, Candidates, TickContext, hashed_uniform
from vmt.protocols.contract import (
    NO_TRADE,
    BargainingState,
    ContractViolation,
    bargaining_state,
    check_proposals,
    exchange_pairs_by_gap,
    largest_block_at,
    payment_at,
    register_bargaining_rule,
    trade_gains,
)
from vmt.protocols.registry import ProtocolParams, register, unregister
from vmt.simulation.collect import AGENT_REPORTERS, MODEL_REPORTERS

__all__ = [
    "AGENT_REPORTERS", "MAX_CANDIDATES", "MODEL_REPORTERS", "NO_TRADE", "BargainingState", "Candidates",
    "ClearRecord", "ContractViolation", "FamilyParams", "FamilyRegistrationError", "Mechanism", "MechanismParams",
    "ProtocolParams", "TickContext", "bargaining_state", "check_family", "check_mechanism", "check_protocol",
    "contract_economy", "exchange_pairs_by_gap", "hashed_uniform", "largest_block_at", "payment_at", "register",
    "register_bargaining_rule", "register_family", "register_mechanism", "trade_at_one_price", "trade_gains",
    "unregister", "unregister_family", "unregister_mechanism",
]


def contract_economy(regime: str = "mixed", agents: int = 16) -> dict:
    """The small economy the contract test runs: two Cobb-Douglas types on a
    10×10 grid with foraging, money held by everyone (so every exchange pair
    of ``regime`` can trade)."""
    group = lambda n, alpha, a, b: {  # noqa: E731
        "count": n, "utility": {"family": "cobb_douglas", "params": {"alpha": alpha, "beta": 1 - alpha}},
        "endowment": {"A": a, "B": b, "M": [20, 40]},
    }
    return {
        "name": "contract-economy", "grid": {"width": 10, "height": 10},
        "units": {"A": 0.01, "B": 0.001},  # payments rounded to 0.1% at most for blocks of ~1 A
        "agents": [group(agents // 2, 0.7, [1, 4], [8, 12]), group(agents - agents // 2, 0.3, [8, 12], [1, 4])],
        "resources": [{"commodity": g, "count": 8, "cap": 3, "regeneration_rate": 0.3} for g in "AB"],
        "params": {"exchange_regime": regime, "vision_radius": 4, "ticks": 30},
    }


def check_mechanism(name: str, params: dict | None = None, *, ticks: int = 8, seed: int = 0):
    """Run market-post mechanism ``name`` at the one post of the
    ``walrasian_single_post`` economy, cut to 16 agents, and check it.

    The run's invariant checker verifies conservation (goods held by a
    market maker included), non-negativity and strictly rising utilities of
    bilateral traders after every phase; every fill went through
    ``PairMarket.fill``, which refuses undeliverable or utility-lowering
    fills. The run is repeated under the same seed and must trade
    identically. Returns the first simulation.
    """
    from vmt.scenario import load_scenario, scenario_path
    from vmt.simulation import Simulation

    raw = load_scenario(scenario_path("walrasian_single_post")).model_dump(by_alias=False)
    raw["market_posts"][0].update(mechanism_type=name, mechanism_params=dict(params or {}))
    for group in raw["agents"]:
        group["count"] = 8
    runs = [Simulation(raw, seed=seed, check_invariants=True).run(ticks) for _ in range(2)]
    _same_trades(f"mechanism {name!r}", seed, runs)
    return runs[0]


def _same_trades(what: str, seed: int, runs) -> None:
    first, second = (r.trades_df() for r in runs)
    if not first.equals(second):
        raise ContractViolation(f"{what} is not deterministic: two runs under seed {seed} "
                                f"traded differently ({len(first)} vs {len(second)} trades)")


def check_family(name: str, params: dict | None = None, *, ticks: int = 10, seed: int = 0):
    """Hold utility family ``name`` at ``params`` to the contract every family meets.

    On a grid of holdings (:func:`vmt.economics.family_contract.family_faults`):
    finite utility, non-negative marginal utilities that are the utility's
    derivatives, reservation prices at which a one-unit trade never lowers
    utility, demand that spends the budget and is optimal on it. Then the
    contract economy, every agent of the family (the two groups differ in
    their endowments), runs with the invariant checker, twice under the
    same seed, and must trade identically. Raises
    :class:`ContractViolation` naming the family and the broken rule;
    returns the first simulation.
    """
    from vmt.economics.family_contract import family_faults
    from vmt.simulation import Simulation

    faults = family_faults(name, params)
    if faults:
        raise ContractViolation("; ".join(faults))
    scenario = contract_economy()
    for group in scenario["agents"]:
        group["utility"] = {"family": name, "params": dict(params or {})}
    runs = [Simulation(scenario, seed=seed, check_invariants=True).run(ticks) for _ in range(2)]
    _same_trades(f"utility family {name!r}", seed, runs)
    return runs[0]


def check_protocol(kind: str, name: str, params: dict | None = None, *, economy: dict | None = None,
                   ticks: int = 30, seed: int = 0):
    """Run protocol ``name`` of ``kind`` on a small economy and check its contract.

    Checks after every phase: conservation, non-negativity, pairing symmetry
    and strictly rising utilities of traders (the run's invariant checker);
    search output well formed; matching pairs only distinct, symmetric,
    previously free agents or keeps existing pairs; every bargaining proposal
    valid (:func:`vmt.protocols.contract.check_proposals`). Finally the run
    is repeated under the same seed and must trade identically (determinism).

    Returns the first simulation (for further assertions). Raises
    :class:`ContractViolation` (or the invariant checker's error) naming
    the protocol.
    """
    from vmt.simulation import Simulation
    from vmt.simulation.invariants import InvariantChecker

    scenario = copy.deepcopy(economy or contract_economy())
    scenario.setdefault("protocols", {})[kind] = {"name": name, "params": dict(params or {})}
    runs = []
    for _ in range(2):
        sim = Simulation(scenario, seed=seed)
        sim.on("after_phase", _PhaseContract(sim, kind, name))  # before the invariants: the precise message
        sim.on("after_phase", InvariantChecker(sim))
        runs.append(sim.run(ticks))
    _same_trades(f"{kind} protocol {name!r}", seed, runs)
    return runs[0]


class _PhaseContract:
    """``after_phase`` hook checking one protocol kind's outputs."""

    def __init__(self, sim, kind: str, name: str):
        self.sim, self.kind, self.name = sim, kind, name
        self.partner_before = None
        self.inventory_before = None

    def __call__(self, tick: int, phase: str) -> None:
        ts, ag = self.sim.tick_state, self.sim.world.agents
        if phase == "perception":
            self.partner_before = ag.partner.copy()
        elif phase == "decision":
            _check_candidates(self.kind, self.name, tick, ts.candidates, ag.n, self.sim.world.resources.x.size)
            if self.kind == "matching":
                _check_pairs(self.name, tick, self.partner_before, ag.partner)
        elif phase == "movement":
            self.inventory_before = ag.inventory.copy()
        elif phase == "trade" and self.kind == "bargaining" and ts.proposals.i.size:
            state = bargaining_state(ts.ctx, ts.bargaining.anchors())._replace(inventory=self.inventory_before)
            check_proposals(self.name, tick, state, ts.proposals)


def _check_candidates(kind, name, tick, cand: Candidates, n: int, resources: int) -> None:
    ids = cand.partner_ids
    problem = None
    if ids.shape != (n, MAX_CANDIDATES) or cand.partner_scores.shape != ids.shape:
        problem = f"partner lists have shape {ids.shape}, expected ({n}, {MAX_CANDIDATES})"
    elif ((ids < -1) | (ids >= n)).any() or (ids == np.arange(n)[:, None]).any():
        problem = "a partner id is out of range or an agent lists itself"
    elif ((ids[:, 1:] >= 0) & (ids[:, :-1] < 0)).any():
        problem = "a partner list has a gap (-1 before a valid id)"
    elif cand.resource.shape != (n,) or ((cand.resource < -1) | (cand.resource >= resources)).any():
        problem = "a resource id is out of range"
    if problem:
        raise ContractViolation(f"search output broke the contract at tick {tick} (with {kind} protocol "
                                f"{name!r}): {problem}")


def _check_pairs(name, tick, before: np.ndarray, after: np.ndarray) -> None:
    agents = np.arange(after.size)
    paired = np.flatnonzero(after >= 0)
    problem = None
    if (after[paired] == paired).any() or not np.array_equal(after[after[paired]], paired):
        problem = "pairs are not symmetric or an agent is paired with itself"
    elif ((before >= 0) & (after != before)).any():
        problem = "an existing pair was broken or changed"
    elif ((before < 0) & (after >= 0) & (before[np.maximum(after, 0)] >= 0)).any():
        problem = "a free agent was paired with an agent already in a pair"
    if problem:
        raise ContractViolation(f"matching protocol {name!r} broke its contract at tick {tick}: {problem} "
                                f"(agents {agents[(after != before)][:8].tolist()})")

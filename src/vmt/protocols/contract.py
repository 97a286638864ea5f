"""The public contract of a bargaining protocol, and the adapter that runs a
researcher's rule written against it.

A *bargaining rule* decides what one pair in interaction range trades::

    rule(i, j, state, params) -> (pair_type, buyer, seller, q1, q2)

* ``i < j`` are the two agents' ids; ``state`` is a :class:`BargainingState`
  (read-only arrays of the whole economy, see below); ``params`` is the
  protocol's validated parameters as a named tuple (``params.delta``).
* It returns exchange pair ``pair_type`` (0: A↔B, 1: A↔M, 2: B↔M), who
  buys and who sells the pair's first good, ``q1`` minor units of the first
  good and ``q2`` minor units of the second paid for them; ``NO_TRADE``
  (``pair_type == -1``) when the pair does not agree.
* Invariants the adapter checks on every proposal (:func:`check_proposals`):
  the buyer and seller are the pair, the exchange pair is active in the
  regime, both quantities are positive and deliverable, and *both traders'
  utilities strictly rise*. A breach raises :class:`ContractViolation`
  naming the protocol, the tick, the pair and the broken rule.
* Determinism: a rule must be a pure function of its arguments; random
  draws come from :func:`vmt.protocols.context.hashed_uniform` seeded by
  ``state.tick_seed`` and the ids, never from a global generator.

The same source works in plain Python (the adapter calls it once per pair:
fine for hundreds of agents, slow for 100,000) and as an ``@njit`` function
(the adapter compiles a loop around it, cached on disk when the rule lives
in a module file, see :mod:`vmt.protocols.rule_drivers`, then runs at
kernel speed). The helpers below are compiled kernels usable from both.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Callable, NamedTuple

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher

from vmt.protocols.bargaining.base import BilateralBargainer
from vmt.protocols.bargaining.common import NO_ANCHORS, Proposals, max_block, ordered_pair_types
from vmt.protocols.context import TickContext
from vmt.protocols.gains import block_gains, pair_goods
from vmt.protocols.registry import ProtocolParams, register
from vmt.protocols.rule_drivers import numba_driver, python_driver

#: What a rule returns when the pair does not trade.
NO_TRADE = (-1, -1, -1, 0, 0)


class BargainingState(NamedTuple):
    """Read-only arrays a bargaining rule sees (agents indexed by id).

    ``inventory`` is int64 minor units (n, 3) of A, B, M and ``units`` their
    real sizes; ``ask``/``bid`` (n, 3) are reservation prices per exchange
    pair in real units of the second good per first good; ``max_block`` (3,)
    the largest block of each pair's first good in minor units;
    ``anchor`` (n, 3) or (0, 3) the institution's price anchors (NaN: none).
    """

    family: np.ndarray
    utility_params: np.ndarray
    lambda_money: np.ndarray
    inventory: np.ndarray
    units: np.ndarray
    ask: np.ndarray
    bid: np.ndarray
    pair_active: np.ndarray
    max_block: np.ndarray
    anchor: np.ndarray
    tick_seed: np.uint64


class ContractViolation(AssertionError):
    """A protocol broke its public contract (the message names it)."""


def bargaining_state(ctx: TickContext, anchor: np.ndarray = NO_ANCHORS) -> BargainingState:
    """The state bundle of this tick (views of the world's arrays, no copies)."""
    ag, units = ctx.world.agents, ctx.world.units
    return BargainingState(ag.family, ag.utility_params, ag.lambda_money, ag.inventory, units,
                           ag.ask, ag.bid, ctx.pair_active, max_block(ctx, units), anchor,
                           np.uint64(ctx.tick_seed))


# -- helpers for rules (compiled; callable from Python and from @njit rules) ---
@njit(cache=True)
def exchange_pairs_by_gap(i, j, state):
    """Active exchange pairs where ``i`` and ``j`` expect to gain, largest
    relative quote gap first: ``(count, pair_types, buyers, sellers)``."""
    return ordered_pair_types(i, j, state.ask, state.bid, state.pair_active)


@njit(cache=True)
def trade_gains(state, k, buyer, seller, q1, q2):
    """Exact utility changes (buyer, seller) of ``q1`` minor units of pair
    ``k``'s first good for ``q2`` of its second; ``-inf`` if undeliverable."""
    g1, g2 = pair_goods(k)
    return block_gains(buyer, seller, g1, g2, q1, q2, state.family, state.utility_params,
                       state.lambda_money, state.inventory, state.units)


@njit(cache=True)
def payment_at(state, k, q1, price):
    """Minor units of the second good paid for ``q1`` of the first at ``price``
    (real second per real first), rounded, at least one."""
    g1, g2 = pair_goods(k)
    return max(1, int(round(price * q1 * state.units[g1] / state.units[g2])))


@njit(cache=True)
def largest_block_at(state, k, buyer, seller, price):
    """The largest block ``(q1, q2)`` up to ``state.max_block[k]`` that both
    strictly gain from at ``price``; ``(0, 0)`` if even one unit fails."""
    g1 = pair_goods(k)[0]
    best_q1, best_q2 = 0, 0
    for q1 in range(1, min(state.max_block[k], state.inventory[seller, g1]) + 1):
        q2 = payment_at(state, k, q1, price)
        gain_b, gain_s = trade_gains(state, k, buyer, seller, q1, q2)
        if not (gain_b > 0.0 and gain_s > 0.0):
            break
        best_q1, best_q2 = q1, q2
    return best_q1, best_q2


# -- checking proposals ----------------------------------------------------------
#: Reasons :func:`_proposal_faults` reports, by code.
FAULTS = {
    1: "the buyer and seller are not the pair's two agents",
    2: "the exchange pair is not active in this regime (or out of range 0..2)",
    3: "a quantity is not positive",
    4: "the seller cannot deliver q1 or the buyer cannot pay q2",
    5: "the trade does not strictly raise the buyer's utility",
    6: "the trade does not strictly raise the seller's utility",
}


@njit(cache=True)
def _proposal_faults(pi, pj, k, buyer, seller, q1, q2, state, fault):
    for p in range(pi.shape[0]):
        fault[p] = _fault_of(pi[p], pj[p], k[p], buyer[p], seller[p], q1[p], q2[p], state)


@njit(cache=True)
def _fault_of(i, j, k, buyer, seller, q1, q2, state):
    if k < 0:
        return 0
    if not ((buyer == i and seller == j) or (buyer == j and seller == i)):
        return 1
    if k > 2 or not state.pair_active[k]:
        return 2
    if q1 <= 0 or q2 <= 0:
        return 3
    g1, g2 = pair_goods(k)
    if state.inventory[seller, g1] < q1 or state.inventory[buyer, g2] < q2:
        return 4
    gain_b, gain_s = trade_gains(state, k, buyer, seller, q1, q2)
    if not gain_b > 0.0:
        return 5
    if not gain_s > 0.0:
        return 6
    return 0


def check_proposals(protocol: str, tick: int, state: BargainingState, proposals: Proposals) -> None:
    """Raise :class:`ContractViolation` at the first proposal that breaks the
    contract, naming ``protocol``, the tick, the pair and the reason."""
    fault = np.zeros(proposals.i.shape[0], dtype=np.int64)
    _proposal_faults(proposals.i, proposals.j, *proposals.outputs(), state, fault)
    bad = np.flatnonzero(fault)
    if bad.size:
        p = bad[0]
        raise ContractViolation(
            f"bargaining protocol {protocol!r} broke its contract at tick {tick}: pair "
            f"({proposals.i[p]}, {proposals.j[p]}) proposed pair_type={proposals.pair_type[p]}, "
            f"buyer={proposals.buyer[p]}, seller={proposals.seller[p]}, q1={proposals.q1[p]}, "
            f"q2={proposals.q2[p]}: {FAULTS[int(fault[p])]} ({bad.size} bad proposal(s) this tick)."
        )


# -- the adapter ---------------------------------------------------------------
_TUPLE_TYPES: dict[type, type] = {}


def params_tuple(params: ProtocolParams):
    """The validated parameter model as a named tuple (what rules receive).

    One tuple class per model, so a compiled rule is not recompiled per run,
    kept as an attribute of this module under a name made from the model's
    module and name: numba's disk cache finds a compiled driver by its
    argument types, and a tuple class it cannot look up by name would make
    every process miss the cache.
    """
    model = type(params)
    if model not in _TUPLE_TYPES:
        name = f"{model.__module__}_{model.__qualname__}_Tuple".replace(".", "_").replace("<", "_").replace(">", "_")
        _TUPLE_TYPES[model] = globals()[name] = namedtuple(name, tuple(model.model_fields), module=__name__)
    return _TUPLE_TYPES[model](*(getattr(params, f) for f in model.model_fields))


class RuleBargainer(BilateralBargainer):
    """Runs a registered rule over the tick's pairs and checks every proposal.

    Subclassed once per registration (:func:`register_bargaining_rule`), which
    sets ``protocol_name``, ``rule`` and ``driver``.
    """

    protocol_name = ""
    rule: Callable
    driver: Callable
    check = True

    def __init__(self, params):
        super().__init__(params)
        self.rule_params = params_tuple(params)

    def anchors(self) -> np.ndarray:
        if getattr(self.params, "anchor", "signal") == "none" or self.anchor_price is None:
            return NO_ANCHORS
        return self.anchor_price

    def propose(self, ctx: TickContext, proposals: Proposals) -> None:
        state = bargaining_state(ctx, self.anchors())
        type(self).driver(proposals.i, proposals.j, state, self.rule_params, *proposals.outputs())
        if self.check:
            check_proposals(self.protocol_name, ctx.tick, state, proposals)


def register_bargaining_rule(name: str, rule: Callable, params_model: type[ProtocolParams] = ProtocolParams,
                             *, summary: str | None = None, check: bool = True) -> type[RuleBargainer]:
    """Register ``rule`` as bargaining protocol ``name`` (see the module docstring).

    ``rule`` may be a plain Python function or an ``@njit`` one; parameters
    from the scenario are validated by ``params_model`` like a built-in's.
    With ``check`` (the default) every proposal is checked against the
    contract before it is applied. Returns the protocol class.
    """
    is_kernel = isinstance(rule, CPUDispatcher)
    driver = numba_driver(rule) if is_kernel else python_driver(rule)
    doc = summary or (rule.__doc__ or f"bargaining rule {name}").strip().splitlines()[0]
    cls = type(f"RuleBargainer_{name}", (RuleBargainer,), {
        "__doc__": doc, "protocol_name": name, "rule": staticmethod(rule),
        "driver": staticmethod(driver), "check": check,
    })
    return register("bargaining", name, params_model)(cls)

"""The built-in bargaining protocols as rules of the public contract.

Each built-in protocol runs its own cached parallel kernel over all the
tick's pairs (the route for 100,000 agents). Inside it, what one pair
trades is a function of the two ids, the economy's arrays and the
protocol's parameters: a rule of the contract in
:mod:`vmt.protocols.contract`, ``rule(i, j, state, params) -> (pair_type,
buyer, seller, q1, q2)``. This module states each built-in in exactly that
form, by calling the same per-pair kernel; :data:`BUILT_IN_RULES` maps the
protocol names to them.

The test suite registers every one of them through the public adapter
(:func:`vmt.protocols.contract.register_bargaining_rule`, the path a
researcher's rule takes, with every proposal checked) and requires the
trades of the built-in's own kernel, tick for tick. A researcher can start
from them too: copy one into a module and change it.
"""

from __future__ import annotations

from numba import njit

from vmt.protocols.bargaining.compensating_block import _midpoint_block
from vmt.protocols.bargaining.nash import _nash_trade
from vmt.protocols.bargaining.pairwise_walrasian import _UNLIMITED, _clearing_trade
from vmt.protocols.bargaining.split_difference import _midpoint_trade
from vmt.protocols.bargaining.take_it_or_leave_it import _offer
from vmt.protocols.bargaining.traders import trader
from vmt.protocols.context import hashed_uniform
from vmt.world.tuples import triple


@njit(cache=True)
def _economy(i, j, state):
    """What every built-in per-pair kernel takes after the two ids, in its
    order: the two traders (see :mod:`.traders`), the active exchange pairs,
    the block sizes and the minor units."""
    return (trader(i, state.family, state.utility_params, state.lambda_money, state.inventory, state.units),
            trader(j, state.family, state.utility_params, state.lambda_money, state.inventory, state.units),
            triple(state.pair_active), triple(state.max_block), triple(state.units))


@njit(cache=True)
def split_difference_rule(i, j, state, params):
    """Midpoint (or anchored) price, largest mutually beneficial block."""
    ti, tj, active, max_q, units = _economy(i, j, state)  # named: an inlined callee takes no *args
    return _midpoint_trade(i, j, ti, tj, active, max_q, units, params.contract_curve_tolerance, state.anchor)[:5]


@njit(cache=True)
def compensating_block_rule(i, j, state, params):
    """Midpoint (or anchored) price, the short side's block."""
    ti, tj, active, max_q, units = _economy(i, j, state)
    return _midpoint_block(i, j, ti, tj, active, max_q, units, params.contract_curve_tolerance, state.anchor)[:5]


@njit(cache=True)
def nash_rule(i, j, state, params):
    """The candidate price and block with the largest product of utility gains."""
    ti, tj, active, max_q, units = _economy(i, j, state)
    return _nash_trade(i, j, ti, tj, active, max_q, units, params.contract_curve_tolerance, params.price_candidates,
                       state.anchor)[:5]


@njit(cache=True)
def take_it_or_leave_it_rule(i, j, state, params):
    """The proposer (lower id, or drawn per pair) keeps all but the responder's share."""
    proposer = i
    if params.proposer == "random" and hashed_uniform(state.tick_seed, i, j) >= 0.5:
        proposer = j
    ti, tj, active, max_q, units = _economy(i, j, state)
    return _offer(i, j, ti, tj, proposer, active, max_q, units, params.contract_curve_tolerance,
                  params.responder_share, state.anchor)[:5]


@njit(cache=True)
def pairwise_walrasian_rule(i, j, state, params):
    """Both move to the pair's contract curve at its clearing price (no block limit)."""
    ti, tj, active, _, units = _economy(i, j, state)
    unlimited = (_UNLIMITED, _UNLIMITED, _UNLIMITED)
    return _clearing_trade(i, j, ti, tj, active, unlimited, units, params.contract_curve_tolerance)[:5]


BUILT_IN_RULES = {
    "split_difference": split_difference_rule,
    "compensating_block": compensating_block_rule,
    "nash": nash_rule,
    "take_it_or_leave_it": take_it_or_leave_it_rule,
    "pairwise_walrasian": pairwise_walrasian_rule,
}

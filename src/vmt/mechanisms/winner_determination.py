"""Exact winner determination for XOR bids as a 0-1 integer program (HiGHS via
``scipy.optimize.milp``).

One binary variable ``x_j`` per offer ``j`` (a bidder's bundle):

    maximise    sum_j v_j x_j
    subject to  sum_j q_{g,j} x_j <= s_g     for every item g (supply s_g)
                sum_{j of bidder i} x_j <= 1  for every bidder i (XOR)
                x_j in {0, 1}

Anything other than a proven optimum (time limit hit, solver error) raises
:class:`~vmt.mechanisms.errors.WinnerDeterminationFailure`: a feasible but
unproven allocation would give wrong VCG payments. The relative MIP gap is
set to 0 so "optimal" means optimal, not within 0.01 %.

Tie rule. Among allocations whose welfare equals the optimum (to a relative
tolerance of 1e-9), :func:`solve_with_tie_rule` picks the one maximising the
priority score ``sum_j (J - j) x_j``, offers numbered 0..J-1 in submission
order (bidder by bidder, each bidder's bundles in the order listed). The
score favours earlier offers and, being a sum, allocations that accept more
offers; for one item, or identical units with unit demand, it reduces to the
sealed-bid rule "lowest index wins" (a zero-valued offer can win a tie, as a
zero bid meets a zero reserve there). Allocations that still tie on the score
are separated by HiGHS, which is deterministic for a given model.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from typing import TYPE_CHECKING

from vmt.mechanisms.bids import Bundle, XorBid
from vmt.mechanisms.errors import WinnerDeterminationFailure

if TYPE_CHECKING:  # scipy is imported where a problem is solved
    from scipy.sparse import csr_matrix

TIE_TOLERANCE = 1e-9
_STATUS_NAMES = {1: "time_limit", 2: "infeasible", 3: "unbounded", 4: "solver_error"}


@dataclass(frozen=True)
class WinnerDeterminationProblem:
    """The integer program compiled from validated bids.

    ``offer_bidder[j]`` is the position (submission order) of the bidder of
    offer ``j``; ``capacity`` holds item supplies followed by one 1 per bidder.
    """

    bidders: tuple
    offer_bidder: np.ndarray
    offer_bundle: tuple[Bundle, ...]
    offer_value: np.ndarray
    constraints: csr_matrix
    capacity: np.ndarray


@dataclass(frozen=True)
class Allocation:
    """A solved allocation: which offers are accepted and their total value."""

    accepted: np.ndarray
    welfare: float


def compile_problem(bids: Sequence[XorBid], supply: Mapping[str, int]) -> WinnerDeterminationProblem:
    """Build the constraint matrix (items rows, then bidder rows) from validated bids."""
    item_row = {item: g for g, item in enumerate(supply)}
    rows, cols, data, owner, bundles, values = [], [], [], [], [], []
    for i, bid in enumerate(bids):
        for bundle, value in bid.offers:
            j = len(values)
            for item, quantity in bundle.quantities:
                rows.append(item_row[item]), cols.append(j), data.append(quantity)
            rows.append(len(supply) + i), cols.append(j), data.append(1)
            owner.append(i), bundles.append(bundle), values.append(value)
    shape = (len(supply) + len(bids), len(values))
    from scipy.sparse import csr_matrix

    matrix = csr_matrix((np.array(data, dtype=np.float64), (rows, cols)), shape=shape)
    capacity = np.concatenate([np.array(list(supply.values()), dtype=np.float64), np.ones(len(bids))])
    return WinnerDeterminationProblem(tuple(b.bidder for b in bids), np.array(owner, dtype=np.int64),
                                      tuple(bundles), np.array(values, dtype=np.float64), matrix, capacity)


def _run_milp(problem, objective, upper, extra, deadline) -> np.ndarray:
    """Solve ``max objective @ x`` and return the 0/1 solution, or raise."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        raise WinnerDeterminationFailure("time_limit", "time budget used up before the solve started")
    constraints = [LinearConstraint(problem.constraints, -np.inf, problem.capacity)] + extra
    result = milp(-objective, integrality=np.ones_like(objective), bounds=Bounds(0.0, upper),
                  constraints=constraints, options={"time_limit": remaining, "mip_rel_gap": 0.0})
    if result.status != 0:
        status = _STATUS_NAMES.get(result.status, "solver_error")
        raise WinnerDeterminationFailure(status, f"winner determination not proven optimal: {result.message}")
    accepted = np.round(result.x).astype(bool)
    usage = problem.constraints @ accepted.astype(np.float64)
    if np.any(usage > problem.capacity + 1e-9):
        raise WinnerDeterminationFailure("solver_error", "solver returned an allocation that oversells an item")
    return accepted


def _welfare(problem, accepted: np.ndarray) -> float:
    return float(problem.offer_value[accepted].sum())


def solve_optimum(problem: WinnerDeterminationProblem, deadline: float,
                  excluded_bidder: int | None = None) -> Allocation:
    """Welfare-maximising allocation, optionally with one bidder removed
    (its offers bounded to 0; used for the Clarke pivot ``W_{-i}``)."""
    if problem.offer_value.size == 0:
        return Allocation(np.zeros(0, dtype=bool), 0.0)
    upper = np.ones(problem.offer_value.size)
    if excluded_bidder is not None:
        upper[problem.offer_bidder == excluded_bidder] = 0.0
    accepted = _run_milp(problem, problem.offer_value, upper, [], deadline)
    return Allocation(accepted, _welfare(problem, accepted))


def solve_with_tie_rule(problem: WinnerDeterminationProblem, deadline: float) -> Allocation:
    """Optimal allocation chosen by the documented tie rule (a second solve
    that fixes welfare at its optimum and maximises the priority score)."""
    best = solve_optimum(problem, deadline)
    n_offers = problem.offer_value.size
    if n_offers == 0:
        return best
    slack = TIE_TOLERANCE * max(1.0, abs(best.welfare))
    from scipy.optimize import LinearConstraint

    keep_optimum = LinearConstraint(problem.offer_value[np.newaxis, :], best.welfare - slack, np.inf)
    priority = np.arange(n_offers, 0, -1, dtype=np.float64)
    accepted = _run_milp(problem, priority, np.ones(n_offers), [keep_optimum], deadline)
    preferred = Allocation(accepted, _welfare(problem, accepted))
    return preferred if preferred.welfare >= best.welfare - slack else best

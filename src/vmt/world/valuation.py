"""What holdings and trades are worth to one agent, in its own utility units.

Money enters quasilinearly: ``U(A, B, M) = u(A, B) + λ·M`` , so a
barter economy, where M never moves, ranks bundles exactly by ``u``. Every
protocol that needs "is this trade good for me" calls :func:`trade_gain`; the
formula lives here once.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from vmt.economics.kernels import utility

#: Relative size below which a utility change is treated as rounding noise.
GAIN_TOLERANCE = 1e-10


@njit(cache=True, inline='always')
def real_holdings(inventory, units, i):
    """Agent ``i``'s real (A, B, M) — minor units times unit sizes — as a
    tuple: no allocation in hot loops."""
    return inventory[i, 0] * units[0], inventory[i, 1] * units[1], inventory[i, 2] * units[2]


@njit(cache=True)
def holdings_utility(code, params, lam, a, b, m):
    """``u(a, b) + λ·m`` with real quantities."""
    return utility(code, params, a, b) + lam * m


@njit(cache=True)
def trade_gain(code, params, lam, held, good_in, qty_in, good_out, qty_out):
    """Utility change from receiving ``qty_in`` of ``good_in`` and giving
    ``qty_out`` of ``good_out`` (real quantities; ``held`` is real A, B, M as
    an array or a tuple — nothing is allocated, this sits in hot loops).

    Returns ``-inf`` when the agent cannot deliver ``qty_out``. A change
    within rounding noise of the utility level (relative 1e-10) counts as
    zero: a trade that leaves an agent exactly indifferent must not pass as
    an improvement because of the last bit of a float.
    """
    if held[good_out] < qty_out:
        return -np.inf
    before_u = holdings_utility(code, params, lam, held[0], held[1], held[2])
    return trade_gain_from(code, params, lam, held, before_u, good_in, qty_in, good_out, qty_out)


@njit(cache=True)
def trade_gain_from(code, params, lam, held, before_u, good_in, qty_in, good_out, qty_out):
    """:func:`trade_gain` given ``before_u``, the utility of ``held``.

    Scans that value many trades of one agent compute ``before_u`` once
    instead of once per trade; the result is the same to the last bit.
    """
    if held[good_out] < qty_out:
        return -np.inf
    a, b, m = held[0], held[1], held[2]
    a += (qty_in if good_in == 0 else 0.0) - (qty_out if good_out == 0 else 0.0)
    b += (qty_in if good_in == 1 else 0.0) - (qty_out if good_out == 1 else 0.0)
    m += (qty_in if good_in == 2 else 0.0) - (qty_out if good_out == 2 else 0.0)
    change = holdings_utility(code, params, lam, a, b, m) - before_u
    if abs(change) <= GAIN_TOLERANCE * (1.0 + abs(before_u)):
        return 0.0
    return change


@njit(cache=True)
def agent_utility(agents_family, agents_params, agents_lambda, inventory, units, i):
    """Total utility of agent ``i`` from its minor-unit inventory."""
    a, b, m = real_holdings(inventory, units, i)
    return holdings_utility(agents_family[i], agents_params[i], agents_lambda[i], a, b, m)


def utilities(world, inventory: np.ndarray | None = None, lambda_money: np.ndarray | None = None) -> np.ndarray:
    """Total utility of every agent, shape (n,): of its holdings now, or of
    ``inventory`` (minor units, shape (n, 3)) valued with ``lambda_money`` if given."""
    ag = world.agents
    out = np.empty(ag.n)
    _utilities(ag.family, ag.utility_params, ag.lambda_money if lambda_money is None else lambda_money,
               ag.inventory if inventory is None else inventory, world.units, out)
    return out


@njit(cache=True, nogil=True)  # the telemetry writer's thread computes snapshots' utilities
def _utilities(family, params, lam, inventory, units, out):
    for i in range(out.shape[0]):
        out[i] = agent_utility(family, params, lam, inventory, units, i)

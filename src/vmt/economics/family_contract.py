"""The contract every utility family meets, checked on a grid of holdings.

What the rest of VMT relies on, for a built-in family and a registered one
alike (``vmt.extend.check_family`` adds a run of a small economy):

* utility and marginal utilities are finite, and the marginal utilities are
  non-negative (more of a good never hurts) and are the derivatives of the
  utility: they match its central differences;
* reservation prices are safe: selling one unit at the ask, or buying one
  at the bid, never lowers utility, in barter and with money;
* demand spends the budget and is optimal on it: no point of the budget
  line sampled gives more utility (what quasi-concave utility guarantees
  and the bisection routes assume).

:func:`family_faults` returns the broken rules as sentences naming the
family, the rule and a holding where it breaks (empty: the family holds).
"""

from __future__ import annotations

import numpy as np

from vmt.economics import vectorized as V
from vmt.economics.families import pack_utility_params, resolve_family

UNIT = 0.01  # real size of the unit the reservation prices are for
_RELATIVE = 1e-5  # marginal utilities against central differences
_BUDGET_POINTS = 64


def family_faults(name: str, params: dict | None = None, *, points: int = 200, seed: int = 0) -> list[str]:
    """Sentences describing each contract rule family ``name`` breaks at ``params``."""
    fam = resolve_family(name)
    rng = np.random.default_rng(seed)
    codes = np.full(points, fam.code, dtype=np.int64)
    row = np.tile(pack_utility_params(fam.name, params or {}), (points, 1))
    a, b = rng.uniform(0.5, 20.0, points), rng.uniform(0.5, 20.0, points)
    faults = [_marginal_fault(codes, row, a, b), _quote_fault(codes, row, a, b), _demand_fault(codes, row, rng)]
    return [f"utility family '{fam.name}' {fault}" for fault in faults if fault]


def _at(a, b, i) -> str:
    return f"at (a, b) = ({a[i]:.6g}, {b[i]:.6g})"


def _marginal_fault(codes, row, a, b) -> str | None:
    u = V.utility(codes, row, a, b)
    mu_a, mu_b = V.marginal_utilities(codes, row, a, b)
    for label, values in (("utility", u), ("marginal utility of A", mu_a), ("marginal utility of B", mu_b)):
        bad = ~np.isfinite(values) | ((values < 0) if label != "utility" else False)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            return f"has {label} {values[i]:.9g} {_at(a, b, i)} (finite, and >= 0 for a marginal utility)"
    for label, mu, (da, db) in (("A", mu_a, (1, 0)), ("B", mu_b, (0, 1))):
        h = 1e-6 * np.maximum(np.where(da, a, b), 1.0)
        up, down = V.utility(codes, row, a + da * h, b + db * h), V.utility(codes, row, a - da * h, b - db * h)
        slope = (up - down) / (2 * h)
        bad = np.abs(slope - mu) > _RELATIVE * (np.abs(slope) + np.abs(mu)) + 1e-12
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            return (f"gives marginal utility of {label} {mu[i]:.9g} {_at(a, b, i)} where the utility's central "
                    f"difference is {slope[i]:.9g}")
    return None


def _quote_fault(codes, row, a, b) -> str | None:
    u = V.utility(codes, row, a, b)
    ask, bid = V.reservation_prices_barter(codes, row, a, b, UNIT, UNIT)
    trades = {"selling one unit of A at its barter ask": (a - UNIT, b + np.where(np.isfinite(ask), ask, 0) * UNIT),
              "buying one unit of A at its barter bid": (a + UNIT, np.maximum(b - np.maximum(bid, 0) * UNIT, 0.0))}
    for label, (a2, b2) in trades.items():
        worse = (V.utility(codes, row, a2, b2) < u) & np.isfinite(ask if label.startswith("selling") else bid)
        if worse.any():
            i = int(np.flatnonzero(worse)[0])
            return f"loses utility {label} {_at(a, b, i)}"
    for good in (0, 1):
        ask, bid = V.reservation_prices_money(codes, row, a, b, good, UNIT, 1.0)
        step = np.array([UNIT, 0.0]) if good == 0 else np.array([0.0, UNIT])
        sold = V.utility(codes, row, a - step[0], b - step[1]) + ask * UNIT
        bought = V.utility(codes, row, a + step[0], b + step[1]) - bid * UNIT
        worse = (np.isfinite(ask) & (sold < u)) | (bought < u)
        if worse.any():
            i = int(np.flatnonzero(worse)[0])
            return f"loses utility trading one unit of {'AB'[good]} for money at its quote {_at(a, b, i)}"
    return None


def _demand_fault(codes, row, rng) -> str | None:
    n = codes.size
    pa, pb, wealth = rng.uniform(0.2, 5.0, n), rng.uniform(0.2, 5.0, n), rng.uniform(1.0, 50.0, n)
    a, b = V.demand(codes, row, pa, pb, wealth)
    spent = pa * a + pb * b
    bad = ~(np.abs(spent - wealth) <= 1e-8 * wealth)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        return f"demand spends {spent[i]:.9g} of wealth {wealth[i]:.9g} at prices ({pa[i]:.6g}, {pb[i]:.6g})"
    best = V.utility(codes, row, a, b)
    for share in np.linspace(0.0, 1.0, _BUDGET_POINTS):
        other = V.utility(codes, row, share * wealth / pa, (1 - share) * wealth / pb)
        better = other > best + 1e-9 * np.abs(best) + 1e-12
        if better.any():
            i = int(np.flatnonzero(better)[0])
            return (f"demand ({a[i]:.6g}, {b[i]:.6g}) at prices ({pa[i]:.6g}, {pb[i]:.6g}) and wealth "
                    f"{wealth[i]:.6g} is beaten on the budget line (spending share {share:.3f} on A)")
    return None

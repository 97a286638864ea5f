"""The charts' numbers, one point per tick: price per pair, volume, dispersion, welfare.

The same definitions serve the report (:mod:`vmt.analysis.report_data`):
the price of a pair at a tick is the volume-weighted price of the tick's
trades, its volume the quantity of the pair's first good traded, and the
dispersion the standard deviation across agents of the log of each agent's
marginal valuation of the regime's first pair (MRS in barter, ``MU_A/λ``
with money).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vmt.analysis import report_data as data


def _finite(value) -> float | None:
    value = None if value is None else float(value)
    return value if value is not None and math.isfinite(value) else None


def points_from_trades(trades: pd.DataFrame) -> dict[int, dict]:
    """Per tick: ``{"price": {pair: vwap}, "volume": {pair: quantity}}`` from a trades frame."""
    out: dict[int, dict] = {}
    for row in data.price_path(trades).itertuples(index=False):
        point = out.setdefault(int(row.tick), {"price": {}, "volume": {}})
        point["price"][row.pair_type] = _finite(row.price)
        point["volume"][row.pair_type] = _finite(row.volume)
    return out


def stats_point(tick: int, trade_point: dict | None, dispersion, welfare) -> dict:
    """The chart point of one tick (missing trades: no price, zero volume)."""
    trade_point = trade_point or {"price": {}, "volume": {}}
    return {"tick": int(tick), "price": trade_point["price"], "volume": trade_point["volume"],
            "dispersion": _finite(dispersion), "welfare": _finite(welfare)}


def valuation_dispersion(codes, params, a, b, lam, pair: str) -> float:
    """Cross-agent std of log marginal valuation in ``pair`` (NaN if none is finite)."""
    return data.log_dispersion(data.marginal_valuation(codes, params, a, b, lam, pair))


def history(ticks, trade_points: dict[int, dict], dispersion: pd.Series, welfare: pd.Series | None) -> list[dict]:
    """Chart points for ``ticks``; dispersion and welfare where recorded."""
    welfare = welfare if welfare is not None else pd.Series(dtype=float)
    return [stats_point(t, trade_points.get(int(t)), dispersion.get(t, np.nan), welfare.get(t, np.nan))
            for t in ticks]

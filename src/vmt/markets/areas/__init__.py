"""Market areas: places where agents cluster, whose trades form prices.

One module per concept, each a thin Python layer over cached numba kernels:

* :mod:`state` -- the areas as a struct-of-arrays, :class:`AreaParams`;
* :mod:`detection` -- density clustering: formation, dissolution;
* :mod:`membership` -- at most one area per agent (largest, closest, lowest id);
* :mod:`aggregation` -- volume-weighted prices of the trades inside an area;
* :mod:`broadcast` -- who hears which area's prices at the next perception.

See ``docs/price_signals.md``.
"""

from vmt.markets.areas.aggregation import record_trades, tag_trades, update_prices, window_totals
from vmt.markets.areas.broadcast import broadcast
from vmt.markets.areas.detection import AreaDetector, Detection, dissolve_sparse_areas
from vmt.markets.areas.membership import assign_members
from vmt.markets.areas.state import NO_AREA, AreaParams, AreaState

__all__ = [
    "NO_AREA",
    "AreaDetector",
    "AreaParams",
    "AreaState",
    "Detection",
    "assign_members",
    "broadcast",
    "dissolve_sparse_areas",
    "record_trades",
    "tag_trades",
    "update_prices",
    "window_totals",
]

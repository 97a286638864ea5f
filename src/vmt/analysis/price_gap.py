"""The distance-to-p* measure (defined in :mod:`vmt.simulation.trade_prices`,
where the run's own metrics use it; this path is kept for the analysis code)."""

from vmt.simulation.trade_prices import LATE_GAP_LABEL, LATE_SHARE, late_vwap, price_gap

__all__ = ["LATE_GAP_LABEL", "LATE_SHARE", "late_vwap", "price_gap"]

"""The built-in metrics (defined in :mod:`vmt.simulation.builtin_metrics`;
this path is kept for sweeps and scripts)."""

from vmt.simulation.builtin_metrics import BUILTIN_METRICS, active_pairs, converged_from, gini

__all__ = ["BUILTIN_METRICS", "active_pairs", "converged_from", "gini"]

"""The metrics registry (defined in :mod:`vmt.simulation.metrics`, where
``sim.collect`` uses it too; this path is kept for sweeps and scripts)."""

from vmt.simulation.metrics import (
    METRICS,
    Metric,
    MetricValue,
    RunContext,
    metric_names,
    metrics_named,
    register_metric,
    resolve_metric_names,
)

__all__ = ["METRICS", "Metric", "MetricValue", "RunContext", "metric_names", "metrics_named", "register_metric",
           "resolve_metric_names"]

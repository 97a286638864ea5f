"""Experiments: parameter sweeps and institution comparisons over many seeds.

``vmt.sweep(...)`` / ``vmt sweep`` run an experiment file; ``vmt.compare(...)``
/ ``vmt compare`` run one economy under several institutions; both on Dask
(a local cluster by default) with results in one tidy table, recorded as runs
finish and resumable. ``register_metric`` adds a metric by name. See
docs/experiments.md.

Heavy libraries (pandas, pyarrow, dask) load only when a sweep runs.
"""

from vmt.simulation.metrics import METRICS, RunContext, metric_names, register_metric

__all__ = ["METRICS", "RunContext", "compare", "load_experiment", "metric_names", "pairwise_tests",
           "register_metric", "summarise", "sweep"]


def sweep(*args, **kwargs):
    """Run an experiment; see :func:`vmt.experiments.api.sweep`."""
    from vmt.experiments.api import sweep as run

    return run(*args, **kwargs)


def compare(*args, **kwargs):
    """Compare institutions on one economy; see :func:`vmt.experiments.api.compare`."""
    from vmt.experiments.api import compare as run

    return run(*args, **kwargs)


def load_experiment(*args, **kwargs):
    """Read and validate an experiment file; see :func:`vmt.experiments.spec.load_experiment`."""
    from vmt.experiments.spec import load_experiment as load

    return load(*args, **kwargs)


def summarise(results, parameters=None, metrics=None):
    """Per group and metric: n, mean, 95% interval (see :mod:`vmt.experiments.summary`)."""
    from vmt.experiments import summary

    return summary.summarise(results, _parameters(results, parameters), metrics)


def pairwise_tests(results, parameters=None, metrics=None):
    """Every pair of groups per metric, paired by seed, Holm-corrected (see :mod:`vmt.experiments.summary`)."""
    from vmt.experiments import summary

    return summary.pairwise_tests(results, _parameters(results, parameters), metrics)


def _parameters(results, parameters):
    return list(results.attrs.get("parameters", [])) if parameters is None else list(parameters)

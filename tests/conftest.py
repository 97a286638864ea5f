"""Shared fixtures: tiny scenarios built in code, and the demo list."""

from __future__ import annotations

import os

import numba
import pytest

from vmt.engine.threads import THREADS_ENV
from vmt.scenario import builtin_scenarios
from vmt.simulation.warmup import mark_compiled

#: Commands' output is compared in tests, so the one-time "compiling" note of
#: the first run on a machine is switched off here (and tested on its own).
mark_compiled()

#: Every scenario shipped with the package: each is run with invariant checks.
DEMOS = tuple(sorted(builtin_scenarios()))


def two_type_economy(count: int = 20, regime: str = "barter", grid: int = 10, **params) -> dict:
    """A small two-type Cobb-Douglas exchange economy with resources."""
    money = {"M": [20, 40]} if regime != "barter" else {}
    group = lambda n, alpha, a, b: {  # noqa: E731
        "count": n,
        "utility": {"family": "cobb_douglas", "params": {"alpha": alpha, "beta": 1 - alpha}},
        "endowment": {"A": a, "B": b, **money},
    }
    return {
        "name": "two-type",
        "grid": {"width": grid, "height": grid},
        "agents": [group(count // 2, 0.7, [1, 4], [8, 12]), group(count - count // 2, 0.3, [8, 12], [1, 4])],
        "resources": [
            {"commodity": "A", "count": grid, "cap": 3, "regeneration_rate": 0.3},
            {"commodity": "B", "count": grid, "cap": 3, "regeneration_rate": 0.3},
        ],
        "params": {"exchange_regime": regime, "vision_radius": 4, "ticks": 40, **params},
    }


@pytest.fixture(autouse=True)
def registries_restored():
    """Protocols, mechanisms and sweep metrics a test (or a doc example)
    registers are removed after it, so registries list only the built-ins
    (and installed plug-ins) in every other test."""
    from vmt import plugins
    from vmt.markets.posts.mechanisms import mechanism_entries, unregister_mechanism
    from vmt.protocols import KINDS, unregister
    from vmt.protocols.registry import protocol_entries

    from vmt.experiments.metrics import METRICS, metric_names

    before = {kind: {e.name for e in protocol_entries(kind)} for kind in KINDS}
    mechanisms_before = {e.name for e in mechanism_entries()}
    metrics_before = set(metric_names())
    yield
    for name in set(METRICS) - metrics_before:
        METRICS.pop(name)
    for kind in KINDS:
        for entry in protocol_entries(kind):
            if entry.name not in before[kind] and entry.source == plugins.BUILT_IN:
                unregister(kind, entry.name)
    for entry in mechanism_entries():
        if entry.name not in mechanisms_before and entry.source == plugins.BUILT_IN:
            unregister_mechanism(entry.name)


@pytest.fixture
def small_economy():
    return two_type_economy()


def with_each_thread_count(run, counts=(1, 2)) -> list:
    """``[run(n) for n in counts]`` with numba limited to ``n`` threads for
    each call, restoring the configured count afterwards.

    Serial vs parallel kernels must agree bit for bit; ``make test`` pins
    NUMBA_NUM_THREADS=2 so both counts are available.
    """
    assert numba.config.NUMBA_NUM_THREADS >= max(counts), "make test pins NUMBA_NUM_THREADS=2"
    results = []
    for threads in counts:
        numba.set_num_threads(threads)
        os.environ[THREADS_ENV] = str(threads)  # else small runs choose one thread
        try:
            results.append(run(threads))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
            del os.environ[THREADS_ENV]
    return results

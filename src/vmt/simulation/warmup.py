"""Compiling the kernels ahead of the first real run.

Every kernel is compiled by numba on first use and cached on disk
(``cache=True``), so the first run on a machine spends tens of seconds to a
few minutes compiling and every later run loads machine code. :func:`warm_up`
pays that cost up front by running every shipped scenario, every registered
protocol and every post mechanism for a couple of ticks on a tiny economy;
a stamp file then records that it was done, and :func:`needs_compiling`
tells ``vmt run`` whether to say "compiling…" first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import vmt

#: Ticks each warm-up economy runs.
WARMUP_TICKS = 2


def stamp_path() -> Path:
    """Where the "kernels compiled" stamp lives: next to numba's cache of the package."""
    import numba

    base = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else Path(vmt.__file__).parent / "__pycache__"
    return base / f".vmt-{vmt.__version__}-compiled"


def needs_compiling() -> bool:
    return not stamp_path().exists()


def mark_compiled() -> None:
    """Write the stamp (silently skipped where the cache directory is read-only)."""
    try:
        path = stamp_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:
        pass


def warmup_scenarios() -> list[tuple[str, object]]:
    """(label, scenario) pairs that between them call every kernel."""
    from vmt import protocols as _protocols  # noqa: F401  (registers the built-ins)
    from vmt.experiments.bench import bench_scenario
    from vmt.markets.posts.mechanisms.base import mechanism_names
    from vmt.protocols.registry import protocol_names
    from vmt.scenario import builtin_scenarios

    cases: list[tuple[str, object]] = [(name, name) for name in builtin_scenarios()]
    for regime in ("barter", "mixed"):
        for kind in ("search", "matching", "bargaining"):
            for name in protocol_names(kind):
                scenario = bench_scenario(200, regime)
                scenario["protocols"] = {kind: {"name": name}}
                cases.append((f"{kind} {name} ({regime})", scenario))
    for mechanism in mechanism_names():
        cases.append((f"posts {mechanism}", bench_scenario(200, "mixed", "centralized", 2, mechanism)))
    cases.append(("price signals", bench_scenario(200, "mixed", "price_signals")))
    return cases


def warm_up(progress: Callable[[str], None] = lambda label: None) -> int:
    """Run every warm-up economy for :data:`WARMUP_TICKS` ticks; returns how many ran."""
    from vmt.simulation import Simulation

    cases = warmup_scenarios()
    for label, scenario in cases:
        progress(label)
        Simulation(scenario, seed=0).run(WARMUP_TICKS)
    mark_compiled()
    return len(cases)


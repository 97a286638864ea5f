"""Compiling the kernels ahead of the first real run.

Every kernel is compiled by numba on first use and cached on disk
(``cache=True``), so the first run on a machine spends tens of seconds to a
few minutes compiling and every later run loads machine code. :func:`warm_up`
pays that cost up front by running every shipped scenario, every registered
protocol and every post mechanism for a couple of ticks on a tiny economy;
a stamp file then records that it was done, with a fingerprint of the
package's sources and of numba's cache, and :func:`needs_compiling` tells
``vmt run`` whether to say "compiling…" first: again after an upgrade, an
edited source or a deleted cache.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

import vmt
from vmt.engine.runtime_cache import kernel_cache_root

#: Ticks each warm-up economy runs.
WARMUP_TICKS = 2


def stamp_path() -> Path:
    """Where the "kernels compiled" stamp lives: next to numba's cache of the package."""
    return kernel_cache_root() / f".vmt-{vmt.__version__}-compiled"


def _fingerprint() -> dict:
    """What the cached kernels depend on: numba's version and every source file of the package
    (size and modification time, as numba's own cache index checks), and how many cache
    indexes exist (deleting the cache removes them)."""
    import numba

    package = Path(vmt.__file__).parent
    digest = hashlib.sha256(numba.__version__.encode())
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    indexes = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else package
    return {"sources": digest.hexdigest(), "indexes": sum(1 for _ in indexes.rglob("*.nbi"))}


def needs_compiling() -> bool:
    """True unless the stamp says the kernels were compiled from these very sources and their
    cache is still there: after an upgrade, an edit of the package or ``make clean-cache``
    the next run compiles again, and says so."""
    try:
        recorded = json.loads(stamp_path().read_text())
    except (OSError, ValueError):
        return True
    current = _fingerprint()
    return not isinstance(recorded, dict) or recorded.get("sources") != current["sources"] \
        or current["indexes"] < recorded.get("indexes", 0)


def mark_compiled() -> None:
    """Write the stamp (silently skipped where the cache directory is read-only)."""
    try:
        path = stamp_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_fingerprint()))
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


"""Start-up: no garbage collections over what numba and VMT build to keep.

Importing numba, pydantic and VMT's modules creates tens of thousands of
container objects that live as long as the process. CPython's cyclic
collector runs whenever allocations outnumber deallocations by 700, and
while these objects are being made it scans them again and again: in a
small run's start (with numba's registries, then built at every start),
two full collections and about 25 younger ones, some 0.15 s of CPU spent
proving that module-level state is still reachable.

:func:`kept_for_the_process` runs a block of such work with the collector
paused, then moves everything alive into the collector's permanent
generation (``gc.freeze``) and restores the collector as it was. Later
collections skip the frozen objects, so they cost what the run itself
allocates. :func:`install` puts the imports of numba, of the scenario models
and of the simulation in such a block; numba's typing and lowering
registries, when a cached kernel needs them (:mod:`vmt.engine.deferred_registries`),
are built in one too.

What freezing changes: frozen objects are still freed by their reference
counts the moment they are no longer used (a closed-over array, a dropped
scenario); only a frozen object that later becomes garbage *inside a
reference cycle* is never reclaimed. Modules, classes, numba's registries
and compiled kernels never become garbage; what else a program holds when
it first imports VMT is frozen too, so a program that builds large cyclic
structures *before* importing VMT and drops them later can call
``gc.unfreeze()`` after the import to have them collected as before.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

from vmt.engine.import_hooks import around_import

#: Modules whose first import builds only objects kept for the whole process.
LONG_LIVED_MODULES = ("numba", "vmt.scenario", "vmt.simulation")


@contextmanager
def kept_for_the_process() -> Iterator[None]:
    """Run the block with the cyclic collector paused, then freeze what is alive.

    The collector is restored to its state before the block (a program that
    disabled it keeps it disabled); the freeze happens even if the block raises.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _import_kept(execute) -> None:
    with kept_for_the_process():
        execute()


def install() -> None:
    """Put the first imports of :data:`LONG_LIVED_MODULES` in kept blocks (those not imported yet)."""
    for module in LONG_LIVED_MODULES:
        around_import(module, _import_kept)

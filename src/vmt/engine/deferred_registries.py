"""Start-up: numba's typing and lowering registries are built by the first compilation, not the first cache load.

Before it loads a kernel from its cache, numba refreshes the CPU target's
contexts "to ensure it is initialized": it imports some fifty of its own
modules (linear algebra, random generators, typed containers, jitclass,
datetime, ...) and installs every typing template and lowering
implementation they declare. On a warm start that is about 0.07 s, the
largest piece of a small run's start after importing numpy and numba. A
kernel loaded from the cache needs none of it: its machine code is final
and its signature and environment are unpickled. What it does need is
numba's runtime (NRT), which the refresh starts first, and the symbols its
object code refers to.

:func:`install` (an import hook on ``numba.core.caching``) replaces the
cache's ``load_overload`` with one that starts the runtime and loads,
leaving the registries alone, while the cached code library is loaded the
way :mod:`vmt.engine.linking_bitcode` loads it. That load reads the object
file's undefined symbols and calls :func:`build_registries` first when one
of them is not yet defined in the process: importing numba's implementation
modules is what defines some symbols (``numba.cpython.hashing`` registers
the hash secret of string hashing), so such a kernel gets them before it
links, exactly as under numba's own load. A kernel whose object file cannot
be read that way takes numba's own load, registries first.

Compiling is unchanged: numba's compiler refreshes both contexts before it
types a function, so a kernel compiled later in the process (a cache miss,
a researcher's own rule) sees every registry. Results are the same machine
code either way. If numba's cache changes shape, nothing is replaced.
"""

from __future__ import annotations

from vmt.engine.import_hooks import after_import

#: The numba module whose cache load is replaced.
CACHING_MODULE = "numba.core.caching"

_built = False


def build_registries() -> None:
    """Build the CPU target's typing and lowering registries now, as numba's cache load would (once)."""
    global _built
    if _built:
        return
    _built = True  # first: the refresh starts the runtime, whose load may come back here
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target

    from vmt.engine.startup_collections import kept_for_the_process

    with global_compiler_lock, kept_for_the_process():  # they live as long as the process
        cpu_target.target_context.refresh()


def _load_without_registries(caching_module) -> None:
    """Replace ``Cache.load_overload`` (if it has the expected shape)."""
    cache = getattr(caching_module, "Cache", None)
    needed = ("load_overload", "_load_overload", "_guard_against_spurious_io_errors")
    if cache is None or not all(hasattr(cache, name) for name in needed) or getattr(cache, "_vmt_deferred", False):
        return
    numbas_load = cache.load_overload

    def load_overload(self, sig, target_context):
        if not _checks_symbols(target_context):
            return numbas_load(self, sig, target_context)
        from numba.core.runtime import rtsys

        rtsys.initialize(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)

    cache.load_overload = load_overload
    cache._vmt_deferred = True


def _checks_symbols(target_context) -> bool:
    """Whether this context's code libraries load through :mod:`vmt.engine.linking_bitcode`'s checked load."""
    codegen = target_context.codegen()
    return bool(getattr(getattr(codegen, "_library_class", None), "_vmt_lazy", False))


def install() -> None:
    """Replace the cache load as soon as numba's cache module is imported (now, if it already is)."""
    after_import(CACHING_MODULE, _load_without_registries)

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
code either way.

Loading also rebuilds *environments*. numba gives every compiled function
one (its constants and, for object mode, its module's globals), pickles it
by the module's name and rebuilds it by importing that module. A cached
VMT kernel carries the environments of the numba implementations it
inlined (array creation, maths, sorting, random numbers, ufuncs), so the
first tick imported some twenty of numba's modules, about 0.03 s, the same
modules the refresh used to import. Compiled nopython code reads only an
environment's constants; its globals serve object-mode lowering, which
numba's own implementations never use. So the environment of a numba
module that is not imported yet is rebuilt around a dict holding the
module's name only (:func:`_environments_without_imports`); every other
environment, and every one whose module is already loaded, is numba's.
If numba's cache or environments change shape, nothing is replaced.
"""

from __future__ import annotations

import sys

from vmt.engine.import_hooks import after_import

#: The numba module whose cache load is replaced.
CACHING_MODULE = "numba.core.caching"
#: The numba module whose rebuilding of a pickled environment is replaced.
ENVIRONMENT_MODULE = "numba.core.environment"

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


def is_numbas_own(module_name) -> bool:
    """Whether ``module_name`` (None for a dynamic environment) names one of numba's own modules."""
    return isinstance(module_name, str) and (module_name == "numba" or module_name.startswith("numba."))


def _environments_without_imports(environment_module) -> None:
    """Replace ``_rebuild_env`` (if the module has the expected shape)."""
    numbas_rebuild = getattr(environment_module, "_rebuild_env", None)
    environment = getattr(environment_module, "Environment", None)
    if (numbas_rebuild is None or not hasattr(environment, "_memo")
            or not hasattr(environment_module, "lookup_environment") or getattr(numbas_rebuild, "_vmt", False)):
        return

    def _rebuild_env(module_name, consts, env_name):
        if (module_name in sys.modules or not is_numbas_own(module_name)
                or environment_module.lookup_environment(env_name) is not None):
            return numbas_rebuild(module_name, consts, env_name)
        env = environment({"__name__": module_name})
        env.consts[:] = consts
        env.env_name = env_name
        environment._memo[env_name] = env
        return env

    # pickled by reference under numba's own name, so that an environment VMT's process
    # caches is rebuilt by whichever function that name holds where it is loaded
    _rebuild_env.__module__, _rebuild_env.__qualname__ = numbas_rebuild.__module__, numbas_rebuild.__qualname__
    _rebuild_env._vmt = True
    environment_module._rebuild_env = _rebuild_env


def install() -> None:
    """Replace the cache load and the environments' rebuilding as soon as numba's modules are imported."""
    after_import(CACHING_MODULE, _load_without_registries)
    after_import(ENVIRONMENT_MODULE, _environments_without_imports)

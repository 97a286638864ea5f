"""Start-up: keep numba from timing every call into LLVM.

Every call from Python into LLVM (llvmlite's FFI) takes llvmlite's lock, and
numba registers callbacks on that lock that broadcast a ``numba:llvm_lock``
start and end event through its event system — about 10 µs of Python per
call. The only consumer of those events in numba is a diagnostic: the
``llvm_lock`` entry of a compilation's ``metadata["timers"]``. Loading one
cached kernel makes a few hundred such calls (the shared module's functions
and globals are listed one by one), so a small run's first tick spends tens
of milliseconds broadcasting events nobody reads.

:func:`install` registers an import hook
(:func:`vmt.engine.import_hooks.after_import`) that, once
``numba.core.base`` has registered its callbacks, unregisters them through
llvmlite's public ``unregister_lock_callback``; the lock itself still
serialises every call. The timer then reads 0; events of any other kind
(compiler lock, compilation, listeners a user installs) are untouched. If
numba or llvmlite change shape, nothing is unregistered.
"""

from __future__ import annotations

from vmt.engine.import_hooks import after_import

#: The numba module that registers the lock callbacks when imported.
REGISTERING_MODULE = "numba.core.base"


def numba_lock_callbacks() -> list[tuple]:
    """The (acquire, release) callbacks numba registered on llvmlite's lock."""
    from llvmlite.binding import ffi

    registered = getattr(getattr(getattr(ffi, "lib", None), "_lock", None), "_cblist", ())
    return [pair for pair in list(registered) if getattr(pair[0], "__module__", None) == REGISTERING_MODULE]


def drop_numba_lock_callbacks() -> None:
    """Unregister numba's lock-event callbacks (nothing if there are none)."""
    from llvmlite.binding import ffi

    for acquire, release in numba_lock_callbacks():
        ffi.unregister_lock_callback(acquire, release)


def install() -> None:
    """Drop the callbacks as soon as numba registers them (now, if numba is already imported)."""
    after_import(REGISTERING_MODULE, lambda _: drop_numba_lock_callbacks())

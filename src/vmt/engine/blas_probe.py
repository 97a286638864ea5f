"""Start-up: keep numba from importing ``scipy.linalg`` just to ask whether
BLAS exists.

When numba first loads or compiles a kernel it imports
``numba.np.arraymath``, which at import time calls
``numba.np.linalg.ensure_blas()`` to decide one thing: whether inner
products inside ``np.correlate``/``np.convolve`` may call BLAS. That check
imports ``scipy.linalg`` (about 0.4 s, most of a small run's start-up), and
no VMT kernel uses linear algebra.

:func:`install` registers an import hook
(:func:`vmt.engine.import_hooks.around_import`) that, only while
``numba.np.arraymath`` executes, answers the check by whether scipy is
*installed* (``importlib.util.find_spec``, no import) — the answer numba's
own check would give — and then restores numba's function. Every real
linear-algebra path in numba (``np.dot``, ``np.linalg``) still calls the
restored ``ensure_blas`` and imports scipy when it is first compiled. If
numba's internals ever change shape, the hook steps aside and numba behaves
as it always did.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from vmt.engine.import_hooks import around_import

#: The module whose import-time BLAS probe is answered without importing scipy.
PROBING_MODULE = "numba.np.arraymath"


def scipy_installed() -> bool:
    """Whether scipy can be imported, found without importing it."""
    try:
        return importlib.util.find_spec("scipy") is not None
    except (ImportError, ValueError):
        return False


def _blas_probe_without_import() -> None:
    """Stand-in for ``ensure_blas`` during the probe: raise as numba's would."""
    if not scipy_installed():
        raise ImportError("scipy 0.16+ is required for linear algebra")


def _with_probe_answered(execute) -> None:
    """Execute numba's array maths with ``ensure_blas`` answered cheaply, then restore it."""
    linalg = sys.modules.get("numba.np.linalg") or importlib.import_module("numba.np.linalg")
    real_probe = getattr(linalg, "ensure_blas", None)
    if real_probe is not None:
        linalg.ensure_blas = _blas_probe_without_import
    try:
        execute()
    finally:
        if real_probe is not None:
            linalg.ensure_blas = real_probe


def install() -> None:
    """Register the hook once (before numba loads its array maths; a no-op after)."""
    around_import(PROBING_MODULE, _with_probe_answered)

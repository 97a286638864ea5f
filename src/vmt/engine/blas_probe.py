"""Start-up: keep numba from importing ``scipy.linalg`` just to ask whether
BLAS exists.

When numba first loads or compiles a kernel it imports
``numba.np.arraymath``, which at import time calls
``numba.np.linalg.ensure_blas()`` to decide one thing: whether inner
products inside ``np.correlate``/``np.convolve`` may call BLAS. That check
imports ``scipy.linalg`` (about 0.4 s, most of a small run's start-up), and
no VMT kernel uses linear algebra.

:func:`install` registers an import hook that, only while
``numba.np.arraymath`` executes, answers the check by whether scipy is
*installed* (``importlib.util.find_spec``, no import) — the answer numba's
own check would give — and then restores numba's function. Every real
linear-algebra path in numba (``np.dot``, ``np.linalg``) still calls the
restored ``ensure_blas`` and imports scipy when it is first compiled. If
numba's internals ever change shape, the hook steps aside and numba behaves
as it always did.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys

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


class _ProbeAnsweringLoader(importlib.abc.Loader):
    """Runs the real loader with ``ensure_blas`` answered cheaply."""

    def __init__(self, real):
        self.real = real

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module):
        linalg = sys.modules.get("numba.np.linalg") or importlib.import_module("numba.np.linalg")
        real_probe = getattr(linalg, "ensure_blas", None)
        if real_probe is not None:
            linalg.ensure_blas = _blas_probe_without_import
        try:
            self.real.exec_module(module)
        finally:
            if real_probe is not None:
                linalg.ensure_blas = real_probe


class _ProbeFinder(importlib.abc.MetaPathFinder):
    """Finds :data:`PROBING_MODULE` through the other finders and wraps its loader."""

    def find_spec(self, fullname, path, target=None):
        if fullname != PROBING_MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _ProbeAnsweringLoader(spec.loader)
                return spec
        return None


def install() -> None:
    """Register the hook once (before numba loads its array maths; a no-op after)."""
    if PROBING_MODULE in sys.modules or any(isinstance(f, _ProbeFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _ProbeFinder())

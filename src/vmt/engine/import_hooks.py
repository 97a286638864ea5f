"""Start-up: run a small adjustment around the import of one numba module.

Several of numba's start-up costs come from what its modules do when they
are imported or define (:mod:`vmt.engine.blas_probe`,
:mod:`vmt.engine.llvm_lock_events`, :mod:`vmt.engine.linking_bitcode`,
:mod:`vmt.engine.runtime_cache`). :func:`around_import` registers, for one
module name, a function that runs the module's real loader: it can set
something up before the module executes and undo or complete it afterwards.
The hook finds the module through the other finders, so it never changes
*what* is imported; if the module was already imported, or its loader cannot
be wrapped, nothing is done and numba behaves as it always did.
:func:`after_import` is the common case of adjusting a module once it is
loaded, whether that is now or later.
"""

from __future__ import annotations

import importlib.abc
import sys
from typing import Callable

#: module name -> ``around(execute)``: must call ``execute()`` exactly once.
_AROUND: dict[str, Callable[[Callable[[], None]], None]] = {}


class _WrappingLoader(importlib.abc.Loader):
    """The module's real loader, its execution wrapped by the registered function."""

    def __init__(self, real, around):
        self.real = real
        self.around = around

    def create_module(self, spec):
        return self.real.create_module(spec)

    def exec_module(self, module):
        self.around(lambda: self.real.exec_module(module))


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the registered modules through the other finders and wraps their loaders."""

    def find_spec(self, fullname, path, target=None):
        around = _AROUND.pop(fullname, None)
        if around is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _WrappingLoader(spec.loader, around)
                return spec
        return None


def around_import(fullname: str, around: Callable[[Callable[[], None]], None]) -> bool:
    """Run the first import of ``fullname`` through ``around``; False (and
    nothing registered) when the module is already imported."""
    if fullname in sys.modules:
        return False
    _AROUND.setdefault(fullname, around)
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    return True


def after_import(fullname: str, adjust: Callable[[object], None]) -> None:
    """Run ``adjust(module)`` once ``fullname`` is imported: right after its
    first import, or now if it already is."""
    def around(execute: Callable[[], None]) -> None:
        execute()
        adjust(sys.modules[fullname])

    if not around_import(fullname, around):
        adjust(sys.modules[fullname])

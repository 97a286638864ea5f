"""Plug-ins: other packages that add protocols, mechanisms or metrics.

A package declares an entry point in the group ``vmt.plugins``; its value is
a module (importing it registers its protocols) or a function called with no
arguments that registers them::

    [project.entry-points."vmt.plugins"]
    my_protocol = "vmt_myprotocol"

Plug-ins are loaded lazily and once: the first time a registry is listed or
asked for a name it does not hold. Whatever a plug-in registers is marked
with its distribution's name, so listings and unknown-name errors say where
a name comes from. A plug-in that fails to load does not stop VMT: the
failure is kept (:func:`plugin_failures`), shown by ``vmt list`` and in
unknown-name errors.

This module imports nothing from the rest of VMT, so every layer may use it.
"""

from __future__ import annotations

from contextlib import contextmanager
from importlib.metadata import EntryPoint, entry_points

GROUP = "vmt.plugins"

#: Where names registered right now come from ("vmt" outside plug-in loading).
BUILT_IN = "vmt"
_source = [BUILT_IN]
_loaded = False
_failures: list[str] = []


def current_source() -> str:
    """The distribution whose plug-in is being loaded, else ``"vmt"``."""
    return _source[-1]


@contextmanager
def _loading(source: str):
    _source.append(source)
    try:
        yield
    finally:
        _source.pop()


_done: set[tuple[str, str]] = set()


def load_plugins(refresh: bool = False) -> None:
    """Load every ``vmt.plugins`` entry point not loaded yet.

    Looks for entry points once per process; ``refresh=True`` looks again
    (after installing a package while Python runs).
    """
    global _loaded
    if _loaded and not refresh:
        return
    _loaded = True
    for point in entry_points(group=GROUP):
        if (point.name, point.value) not in _done:
            _load(point)


def _load(point: EntryPoint) -> None:
    source = point.dist.name if point.dist is not None else point.name
    _done.add((point.name, point.value))
    try:
        with _loading(source):
            loaded = point.load()
            if callable(loaded):
                loaded()
    except Exception as exc:  # a broken plug-in must not break VMT
        _failures.append(f"plug-in {point.name!r} ({point.value}) from {source} failed to load: "
                         f"{type(exc).__name__}: {exc}")


def plugin_failures() -> list[str]:
    """One sentence per plug-in that failed to load."""
    return list(_failures)


def failures_note() -> str:
    """`` (plug-ins that failed to load: ...)`` for error messages, or ``""``."""
    return f" (plug-ins that failed to load: {'; '.join(_failures)})" if _failures else ""

"""Size limits checked before anything is allocated for a scenario.

A scenario file is input from anywhere (a colleague, a web form, a fuzzer),
so the loader bounds the work and memory it can demand before building
anything: the document's size, its node count after YAML aliases are
expanded (an "alias bomb" of a few hundred bytes can stand for billions of
nodes), its nesting depth, the grid's cells and the number of agents.
Radii larger than the grid's Manhattan diameter are clamped to it (they see
the whole grid either way), and every quantity of goods, converted to whole
minor units with the scenario's ``units``, must keep the economy's totals
inside int64.

The defaults suit a workstation (2,000,000 agents; a 4096 x 4096 grid); on a
big machine raise them for a session with :func:`set_limits` (Python) or
``--limit NAME=VALUE`` (``vmt run`` / ``vmt validate``)::

    from vmt.scenario import set_limits
    set_limits(max_agents=20_000_000, max_grid_cells=100_000_000)
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

#: Largest total of one good, in minor units, over all agents and cells
#: (2**62 leaves int64 room for sums of two such totals).
MAX_TOTAL_MINOR_UNITS = 2**62
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Limits:
    """The bounds a scenario must respect (see the module docstring)."""

    max_document_bytes: int = 1_000_000
    max_yaml_nodes: int = 200_000
    max_nesting_depth: int = 32
    max_grid_cells: int = 4096 * 4096
    max_agents: int = 2_000_000


_current = Limits()


def current_limits() -> Limits:
    """The limits in force."""
    return _current


def set_limits(**changes: int) -> Limits:
    """Change some limits (by name) for the rest of the process; returns the new set.

    Raises ``ValueError`` for an unknown name or a value that is not a
    positive integer.
    """
    global _current
    known = {f.name for f in fields(Limits)}
    for name, value in changes.items():
        if name not in known:
            raise ValueError(f"unknown scenario limit {name!r}; the limits are {', '.join(sorted(known))}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"scenario limit {name} must be a positive integer, got {value!r}")
    _current = replace(_current, **changes)
    return _current


def parse_limit(assignment: str) -> dict[str, int]:
    """``"max_agents=5000000"`` (``_`` and ``1e7`` allowed) -> ``{"max_agents": 5000000}``."""
    name, sep, text = assignment.partition("=")
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        value = None
    if not sep or value is None or value != int(value):
        raise ValueError(f"--limit {assignment!r}: expected NAME=INTEGER, e.g. max_agents=5000000")
    return {name.strip(): int(value)}


class DocumentTooLarge(ValueError):
    """A parsed document over a size limit; the message names the place."""


def measure(value: Any, where: str = "") -> None:
    """Raise DocumentTooLarge for a parsed document out of bounds.

    Walks the document once, sharing the work for repeated (aliased)
    objects, so a document of a few aliases that stands for billions of
    nodes is measured in time proportional to its text. Checks the expanded
    node count, the nesting depth, self-reference, integers outside int64
    and mapping keys that are not strings.
    """
    limits = current_limits()
    sizes: dict[int, int] = {}
    total = _size(value, where or "the document", 0, sizes, set(), limits)
    if total > limits.max_yaml_nodes:
        raise DocumentTooLarge(
            f"the document stands for {_count(total)} values once YAML aliases are expanded, more "
            f"than the limit of {limits.max_yaml_nodes} (raise it with --limit max_yaml_nodes=N)")


def _size(value: Any, where: str, depth: int, sizes: dict, active: set, limits: Limits) -> int:
    if depth > limits.max_nesting_depth:
        raise DocumentTooLarge(f"{where}: nested more than {limits.max_nesting_depth} levels deep "
                               "(raise it with --limit max_nesting_depth=N)")
    if isinstance(value, bool) or not isinstance(value, (dict, list, tuple, int)):
        return 1
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise DocumentTooLarge(f"{where}: the integer {_count(value)} does not fit in 64 bits (-2**63 .. 2**63-1)")
        return 1
    key = id(value)
    if key in sizes:
        return sizes[key]
    if key in active:
        raise DocumentTooLarge(f"{where}: the value contains itself (a recursive YAML alias)")
    active.add(key)
    total = 1 + sum(_size(child, path, depth + 1, sizes, active, limits) for path, child in _children(value, where))
    active.discard(key)
    sizes[key] = total
    return min(total, 2**62)


def _children(value: dict | list | tuple, where: str):
    if isinstance(value, dict):
        for k, child in value.items():
            if not isinstance(k, str):
                raise DocumentTooLarge(f"{where}: the key {_count(k)} is not a name; keys must be text")
            yield (f"{where}.{k}" if where != "the document" else k), child
    else:
        for i, child in enumerate(value):
            yield f"{where}[{i}]", child


def _count(value: Any, limit: int = 40) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**limit:
        return f"of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:20]}...{text[-8:]} ({len(text)} characters)"

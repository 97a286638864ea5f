"""Parameter axes of an experiment and their expansion into points.

An experiment's ``axes`` is a mapping, read in order; each entry is one axis:

* ``KEY.PATH: [v1, v2, ...]`` -- a list of values for one scenario key
  (any key, e.g. ``params.vision_radius``, ``params.institution``,
  ``market_posts.0.mechanism`` or a whole ``market_posts`` list);
* ``KEY.PATH: {start: a, stop: b, step: s}`` or ``{start: a, stop: b, num: n}``
  -- an arithmetic range, ``stop`` included when the steps land on it;
* ``zip: {KEY.PATH: [...], OTHER.PATH: [...]}`` -- several keys that move
  together (lists of one length, paired element by element); a list of
  such mappings gives several zipped axes;
* ``LABEL: {cases: {NAME: {KEY.PATH: value, ...}, ...}}`` -- named
  alternatives, each setting any number of keys; the table gets a column
  ``LABEL`` holding the case's name (``vmt compare`` builds its institution
  axis this way).

The points are the Cartesian product of the axes, the first axis varying
slowest. Each point carries the table columns it fills (``values``) and the
scenario assignments it makes (``assignments``).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

from vmt.scenario.base import show

#: Largest number of values one range may produce (a typo guard, not a limit of the design).
MAX_RANGE_VALUES = 100_000


class AxisError(ValueError):
    """One malformed axis; the message starts with its key path inside the experiment file."""


@dataclass(frozen=True)
class Axis:
    """One axis: the columns it fills and, per position, the values and assignments."""

    columns: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]  # per position, one value per column
    assignments: tuple[tuple[tuple[str, Any], ...], ...]  # per position, (key path, value) pairs

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Point:
    """One parameter point: its index, table columns and scenario assignments."""

    index: int
    values: dict[str, Any]
    assignments: tuple[tuple[str, Any], ...]

    @property
    def key(self) -> str:
        """Canonical text naming the point (stable across runs; used to resume)."""
        return json.dumps(self.values, sort_keys=True, separators=(",", ":"), default=str)


def parse_axes(raw: Any) -> list[Axis]:
    """Read the ``axes`` mapping into axes (raises :class:`AxisError` naming the key path)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise AxisError(f"axes: got {show(raw)}; write a mapping of KEY.PATH: [values, ...] entries")
    axes = []
    for name, spec in raw.items():
        where = f"axes[{name}]"
        if name == "zip":
            groups = spec if isinstance(spec, list) else [spec]
            axes.extend(_zip_axis(group, f"{where}[{i}]" if isinstance(spec, list) else where)
                        for i, group in enumerate(groups))
        elif isinstance(spec, dict) and "cases" in spec:
            axes.append(_cases_axis(str(name), spec, where))
        else:
            axes.append(_single_axis(_key(name, where), _values(spec, where)))
    return axes


def expand(axes: list[Axis]) -> list[Point]:
    """Every point of the Cartesian product of ``axes`` (one point with no values if there are none)."""
    points = []
    for index, combo in enumerate(itertools.product(*(range(len(a)) for a in axes))):
        values: dict[str, Any] = {}
        assignments: list[tuple[str, Any]] = []
        for axis, position in zip(axes, combo):
            values.update(zip(axis.columns, axis.values[position]))
            assignments.extend(axis.assignments[position])
        points.append(Point(index, values, tuple(assignments)))
    return points


def axis_key_paths(axes: list[Axis]) -> list[str]:
    """Every scenario key path the axes assign (for checking them against the scenario)."""
    return sorted({path for axis in axes for position in axis.assignments for path, _ in position})


def _key(name: Any, where: str) -> str:
    if not isinstance(name, str) or not all(name.split(".")):
        raise AxisError(f"{where}: {show(name)} is not a scenario key path like params.vision_radius")
    return name


def _single_axis(path: str, values: list) -> Axis:
    return Axis((path,), tuple((v,) for v in values), tuple(((path, v),) for v in values))


def _values(spec: Any, where: str) -> list:
    if isinstance(spec, list):
        if not spec:
            raise AxisError(f"{where}: the list of values is empty")
        return spec
    if isinstance(spec, dict):
        return _range(spec, where)
    raise AxisError(f"{where}: got {show(spec)}; give a list of values or a range {{start, stop, step}}")


def _range(spec: dict, where: str) -> list:
    extra = set(spec) - {"start", "stop", "step", "num"}
    if extra or not {"start", "stop"} <= set(spec) or ("step" in spec) == ("num" in spec):
        raise AxisError(f"{where}: a range is {{start: a, stop: b, step: s}} or {{start: a, stop: b, num: n}}, "
                        f"got {show(spec)}")
    start, stop = (_number(spec[k], f"{where}.{k}") for k in ("start", "stop"))
    if "num" in spec:
        num = spec["num"]
        if isinstance(num, bool) or not isinstance(num, int) or num < 1:
            raise AxisError(f"{where}.num: got {show(num)}; expected a whole number >= 1")
        step = (stop - start) / (num - 1) if num > 1 else 0.0
        return [_tidy(start + i * step, spec) for i in range(num)]
    step = _number(spec["step"], f"{where}.step")
    if step == 0 or (stop - start) * step < 0:
        raise AxisError(f"{where}.step: got {show(step)}; it must be non-zero and lead from start to stop")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_RANGE_VALUES:
        raise AxisError(f"{where}: the range has {count} values (at most {MAX_RANGE_VALUES})")
    return [_tidy(start + i * step, spec) for i in range(count)]


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise AxisError(f"{where}: got {show(value)}; expected a finite number")
    return value


def _tidy(value: float, spec: dict) -> int | float:
    """Integers stay integers when every bound is one; floats lose accumulated noise."""
    if all(isinstance(spec.get(k, 0), int) for k in ("start", "stop", "step")) and "num" not in spec:
        return int(round(value))
    return float(f"{value:.12g}")


def _zip_axis(group: Any, where: str) -> Axis:
    if not isinstance(group, dict) or not group:
        raise AxisError(f"{where}: got {show(group)}; write a mapping KEY.PATH: [values, ...] of equal-length lists")
    paths = [_key(name, f"{where}[{name}]") for name in group]
    lists = [_values(group[p], f"{where}[{p}]") for p in paths]
    lengths = {len(v) for v in lists}
    if len(lengths) != 1:
        shown = ", ".join(f"{p}: {len(v)}" for p, v in zip(paths, lists))
        raise AxisError(f"{where}: zipped lists must have one length, got {shown}")
    rows = list(zip(*lists))
    return Axis(tuple(paths), tuple(rows), tuple(tuple(zip(paths, row)) for row in rows))


def _cases_axis(label: str, spec: dict, where: str) -> Axis:
    cases = spec["cases"]
    if set(spec) != {"cases"} or not isinstance(cases, dict) or not cases:
        raise AxisError(f"{where}: write {{cases: {{NAME: {{KEY.PATH: value, ...}}, ...}}}}, got {show(spec)}")
    assignments = []
    for name, settings in cases.items():
        if not isinstance(settings, dict):
            raise AxisError(f"{where}.cases[{name}]: got {show(settings)}; expected a mapping KEY.PATH: value")
        assignments.append(tuple((_key(k, f"{where}.cases[{name}][{k}]"), v) for k, v in settings.items()))
    return Axis((label,), tuple((str(name),) for name in cases), tuple(assignments))

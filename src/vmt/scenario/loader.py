"""Reading scenarios: YAML text, files, built-in demos and ``--set`` overrides.

``load_scenario`` is the single entry point: it reads the source, applies the
overrides to the raw mapping (before validation, so an override is checked
exactly like the file), validates, and records the text for telemetry.  YAML
is read with PyYAML's safe loader plus two guards: a key repeated in one
mapping is an error (PyYAML would silently keep the last one), and ``1e-3``
is read as a number (YAML 1.1 would read it as a string). Every document is
held to the size limits of :mod:`vmt.scenario.limits` before it is validated.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Sequence

import yaml
from pydantic import ValidationError

from .base import show
from .errors import ScenarioError, describe_validation_error
from .limits import DocumentTooLarge, current_limits, measure
from .model import Scenario, ScenarioOrigin

#: Where the built-in scenarios live (package data; the repo-root ``scenarios`` links here).
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = "default"


class _ScenarioLoader(yaml.SafeLoader):
    """Safe loader that rejects duplicate keys and reads ``1e-3`` as a float."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, "a key must be a name, not a list or mapping",
                    key_node.start_mark)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"key {show(key)} is given twice", key_node.start_mark
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def parse_yaml(text: str, source: str | Path | None = None, where: str = "") -> Any:
    """Parse YAML text within the size limits (see :mod:`vmt.scenario.limits`).

    A syntax error becomes a :class:`ScenarioError` with line and column; a
    document over a limit (size, expanded aliases, depth, 64-bit integers) a
    ScenarioError naming the limit, found before anything is built from it.
    """
    check_document_size(len(text.encode("utf-8", "surrogatepass")), source)
    check_flow_depth(text, source, where)
    try:
        data = yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 -- a SafeLoader subclass
        measure(data, where)
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([_yaml_problem(exc)], source) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([f"YAML error: {_clip(str(exc))}"], source) from None
    except RecursionError:
        raise ScenarioError([f"{where or 'the document'}: nested too deeply to read (the limit is "
                             f"{current_limits().max_nesting_depth} levels)"], source) from None
    except (DocumentTooLarge, ValueError) as exc:  # ValueError: an integer of thousands of digits
        raise ScenarioError([_clip(str(exc))], source) from None
    return data


def check_document_size(size: int, source: str | Path | None) -> None:
    """Refuse a document over ``max_document_bytes`` before reading or parsing it."""
    limit = current_limits().max_document_bytes
    if size > limit:
        raise ScenarioError([f"the document is {size} bytes, more than the limit of {limit} "
                             "(raise it with --limit max_document_bytes=N)"], source)


_QUOTED = re.compile(r"'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"|#[^\n]*")


def check_flow_depth(text: str, source: str | Path | None, where: str = "") -> None:
    """Refuse ``[[[[...`` / ``{{{{...`` nested past the depth limit before the parser recurses into it."""
    limit, depth, deepest = current_limits().max_nesting_depth, 0, 0
    for char in _QUOTED.sub("", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    if deepest > limit:
        raise ScenarioError([f"{where or 'the document'}: nested more than {limit} levels deep "
                             "(raise it with --limit max_nesting_depth=N)"], source)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    context = f" ({exc.context})" if exc.context else ""
    return f"YAML syntax error{where}: {exc.problem}{context}"


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with VMT (usable as bare names)."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def scenario_path(name: str | Path) -> Path:
    """Resolve an existing file path, or a built-in scenario by bare name (``"edgeworth_box"``)."""
    candidate = Path(name)
    if candidate.is_file():
        return candidate
    stem = candidate.name.removesuffix(".yaml").removesuffix(".yml")
    builtin = SCENARIO_DIR / f"{stem}.yaml"
    if candidate.parent == Path(".") and builtin.is_file():
        return builtin
    reason = "is a directory" if candidate.is_dir() else "does not exist"
    raise ScenarioError(
        [f"the file {reason} and is not a built-in scenario name (built-in: {', '.join(builtin_scenarios())})"],
        name,
    )


def default_scenario() -> Scenario:
    """The built-in default economy (``scenarios/default.yaml``), used by ``vmt run`` with no file."""
    return load_scenario(SCENARIO_DIR / f"{DEFAULT_SCENARIO}.yaml")


def load_scenario(source: str | Path | dict | Scenario, overrides: Sequence[str] = ()) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source : str, Path, dict or Scenario
        A file path or built-in name, YAML text (a string containing a newline,
        or a one-line mapping such as ``"{grid: ...}"``), an already-parsed
        mapping, or a loaded scenario (its own overrides are kept and the new
        ones applied after them).
    overrides : sequence of str
        ``KEY.PATH=VALUE`` assignments (``params.vision_radius=5``,
        ``agents.0.count=10``) applied to the raw mapping before validation;
        ``VALUE`` is parsed as YAML.

    Raises
    ------
    ScenarioError
        Naming every problem (key path, bad value, what is allowed) and the file.
    """
    if isinstance(source, Scenario):
        origin = source.origin
        return _build(origin.raw, origin.text, origin.path, (*origin.overrides, *overrides))
    raw, text, path = _read_source(source)
    return _build(raw, text, path, tuple(overrides))


def _build(raw: dict, text: str, path: Path | None, overrides: tuple[str, ...]) -> Scenario:
    updated = apply_overrides(raw, overrides, path)
    try:
        scenario = Scenario.model_validate(updated)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, Scenario), path, overrides) from None
    scenario._origin = ScenarioOrigin(raw=copy.deepcopy(raw), text=text, path=path, overrides=overrides)
    return scenario


def _read_source(source: str | Path | dict) -> tuple[dict, str, Path | None]:
    if isinstance(source, dict):
        try:
            measure(source)
        except DocumentTooLarge as exc:
            raise ScenarioError([str(exc)]) from None
        return copy.deepcopy(source), _dump_text(source), None
    if isinstance(source, str) and _looks_like_yaml_text(source):
        return _as_mapping(parse_yaml(source), None), source, None
    if not isinstance(source, (str, Path)):
        raise ScenarioError([f"cannot load a scenario from a {type(source).__name__}; give a path, YAML text or a mapping"])
    path = scenario_path(source)
    try:
        check_document_size(path.stat().st_size, path)
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"cannot read the file: {exc}"], path) from None
    return _as_mapping(parse_yaml(text, path), path), text, path


def _looks_like_yaml_text(source: str) -> bool:
    if "\n" in source or not source.strip() or source.lstrip().startswith("{"):
        return True
    return ": " in source and not Path(source).exists()


def _as_mapping(raw: Any, path: Path | None) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ScenarioError(
            [f"the top level must be a mapping of keys (grid, agents, params, ...), got {show(raw)}"], path
        )
    return raw


def _dump_text(raw: dict) -> str:
    try:
        return yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return json.dumps(raw, indent=2, default=str)


def apply_overrides(raw: dict, overrides: Sequence[str], source: str | Path | None = None) -> dict:
    """Return a copy of ``raw`` with each ``KEY.PATH=VALUE`` override applied (all problems reported)."""
    updated = copy.deepcopy(raw)
    problems = []
    for override in overrides:
        try:
            _apply_override(updated, override)
        except _OverrideError as exc:
            problems.append(f"override {override!r}: {exc}")
    if problems:
        raise ScenarioError(problems, source)
    return updated


class _OverrideError(Exception):
    """One override that cannot be applied (collected into a ScenarioError)."""


def _apply_override(raw: dict, override: str) -> None:
    if "=" not in override:
        raise _OverrideError("expected KEY=VALUE, e.g. params.vision_radius=5")
    key, text = override.split("=", 1)
    parts = key.strip().split(".")
    if not all(parts):
        raise _OverrideError(f"key {key!r} is not a dotted path like params.vision_radius or agents.0.count")
    try:
        value = parse_yaml(text, where=key.strip())
    except ScenarioError as exc:
        raise _OverrideError(f"value {_clip(text, 60)!r} is not valid YAML or too large "
                             f"({'; '.join(exc.problems)})") from None
    container: Any = raw
    for depth, part in enumerate(parts[:-1]):
        container = _step(container, part, ".".join(parts[: depth + 1]))
    _assign(container, parts[-1], value, key.strip())


def _step(container: Any, part: str, where: str) -> Any:
    if isinstance(container, dict):
        child = container.setdefault(part, {})
        if not isinstance(child, (dict, list)):
            raise _OverrideError(f"{where} is {show(child)}, not a mapping or list to descend into")
        return child
    index = _list_index(container, part, where)
    return container[index]


def _assign(container: Any, part: str, value: Any, where: str) -> None:
    if isinstance(container, dict):
        container[part] = value
    else:
        container[_list_index(container, part, where)] = value


def _list_index(container: Any, part: str, where: str) -> int:
    if not isinstance(container, list):
        raise _OverrideError(f"cannot descend into {show(container)} at {where}")
    if not part.isdigit() or int(part) >= len(container):
        raise _OverrideError(f"{where}: index {part!r} is not in 0..{len(container) - 1}")
    return int(part)

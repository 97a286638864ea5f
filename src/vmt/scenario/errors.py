"""Turning validation failures into one paragraph a scenario author can act on.

Every problem is named by its key path in the file (``params.vision_radius``,
``agents[1].endowment.A``), the value found and what is allowed; an unknown
key lists the keys allowed at that place.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .base import show


class ScenarioError(ValueError):
    """A scenario that cannot be loaded; ``str(e)`` is one paragraph naming every problem.

    Attributes
    ----------
    problems : list of str
        One entry per problem, each starting with its key path.
    source : str or None
        The file name when known.
    """

    def __init__(self, problems: list[str], source: str | Path | None = None, overrides: tuple[str, ...] = ()) -> None:
        self.problems = list(problems)
        self.source = None if source is None else str(source)
        super().__init__(_paragraph(self.problems, self.source, overrides))


#: Problems spelled out in one error paragraph; the rest are counted.
MAX_PROBLEMS_SHOWN = 8


def _paragraph(problems: list[str], source: str | None, overrides: tuple[str, ...]) -> str:
    where = f"scenario file {source}" if source else "scenario"
    if overrides:
        where += " with " + ", ".join(f"--set {o}" for o in overrides)
    if len(problems) == 1:
        return f"Invalid {where}: {problems[0]}."
    shown = problems[:MAX_PROBLEMS_SHOWN]
    numbered = "; ".join(f"({i}) {text}" for i, text in enumerate(shown, start=1))
    more = len(problems) - len(shown)
    rest = f"; and {more} more (fix these first)" if more else ""
    return f"Invalid {where} ({len(problems)} problems): {numbered}{rest}."


def key_path(loc: tuple[Any, ...]) -> str:
    """``('agents', 1, 'endowment', 'A')`` -> ``agents[1].endowment.A``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def describe_validation_error(exc: ValidationError, root: type[BaseModel]) -> list[str]:
    """One message per pydantic error: key path, bad value, what is allowed."""
    return [_describe(error, root) for error in exc.errors(include_url=False)]


def _describe(error: dict[str, Any], root: type[BaseModel]) -> str:
    loc, kind, message = tuple(error["loc"]), error["type"], error["msg"]
    path = key_path(loc)
    prefix = f"{path}: " if path else ""
    if kind == "extra_forbidden":
        return f"{path}: unknown key{_allowed_hint(_owner_model(root, loc[:-1]), loc)}"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind.startswith("vmt_"):
        return prefix + message
    return f"{prefix}got {show(error.get('input'))}; {_should(message)}"


def _should(message: str) -> str:
    """Pydantic's "Input should be ..." -> "should be ..."."""
    return message.removeprefix("Input ") if message.startswith("Input ") else message[:1].lower() + message[1:]


def _allowed_hint(owner: Any, loc: tuple[Any, ...]) -> str:
    """`` (did you mean 'x'? allowed keys in p: ...; aliases: a -> b)`` for an unknown key."""
    if not (isinstance(owner, type) and issubclass(owner, BaseModel)):
        return ""
    fields = list(owner.model_fields)
    aliases = dict(getattr(owner, "KEY_ALIASES", {}))
    close = difflib.get_close_matches(str(loc[-1]), fields + list(aliases), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    place = f" in {key_path(loc[:-1])}" if loc[:-1] else ""
    hint += f"allowed keys{place}: {', '.join(fields)}"
    if aliases:
        hint += "; accepted aliases: " + ", ".join(f"{a} (= {c})" for a, c in aliases.items())
    return f" ({hint})"


def _owner_model(root: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """Walk the model's type annotations along ``loc`` to the model that owns the bad key."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
    return _unwrap(current)


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation

"""Hostile scenario documents: the mutations a fuzzer applies to good ones, and the judge.

Used by the property-based fuzz tests and by ``benchmarks/fuzz_campaign.py``
to check that every document ends in success or in VMT's own one-paragraph
error, within a time and memory bound, and that ``vmt validate`` and ``vmt
run`` agree. A mutation takes a parsed document (or its text) and a
``random.Random`` and returns YAML text, so a seed reproduces a case.
"""

from __future__ import annotations

import copy
import json
import math
import random
from typing import Any, Callable

import yaml

#: Values a fuzzer writes where a good document has a number, name or list.
HOSTILE_VALUES: tuple[Any, ...] = (
    -1, 0, 1, 2**31, 2**63, -(2**63) - 1, 10**30, 10**400, 1e308, -1e308, math.inf, -math.inf, math.nan,
    0.5, -0.0, 1e-320, True, None, "", "x" * 5000, "nope", "\u202e\U0001d518\u2205\x00", [], [1, 2],
    [[[[[]]]]], {}, {"a": 1}, [10**9, 10**9], [-5, 3], "1e9",
)

#: Key paths that steer size and work, aimed at directly half the time.
SIZE_PATHS = (
    ("grid", "width"), ("grid", "height"), ("agents", 0, "count"), ("params", "vision_radius"),
    ("params", "interaction_radius"), ("params", "move_budget_per_tick"), ("params", "market_radius"),
    ("params", "broadcast_radius"), ("params", "max_trade_quantity"), ("params", "forage_rate"),
    ("params", "ticks"), ("seed",), ("units", "M"), ("units", "A"), ("agents", 0, "endowment", "A"),
    ("resources", 0, "count"), ("resources", 0, "cap"), ("market_posts", 0, "mechanism_type"),
    ("market_posts", 0, "mechanism_params"), ("market_posts", 0, "visibility_radius"),
    ("protocols", "bargaining"), ("protocols", "search", "params"), ("params", "lambda_bounds"),
)
BIG_VALUES = (10**9, 10**12, 2**62, 10**18, 10**5, 50_000)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a parsed document (mappings and lists)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, child in value.items():
            found += _paths(child, prefix + (k,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += _paths(child, prefix + (i,))
    return found


def _set(doc: Any, path: tuple, value: Any) -> None:
    node = doc
    for part in path[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(part, {})
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return
    if isinstance(node, dict):
        node[path[-1]] = value
    elif isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node):
        node[path[-1]] = value


def _delete(doc: Any, path: tuple) -> None:
    node = doc
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)
    elif isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node):
        del node[path[-1]]


def mutate_values(doc: dict, rng: random.Random) -> dict:
    """Replace, delete or add one to three keys with hostile values."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = _paths(doc)
        path = rng.choice(SIZE_PATHS) if rng.random() < 0.5 or not paths else rng.choice(paths)
        roll = rng.random()
        if roll < 0.15:
            _delete(doc, path)
        elif roll < 0.2:
            _set(doc, path[:-1] + (rng.choice(["bogus", "vision_radiuss", "ẞ"]),), 1)
        elif roll < 0.45:
            _set(doc, path, rng.choice(BIG_VALUES))
        else:
            _set(doc, path, copy.deepcopy(rng.choice(HOSTILE_VALUES)))
    return doc


def dump(doc: Any) -> str:
    """YAML text of a mutated document (JSON-ish where YAML cannot say it)."""
    try:
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return json.dumps(doc, default=str)


def alias_bomb(levels: int = 12, width: int = 9) -> str:
    """A few hundred bytes that stand for ``width ** levels`` values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    lines.append(f"grid: {{width: 5, height: 5}}\nagents: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def deep_nesting(depth: int = 1000, flow: bool = True) -> str:
    """A document nested ``depth`` levels deep (flow lists or block mappings)."""
    if flow:
        return "grid: {width: 5, height: 5}\nparams: " + "[" * depth + "]" * depth + "\n"
    return "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "v\n"


TEXT_ATTACKS: tuple[Callable[[random.Random], str], ...] = (
    lambda rng: alias_bomb(rng.randint(4, 14)),
    lambda rng: deep_nesting(rng.choice([40, 200, 1000, 5000])),
    lambda rng: deep_nesting(rng.choice([40, 300]), flow=False),
    lambda rng: "grid: {width: 5, height: 5}\nname: " + "x" * rng.choice([10, 2_000_000]) + "\n",
    lambda rng: "grid: {width: 5, height: 5}\nseed: " + "9" * rng.choice([20, 5000]) + "\n",
    lambda rng: "&r [*r]\n",
    lambda rng: "? [a, b]\n: 1\ngrid: {width: 5, height: 5}\n",
    lambda rng: "grid: {width: 5, height: 5}\ngrid: {width: 6, height: 6}\n",
    lambda rng: "\x00\x01\xff garbage: [\n",
    lambda rng: "grid: !!python/object:os.system {}\n",
    lambda rng: "- 1\n- 2\n",
    lambda rng: "grid: {width: .inf, height: .nan}\n",
)


def hostile_document(base: dict, rng: random.Random) -> str:
    """One hostile document: a text attack (a fifth of the time) or mutated values of ``base``."""
    if rng.random() < 0.2:
        return rng.choice(TEXT_ATTACKS)(rng)
    return dump(mutate_values(base, rng))


#: How a document ended: built and ran; refused by VMT's own error (at
#: validation, i.e. before the first tick); accepted but then refused while
#: running (validate and run disagree); or anything else (a traceback).
OUTCOMES = ("ran", "refused", "refused_while_running", "crashed")


def judge(text: str, ticks: int = 3) -> tuple[str, str]:
    """(outcome, detail) of loading ``text``, building it as ``vmt validate`` does, then running.

    VMT's own errors are the ``ValueError`` subclasses defined in ``vmt``
    (``ScenarioError``, ``ProtocolError``, ``MechanismError``,
    ``SimulationError``, ...); any other exception is a crash.
    """
    from vmt.scenario import load_scenario
    from vmt.simulation import Simulation

    try:
        sim = Simulation(load_scenario(text))
    except Exception as exc:  # noqa: BLE001 -- classifying is the point
        return ("refused", str(exc)) if _own_error(exc) else ("crashed", _describe(exc))
    try:
        sim.run(ticks)
    except Exception as exc:  # noqa: BLE001
        return ("refused_while_running", str(exc)) if _own_error(exc) else ("crashed", _describe(exc))
    return "ran", ""


def _own_error(exc: BaseException) -> bool:
    return isinstance(exc, ValueError) and type(exc).__module__.startswith("vmt.")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"

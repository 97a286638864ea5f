"""The examples in docs/scenarios.md run: YAML blocks load, Python blocks execute."""

from __future__ import annotations

import re
from pathlib import Path

from vmt.scenario import load_scenario

DOC = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_yaml_examples_are_valid_scenarios():
    examples = blocks("yaml")
    assert examples
    for text in examples:
        assert load_scenario(text).agent_count >= 1


def test_python_examples_run(monkeypatch):
    monkeypatch.chdir(DOC.parent.parent)
    examples = blocks("python")
    assert examples
    for code in examples:
        exec(compile(code, str(DOC), "exec"), {})

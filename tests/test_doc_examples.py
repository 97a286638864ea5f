"""The Python examples in the reference docs run and their assertions hold.

Each ```python block of each listed document is one test case, executed in a
fresh namespace from the repository root (examples name files such as
``scenarios/edgeworth_box.yaml`` relative to it).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("economics.md", "mechanisms.md", "market_posts.md", "extending.md", "experiments.md", "coordination.md",
        "reliability.md", "viewer.md")
EXAMPLES = [
    (name, index, code)
    for name in DOCS
    for index, code in enumerate(re.findall(r"```python\n(.*?)```", (ROOT / "docs" / name).read_text(), flags=re.S))
]


@pytest.mark.parametrize("name", DOCS)
def test_doc_has_examples(name):
    assert sum(1 for doc, _, _ in EXAMPLES if doc == name) >= 3


@pytest.mark.parametrize("name, index, code", EXAMPLES, ids=[f"{n}[{i}]" for n, i, _ in EXAMPLES])
def test_doc_example_runs(name, index, code, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(code, f"{name}[example {index}]", "exec"), {})

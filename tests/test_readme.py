"""The README's Python example runs as written, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_python_examples_run(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert blocks
    for code in blocks:
        namespace = {}
        exec(compile(code, "README.md", "exec"), namespace)
        assert len(namespace["sim"].trades_df()) > 0

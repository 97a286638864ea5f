"""docs/telemetry.md stays true: its examples run and its column reference is the schema's."""

from __future__ import annotations

import re
from pathlib import Path

from vmt.telemetry import TABLES
from vmt.telemetry.schema import describe_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "telemetry.md"


def test_column_reference_is_generated_from_the_schema():
    assert describe_markdown() in DOC.read_text(encoding="utf-8")


def test_every_table_and_column_is_documented():
    text = DOC.read_text(encoding="utf-8")
    for table in TABLES.values():
        section = text.split(f"### `{table.name}`")[1].split("### ")[0]
        for column in table.columns:
            assert f"| `{column.name}` |" in section, (table.name, column.name)


def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    examples = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(examples) == 2
    namespace: dict = {}
    for code in examples:  # the reading example reads the file the writing example wrote
        exec(compile(code, str(DOC), "exec"), namespace)
    assert (tmp_path / "build" / "trades.csv").read_text().startswith("run_id,tick,buyer_id")

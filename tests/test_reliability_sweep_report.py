"""A sweep's report shows the text that came from its spec and its runs (the
sweep's name, the scenario, group names, errors) literally: in report.md
nothing of it is active Markdown, in report.html nothing is markup."""

from __future__ import annotations

import json
import re

import yaml
from click.testing import CliRunner
from conftest import two_type_economy

from vmt.cli import main

HOSTILE = "![x](http://evil.example/i.png) <script>alert(1)</script> **b** | `c`"


def test_sweep_report_text_from_the_spec_is_shown_never_interpreted(tmp_path):
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(two_type_economy(count=8, grid=6)))
    out = tmp_path / "cmp"
    ran = CliRunner().invoke(main, ["compare", str(scenario), "--institutions", "bilateral,walrasian", "--seeds", "2",
                                    "--ticks", "4", "--workers", "1", "--quiet", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    manifest = json.loads((out / "experiment.json").read_text())
    manifest.update(name=HOSTILE, scenario=HOSTILE, notes=[HOSTILE])
    (out / "experiment.json").write_text(json.dumps(manifest))
    again = CliRunner().invoke(main, ["report", str(out), "--out", str(tmp_path / "r")])
    assert again.exit_code == 0, again.output
    markdown = (tmp_path / "r" / "report.md").read_text()
    assert markdown.count("evil.example") == 3
    for line in (line for line in markdown.splitlines() if "evil.example" in line):
        assert not re.search(r"(?<!\\)(!\[|<|\*\*|`|\|)", line), line  # every active character escaped
    page = (tmp_path / "r" / "report.html").read_text()
    assert "<script" not in page and not re.search(r"<img[^>]*evil", page) and "<b>b</b>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4  # title, heading, scenario, note

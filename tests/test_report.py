"""``vmt report``: sections, figures, Markdown/HTML, theory line, CLI errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import two_type_economy
from vmt.analysis import report as report_module
from vmt.analysis import report_data as data
from vmt.analysis.report import ReportError, Section, markdown_to_html, register_section, section_names, write_report
from vmt.cli import main
from vmt.economics.equilibrium import walrasian_price
from vmt.simulation import Simulation
from vmt.telemetry import read_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    out = {}
    for regime in ("barter", "money"):
        scenario = two_type_economy(30, regime, grid=8, institution="price_signals", price_learning_rate=0.3)
        scenario["resources"] = []  # pure exchange: the Walrasian price is the economy's
        out[regime] = folder / f"{regime}.db"
        Simulation(scenario, seed=2, telemetry=out[regime]).run(30)
    return out


def test_barter_report_has_its_sections_figures_and_theory_line(runs, tmp_path):
    report = write_report(runs["barter"], out_dir=tmp_path / "r")
    assert report.sections == ["overview", "prices", "dispersion", "volume", "areas", "map", "replay"]  # no lambda
    assert {f.name for f in report.figures} == {"prices.png", "dispersion.png", "volume.png", "map.png", "replay.gif"}
    assert all(f.read_bytes()[:8] == PNG_MAGIC for f in report.figures if f.suffix == ".png")
    assert (tmp_path / "r" / "replay.gif").read_bytes()[:6] == b"GIF89a"
    agents = read_table(runs["barter"], "agents")
    codes, params, _ = data.economy(str(runs["barter"]), 1)
    p_star = walrasian_price(codes, params, agents["A0"].to_numpy(), agents["B0"].to_numpy())
    text = report.markdown_path.read_text()
    assert f"| A<->B | {p_star:.4g} |" in text and "![prices](prices.png)" in text
    html = report.html_path.read_text()
    assert "<img alt=\"prices\" src=\"data:image/png;base64," in html and "<table>" in html and "<h2>Prices</h2>" in html


def test_money_report_shows_lambda(runs, tmp_path):
    report = write_report(runs["money"], out_dir=tmp_path / "m", sections="overview,lambda")
    assert report.sections == ["overview", "lambda"] and report.figures[0].name == "lambda.png"
    snaps = read_table(runs["money"], "agent_snapshots")
    last = snaps[snaps["tick"] == snaps["tick"].max()]["lambda"]
    assert f"{last.median():.4g}" in report.markdown_path.read_text()


def test_quote_dispersion_is_the_std_of_log_mrs(runs):
    db = str(runs["barter"])
    snaps, agents = read_table(db, "agent_snapshots"), read_table(db, "agents")
    alpha = np.array([json.loads(p)["alpha"] for p in agents["utility_params"]])
    tick = snaps[snaps["tick"] == 10].sort_values("agent_id")
    mrs = alpha / (1 - alpha) * tick["B"].to_numpy() / tick["A"].to_numpy()
    assert data.valuation_dispersion(db, 1).loc[10] == pytest.approx(np.log(mrs).std(), rel=1e-12)


def test_trade_price_path_is_the_volume_weighted_price(runs):
    db = str(runs["barter"])
    trades = read_table(db, "trades")
    path = data.trade_price_path(db, 1).set_index("tick")
    some = trades[trades["tick"] == trades["tick"].iloc[0]]
    assert path.loc[some["tick"].iloc[0], "price"] == pytest.approx(some["quantity_B"].sum() / some["quantity_A"].sum())


@pytest.fixture
def extra_section():
    @register_section("test_extra")
    def extra(db, run_id, out_dir):
        return Section(f"## Extra\n\nrun {run_id} has {len(read_table(db, 'trades', run_id))} trades")

    yield "test_extra"
    report_module._SECTIONS.pop("test_extra")


def test_a_registered_section_is_written_in_order(runs, tmp_path, extra_section):
    assert section_names()[-1] == extra_section
    report = write_report(runs["barter"], out_dir=tmp_path / "x", sections=["overview", extra_section])
    text = report.markdown_path.read_text()
    assert text.index("## Overview") < text.index("## Extra") and "trades" in text
    with pytest.raises(ReportError, match="registered twice"):
        register_section(extra_section)(lambda db, run_id, out_dir: None)


def test_unknown_section_and_run_are_named(runs, tmp_path):
    with pytest.raises(ReportError, match="unknown report section.*'nope'.*valid: overview"):
        write_report(runs["barter"], out_dir=tmp_path, sections="overview,nope")
    with pytest.raises(ReportError, match="no run 7"):
        write_report(runs["barter"], run_id=7, out_dir=tmp_path)


def test_markdown_to_html_tables_lists_and_code():
    html = markdown_to_html("# T\n\n| a | b |\n|---|---|\n| 1 | `x` |\n\n- one\n- **two**\n")
    assert "<h1>T</h1>" in html and "<th>a</th>" in html and "<td><code>x</code></td>" in html
    assert "<ul><li>one</li><li><b>two</b></li></ul>" in html and "---" not in html


def test_cli_report_writes_and_rejects_bad_input(runs, tmp_path):
    cli = CliRunner()
    done = cli.invoke(main, ["report", str(runs["barter"]), "--out", str(tmp_path / "cli")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "cli" / "report.html").is_file() and "sections: overview" in done.output
    listing = cli.invoke(main, ["report", "x.db", "--list"])
    assert listing.exit_code == 0 and "dispersion" in listing.output.split()
    missing = cli.invoke(main, ["report", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no such telemetry file" in missing.output
    not_vmt = tmp_path / "junk.db"
    not_vmt.write_text("hello")
    junk = cli.invoke(main, ["report", str(not_vmt)])
    assert junk.exit_code == 2 and "junk.db" in junk.output
    bad_run = cli.invoke(main, ["report", str(runs["barter"]), "--run-id", "9", "--out", str(tmp_path / "b")])
    assert bad_run.exit_code == 2 and "no run 9" in bad_run.output
    bad_section = cli.invoke(main, ["report", str(runs["barter"]), "--sections", "prices,bogus", "--out", str(tmp_path / "c")])
    assert bad_section.exit_code == 2 and "bogus" in bad_section.output


def test_default_folder_is_beside_the_file(runs):
    report = write_report(runs["barter"], sections="overview")
    assert report.markdown_path.parent == runs["barter"].with_name("barter_report")
    assert report.html_path.is_file() and report.sections == ["overview"]


def test_the_docs_example_section_works(runs, tmp_path):
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "report.md").read_text(encoding="utf-8")
    code = text.split("```python\n")[1].split("```")[0]
    try:
        exec(compile(code, "docs/report.md", "exec"), {})
        report = write_report(runs["barter"], out_dir=tmp_path / "doc", sections="my_section")
        trades = read_table(runs["barter"], "trades")
        assert report.markdown_path.read_text().endswith(f"## My section\n\n{len(trades)} trades\n")
    finally:
        report_module._SECTIONS.pop("my_section", None)

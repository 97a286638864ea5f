"""``vmt report`` pictures and safety: the map, the animated replay, a
self-contained HTML page, run text shown literally, empty runs, readable figures."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure
from PIL import Image

from viewer_support import tiny_economy
from vmt.analysis import plots_axes
from vmt.analysis.plots_prices import price_figure
from vmt.analysis.report import ReportError, escape_markdown, markdown_to_html, write_report
from vmt.cli import main
from vmt.simulation import Simulation
from vmt.telemetry import TelemetryWriter
from vmt.viewer.replay import ReplayRun

HOSTILE_NAME = "![x](http://evil.example/i.png) <img src=http://evil.example/a.png> **b** | c\n# d <script>"


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("pictures") / "hostile.db"
    scenario = tiny_economy()
    scenario["name"] = HOSTILE_NAME
    Simulation(scenario, seed=5, telemetry=path).run(8)
    return path


@pytest.fixture(scope="module")
def report(hostile_run, tmp_path_factory):
    return write_report(hostile_run, out_dir=tmp_path_factory.mktemp("r"), options={"map_ticks": [0, 4, 7]})


def test_map_and_replay_figures_are_written(report, hostile_run):
    names = {f.name for f in report.figures}
    assert {"map.png", "replay.gif"} <= names and report.sections[-2:] == ["map", "replay"]
    text = report.markdown_path.read_text()
    assert "The grid at ticks 0, 4, 7" in text
    gif = Image.open(report.markdown_path.parent / "replay.gif")
    assert gif.n_frames == len(ReplayRun(hostile_run).snapshot_ticks) == 8


def test_map_ticks_must_have_been_recorded(hostile_run, tmp_path):
    with pytest.raises(ReportError, match="were not recorded"):
        write_report(hostile_run, out_dir=tmp_path, sections="map", options={"map_ticks": [3, 99]})
    result = CliRunner().invoke(main, ["report", str(hostile_run), "--out", str(tmp_path), "--map-ticks", "1,x"])
    assert result.exit_code == 2 and "--map-ticks" in result.output


def test_report_html_is_self_contained(report):
    page = report.html_path.read_text()
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == len(report.figures) and all(s.startswith("data:image/") for s in sources)
    assert "http://" not in page.replace("http://evil.example", "") and "<link" not in page


def test_scenario_text_is_shown_never_interpreted(report):
    markdown, page = report.markdown_path.read_text(), report.html_path.read_text()
    row = next(line for line in markdown.splitlines() if line.startswith("| scenario |"))
    assert not re.search(r"(?<!\\)(!\[|<|\*\*)", row) and len(re.split(r"(?<!\\)\|", row)) == 4
    assert "<script" not in page and not re.search(r"<img[^>]*evil", page)
    cell = re.search(r"<td>scenario</td><td>(.*?)</td>", page).group(1)
    assert html.unescape(cell) == HOSTILE_NAME.replace("\n", " ")  # shown literally, in one cell


def test_only_the_reports_own_figures_become_images():
    page = markdown_to_html("![a](map.png) ![b](http://evil.example/x.png) " + escape_markdown("![c](y.png)"),
                            images={"map.png": "data:image/png;base64,AAAA"})
    assert page.count("<img") == 1 and 'src="data:image/png;base64,AAAA"' in page
    assert "[image b: http://evil.example/x.png]" in page and "![c](y.png)" in page
    beside = markdown_to_html("![a](map.png) ![b](http://evil.example/x.png) ![c](../../etc/x.png)")
    assert beside.count("<img") == 1 and 'src="map.png"' in beside  # a figure file beside the page


def test_a_run_that_recorded_nothing_says_so(tmp_path):
    path = tmp_path / "killed.db"
    writer = TelemetryWriter(path)
    writer.begin_run(scenario_name="killed", scenario_hash="0", scenario_text="name: killed\n", seed=1,
                     version="0", params={})
    writer.flush()  # the process dies here: a run row, nothing else
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0 and "recorded nothing" in result.output and "Traceback" not in result.output
    text = (tmp_path / "r" / "report.md").read_text()
    assert "## Nothing recorded" in text and "status running, 0 ticks completed" in text


def test_a_run_without_ticks_reports_without_figures(tmp_path):
    path = tmp_path / "zero.db"
    Simulation(tiny_economy(), seed=1, telemetry=path).run(0)
    report = write_report(path, out_dir=tmp_path / "r")
    assert report.sections[:2] == ["overview", "prices"] and report.figures == []
    assert "No trades were made" in report.markdown_path.read_text()


def test_missing_walrasian_price_is_explained(hostile_run, tmp_path, monkeypatch):
    import vmt.economics.equilibrium as equilibrium

    def no_price(*args, **kwargs):
        raise equilibrium.EquilibriumNotFoundError("excess demand never changes sign")

    monkeypatch.setattr(equilibrium, "walrasian_price", no_price)
    text = write_report(hostile_run, out_dir=tmp_path, sections="overview,prices").markdown_path.read_text()
    assert "| A<->B | — |" in text
    assert text.count("- p* is — for A<->B: the barter equilibrium solver found no price \\(excess demand") == 1
    assert "No equilibrium: excess demand never changes sign" in text  # the overview's line


def labels(ax) -> list[str]:
    ax.figure.canvas.draw()
    return [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels() if t.get_text()]


@pytest.mark.parametrize("low, high", [(0.9, 1.3), (0.05, 40.0), (5.5, 6.5)])
def test_log_axes_are_labelled_with_plain_numbers(low, high):
    ax = Figure().subplots()
    ax.plot([0, 10], [low, high])
    plots_axes.finish_axes(ax, "price", log=True)
    shown = labels(ax)
    assert shown and all(re.fullmatch(r"-?\d+(\.\d+)?", s) for s in shown), shown


def test_long_legends_say_what_they_leave_out():
    ax = Figure().subplots()
    for k in range(12):
        ax.plot([0, 1], [k, k], label=f"post {k}")
    plots_axes.finish_axes(ax, "price")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(texts) == plots_axes.LEGEND_LIMIT and texts[-1] == "… 5 more not listed"


def test_single_points_have_markers_and_volume_starts_at_zero():
    ax = Figure().subplots()
    (lone,) = plots_axes.plot_series(ax, [3], [7.0])
    (many,) = plots_axes.plot_series(ax, [1, 2, 3], [5.0, 6.0, 7.0])
    assert lone.get_marker() == "o" and many.get_marker() in ("None", None, "")
    plots_axes.finish_axes(ax, "volume", from_zero=True)
    assert ax.get_ylim()[0] == 0


def test_price_panels_without_trades_say_na_and_reference_lines_share_the_pair_colour():
    path = pd.DataFrame({"tick": [0, 1], "pair_type": ["A<->M", "A<->M"], "price": [2.0, 2.1],
                         "volume": [1.0, 1.0], "n_trades": [1, 1], "in_market": [0.0, 0.0]})
    areas = pd.DataFrame(columns=["tick", "market_id", "pair", "price"])
    money, b_money = price_figure(areas, path, {"A<->M": 2.05, "B<->M": 1.0}, ("A<->M", "B<->M")).axes
    assert any(t.get_text() == "n/a: no B<->M trades in this run" for t in b_money.texts)
    assert not money.texts
    vwap, reference = money.lines
    assert vwap.get_color() == reference.get_color() == plots_axes.PAIR_COLOURS["A<->M"]
    assert reference.get_linestyle() == "--" and vwap.get_marker() == "o"  # two points: markers

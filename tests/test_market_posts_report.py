"""The ``posts`` section of ``vmt report``."""

from __future__ import annotations

from vmt.analysis.report import section_names, write_report
from vmt.simulation import Simulation


def test_posts_section_tabulates_each_post_against_the_walrasian_price(tmp_path):
    db = tmp_path / "posts.db"
    Simulation("walrasian_single_post", seed=3, telemetry=db).run(10)
    report = write_report(db, out_dir=tmp_path / "report", sections="posts")
    assert report.sections == ["posts"] and report.figures[0].name == "posts.png" and report.figures[0].is_file()
    text = report.markdown_path.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| 0 | walrasian | A<->B"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    first_price, p_star = float(cells[4]), float(cells[7])
    assert abs(first_price / p_star - 1) < 0.01  # the first clearing is the equilibrium of the initial economy
    assert cells[3] == "10" and cells[-1] == "1"


def test_posts_section_is_left_out_of_runs_without_posts(tmp_path, small_economy):
    db = tmp_path / "bilateral.db"
    Simulation(small_economy, seed=1, telemetry=db).run(5)
    assert "posts" in section_names()
    report = write_report(db, out_dir=tmp_path / "report")
    assert "posts" not in report.sections

"""The researcher's notebook (docs/extending.ipynb) runs end to end and its
outputs say what the guide claims: the Rubinstein share from backward
induction equals the closed form, every protocol trades and gains, data was
collected every five ticks, and a figure was drawn."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "extending.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    import os

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    saved = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = "1"  # a 60-agent economy: one thread is fastest on a shared machine
    try:
        NotebookClient(notebook, timeout=240, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    finally:
        os.environ.pop("NUMBA_NUM_THREADS") if saved is None else os.environ.update(NUMBA_NUM_THREADS=saved)
    return notebook


def _outputs(notebook):
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def test_notebook_runs_without_errors_and_draws_a_figure(executed):
    outputs = _outputs(executed)
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs if o.output_type == "display_data")


def test_notebook_results_match_the_guide(executed):
    last = _outputs(executed)[-1]
    results = json.loads(last["text"])
    for delta, (backward, closed) in results["theory"].items():
        assert backward == pytest.approx(closed, abs=1e-12)
        assert closed == pytest.approx(1 / (1 + float(delta)))
    summary = results["summary"]
    assert set(summary) == {"rubinstein δ=0.5", "rubinstein δ=0.95", "split_difference", "nash",
                            "take_it_or_leave_it"}
    for label, row in summary.items():
        assert row["trades"] > 50, label
        assert row["utility_gain"] > 0, label
    assert results["collections"] == 9  # ticks 0, 5, ..., 40
    assert results["agents_history_shape"] == [9 * 60, 3]

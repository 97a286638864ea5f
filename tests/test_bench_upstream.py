"""The upstream comparison benchmark: its arguments, its checks of the checkout, its table.

No upstream checkout is needed: the checks must stop before anything is timed.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent.parent / "benchmarks" / "bench_upstream.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_upstream", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_checkout(root: Path, simulation: str = "") -> Path:
    """A directory shaped like an upstream checkout, its engine module holding ``simulation``."""
    engine = root / "src" / "vmt_engine"
    engine.mkdir(parents=True)
    (engine / "__init__.py").write_text("")
    (engine / "simulation.py").write_text(simulation)
    return root


def test_the_upstream_checkout_is_required(bench, capsys):
    with pytest.raises(SystemExit) as stop:
        bench.main([])
    assert stop.value.code == 2
    assert "--upstream" in capsys.readouterr().err


def test_a_directory_without_the_engine_is_refused_by_name(bench, tmp_path):
    with pytest.raises(SystemExit, match="not an upstream checkout"):
        bench.main(["--upstream", str(tmp_path / "missing")])


def test_a_checkout_without_its_interpreter_says_how_to_make_one(bench, tmp_path):
    checkout = fake_checkout(tmp_path)
    with pytest.raises(SystemExit, match=r"\.venv/bin/python is not an executable file; create it with"):
        bench.main(["--upstream", str(checkout)])


def test_a_checkout_that_does_not_import_is_not_runnable(bench, tmp_path):
    checkout = fake_checkout(tmp_path, simulation="raise ImportError('half a checkout')\n")
    with pytest.raises(SystemExit, match="(?s)is not runnable with .*half a checkout"):
        bench.main(["--upstream", str(checkout), "--upstream-python", sys.executable])


def test_a_single_tick_cannot_give_a_per_tick_figure(bench, tmp_path):
    with pytest.raises(SystemExit) as stop:
        bench.main(["--upstream", str(tmp_path), "--ticks", "1"])
    assert stop.value.code == 2


def test_vmts_per_tick_run_is_the_startup_benchmarks_economy():
    # the per-tick run is the whole-process economy with only its last line replaced
    spec = importlib.util.spec_from_file_location("bench_upstream_economy", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    economy = module.VMT_PROCESS.split(module._RUN)[0]
    assert economy in module.VMT_PER_TICK and "threads=int(sys.argv[2])" in module.VMT_PER_TICK
    assert module._TIMED_TICKS in module.VMT_PER_TICK and module._TIMED_TICKS in module.UPSTREAM_ECONOMY
    assert "vision_radius\"] = 10" in economy and "bench_scenario(400" in economy


def test_medians_and_ratios_are_upstream_over_vmt(bench):
    samples = [{"vmt": {"process": (1.0, 0.5)}, "upstream": {"process": (30.0, 20.0)}},
               {"vmt": {"process": (3.0, 1.5)}, "upstream": {"process": (90.0, 60.0)}},
               {"vmt": {"process": (2.0, 1.0)}, "upstream": {"process": (60.0, 40.0)}}]
    result = bench.medians(samples)
    assert result["vmt"]["process"] == [2.0, 1.0] and result["upstream"]["process"] == [60.0, 40.0]
    assert result["ratio"]["process"] == [30.0, 40.0]
    assert bench.table(result).splitlines()[2] == "| process | 2 | 1 | 60 | 40 | ×30.0 | ×40.0 |"


def test_per_tick_rows_cover_the_first_ten_ticks_and_the_whole_run_at_one_and_two_threads(bench):
    assert bench.per_tick_rows(101) == {
        "per tick, ticks 2–11, 1 thread": ("early", 1), "per tick, ticks 2–11, 2 threads": ("early", 2),
        "per tick, ticks 2–101, 1 thread": ("run", 1), "per tick, ticks 2–101, 2 threads": ("run", 2)}
    assert list(bench.per_tick_rows(5))[0] == "per tick, ticks 2–5, 1 thread"

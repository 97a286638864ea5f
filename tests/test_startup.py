"""Start-up: the first run after an install, an edit or a cleared cache says it compiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

import vmt
from vmt.simulation import warmup


def _fake_package(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "kernels.py").write_text("x = 1\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "kernels.f-1.py311.nbi").write_text("index")
    monkeypatch.setattr(vmt, "__file__", str(package / "__init__.py"))
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(cache))
    return package, cache


def test_the_compiled_stamp_holds_until_a_source_changes(tmp_path, monkeypatch):
    package, _ = _fake_package(tmp_path, monkeypatch)
    assert warmup.needs_compiling()
    warmup.mark_compiled()
    assert not warmup.needs_compiling()
    source = package / "kernels.py"
    source.write_text("x = 2\n")
    os.utime(source, ns=(0, 10**18))
    assert warmup.needs_compiling()  # an edited kernel module recompiles: say so
    warmup.mark_compiled()
    assert not warmup.needs_compiling()


def test_the_compiled_stamp_falls_when_the_cache_is_deleted(tmp_path, monkeypatch):
    _, cache = _fake_package(tmp_path, monkeypatch)
    warmup.mark_compiled()
    assert not warmup.needs_compiling()
    (cache / "kernels.f-1.py311.nbi").unlink()  # what `make clean-cache` does
    assert warmup.needs_compiling()


#: One fresh process runs a small bilateral economy and reports what it loaded
#: (then compiles numba linear algebra): the two tests below read its lines.
_BILATERAL_RUN = (
    "import sys\nfrom vmt.simulation import Simulation\n"
    "Simulation('edgeworth_box', seed=0).run(2)\n"
    "print(sorted(m for m in sys.modules if m.startswith(('vmt.markets.posts', 'vmt.markets.price_signals',"
    " 'vmt.markets.areas', 'vmt.mechanisms'))))\n"
    "from vmt.protocols.registry import BUILT_IN_MODULES, ProtocolError, register\n"
    "print(sorted(m for m in BUILT_IN_MODULES.values() if m in sys.modules))\n"
    "try:\n    register('bargaining', 'nash')(type('Mine', (), {}))\nexcept ProtocolError as e:\n    print(e)\n"
    "print('scipy.linalg' in sys.modules)\n"
    "from vmt.engine.llvm_lock_events import numba_lock_callbacks\n"
    "print(numba_lock_callbacks() == [])\n"
    "import numpy as np, numba, numba.np.arraymath as am\n"
    "print(am._HAVE_BLAS)\n"
    "dot = numba.njit(lambda a, b: np.dot(a, b))\n"
    "corr = numba.njit(lambda a, b: np.correlate(a, b))\n"
    "a, b = np.arange(5.0), np.linspace(1.0, 2.0, 5)\n"
    "print(dot(a, b) == np.dot(a, b), np.allclose(corr(a, b), np.correlate(a, b)))\n"
    "print('scipy.linalg' in sys.modules)\n"
    "unclosed = open(sys.argv[1], 'w')\n"
    "unclosed.write('kept')\n"
    "import atexit, gc\n"
    "atexit._run_exitfuncs()\n"
    "print(gc.get_freeze_count() > 0)\n"
)


@pytest.fixture(scope="module")
def bilateral_run_report(tmp_path_factory) -> list[str]:
    unclosed = tmp_path_factory.mktemp("exit") / "unclosed.txt"
    done = subprocess.run([sys.executable, "-c", _BILATERAL_RUN, str(unclosed)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-9:] + [unclosed.read_text()]


def test_a_bilateral_run_loads_no_market_institution_nor_other_protocols(bilateral_run_report):
    # Market posts (and their mechanisms, and the mechanism library) and market areas are
    # imported when a scenario asks for them, not by every run; so is each built-in protocol.
    assert bilateral_run_report[0] == "[]"
    assert bilateral_run_report[1] == str(sorted(["vmt.protocols.search.distance_discounted",
                                                  "vmt.protocols.matching.three_pass",
                                                  "vmt.protocols.bargaining.compensating_block"]))
    # a built-in's name is taken before its module is imported
    assert bilateral_run_report[2] == "bargaining protocol 'nash' registered twice"


def test_a_post_scenario_still_finds_its_institution():
    from vmt.markets import institution_names
    from vmt.simulation import Simulation

    assert {"bilateral", "centralized", "mixed_bilateral_centralized", "price_signals"} <= set(institution_names())
    sim = Simulation("walrasian_single_post", seed=0)
    assert [type(c).__name__ for c in sim.tick_state.components] == ["PostsComponent"]


def test_the_startup_benchmark_prints_its_table_and_saves_it(tmp_path):
    script = Path(__file__).parent.parent / "benchmarks" / "bench_startup.py"
    done = subprocess.run([sys.executable, str(script), "--repeat", "1", "--ticks", "2", "--save", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("| stage | wall s") and len(lines) == 2 + 7 + 1
    stages = ("floor", "vmt floor", "import", "build", "first tick", "to first tick", "process")
    for line, stage in zip(lines[2:], stages):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0].startswith(stage) and all(float(c) > 0 for c in cells[1:])
    saved = json.loads(Path(lines[-1].removeprefix("saved ")).read_text())
    assert list(saved["medians"][sys.executable]) == list(stages) and len(saved["load_average_after"]) == 3


def test_a_bilateral_run_does_not_import_scipy_linalg_nor_time_llvm_calls_and_numba_still_works(
        bilateral_run_report):
    # numba probes for BLAS by importing scipy.linalg (about 0.4 s) when it loads its
    # array maths; VMT answers that probe without the import. Linear algebra compiled
    # later must still find BLAS (np.dot imports scipy then) and agree with numpy.
    # numba's lock-event callbacks on every LLVM call are unregistered as numba loads.
    assert " ".join(bilateral_run_report[3:8]).split() == ["False", "True", "True", "True", "True", "True"]


def test_the_exit_skips_full_collections_but_still_flushes_what_was_written(bilateral_run_report):
    # import vmt freezes the collector at exit (vmt.engine.exit_collection); objects are still
    # freed by reference counts, so a file left open at exit keeps what was written to it
    assert bilateral_run_report[8:] == ["True", "kept"]


def test_only_numbas_llvm_lock_callbacks_are_dropped():
    import llvmlite.binding as llvm
    from llvmlite.binding import ffi

    from vmt.engine.llvm_lock_events import REGISTERING_MODULE, drop_numba_lock_callbacks, numba_lock_callbacks

    seen = []
    numba_like = (lambda: seen.append("numba"), lambda: None)
    for callback in numba_like:
        callback.__module__ = REGISTERING_MODULE
    other = (lambda: seen.append("other"), lambda: None)
    ffi.register_lock_callback(*numba_like)
    ffi.register_lock_callback(*other)
    try:
        assert numba_lock_callbacks() == [numba_like]
        drop_numba_lock_callbacks()
        assert numba_lock_callbacks() == []
        assert llvm.get_default_triple()  # a call into LLVM, still under the lock
        assert seen and set(seen) == {"other"}
    finally:
        ffi.unregister_lock_callback(*other)


#: A fresh process imports VMT, runs a tick and reports on the cyclic collector as JSON.
_COLLECTIONS_RUN = """
import gc, json, weakref
from vmt.simulation import Simulation
imported = {"full": gc.get_stats()[2]["collections"], "frozen": gc.get_freeze_count()}
Simulation("edgeworth_box", seed=0).step()
ran = {"full": gc.get_stats()[2]["collections"], "frozen": gc.get_freeze_count(), "enabled": gc.isenabled()}

class Node:
    pass

cycle = Node()
cycle.itself = cycle
alive = weakref.ref(cycle)
del cycle
gc.collect()
from vmt.engine.startup_collections import kept_for_the_process
gc.disable()
with kept_for_the_process():
    pass
stays_disabled = not gc.isenabled()
gc.enable()
try:
    with kept_for_the_process():
        raise KeyError("inside")
except KeyError:
    pass
print(json.dumps({"imported": imported, "ran": ran, "cycle_collected": alive() is None,
                  "stays_disabled": stays_disabled, "restored_after_error": gc.isenabled()}))
"""


def test_starting_a_run_makes_no_full_collection_and_the_collector_still_works():
    # importing numba and VMT happens with the collector paused, and what it built is
    # frozen (vmt.engine.startup_collections): no full collection over it, while garbage
    # made afterwards is still collected
    done = subprocess.run([sys.executable, "-c", _COLLECTIONS_RUN], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["imported"]["full"] == 0 and report["imported"]["frozen"] > 50_000
    assert report["ran"]["enabled"] and report["cycle_collected"]
    assert report["stays_disabled"] and report["restored_after_error"]


#: Modules a run without telemetry must not import before its first tick is done
#: (numba itself imports the top-level ``scipy`` package to check its version).
HEAVY_MODULES = ("pandas", "scipy.linalg", "scipy.optimize", "matplotlib", "pyarrow", "starlette", "sqlite3", "dask")

_FIRST_TICK_MODULES = """
import json, sys
import vmt.simulation.simulation as simulation
from vmt.cli import main

heavy, seen = sys.argv[1].split(","), []
first_step = simulation.Simulation.step

def step(self):
    first_step(self)
    if self.tick == 1:
        seen.append(sorted(m for m in heavy if m in sys.modules))

simulation.Simulation.step = step
simulation.Simulation("edgeworth_box", seed=0).step()
main(["run", "edgeworth_box", "--ticks", "2", "--quiet"], standalone_mode=False)
print(json.dumps(seen))
"""


def test_a_run_without_telemetry_imports_no_heavy_module_before_its_first_tick_is_done():
    # the Python API, then `vmt run` (its summary imports pandas and scipy after the run)
    done = subprocess.run([sys.executable, "-c", _FIRST_TICK_MODULES, ",".join(HEAVY_MODULES)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [[], []]


_RESOURCE_KERNELS_LOADED = """
import json
from vmt.protocols.search.distance_discounted import rank_free_resources
from vmt.simulation import Simulation
from vmt.world.foraging import _forage_kernel, regenerate

kernels = (_forage_kernel, regenerate, rank_free_resources)
sim = Simulation("edgeworth_box", seed=0)
sim.run(3)
without = [len(k.signatures) for k in kernels]
Simulation("foraging_economy", seed=0).run(3)
print(json.dumps([sim.world.resources.n, without, [len(k.signatures) for k in kernels]]))
"""


def test_an_economy_without_resource_cells_loads_no_foraging_kernel():
    # foraging, regrowth and the ranking of free resources would do nothing without resource
    # cells (every agent keeps resource -1): their kernels are not loaded
    done = subprocess.run([sys.executable, "-c", _RESOURCE_KERNELS_LOADED], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0, [0, 0, 0], [1, 1, 1]]

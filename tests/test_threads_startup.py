"""Threads and start-up: the thread count never changes a result, small runs
choose one thread, idle OpenMP threads sleep, and a bilateral run loads
neither pandas nor scipy's optimisers nor matplotlib."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vmt.engine.cpu_load import FreeCores
from vmt.engine.threads import (SMALL_RUN_AGENTS, THREADS_ENV, ThreadChooser, TimingProbes, check_threads,
                                choose_threads, max_threads)
from vmt.experiments.bench import bench_scenario
from vmt.simulation import Simulation


def _fingerprint(sim) -> tuple:
    ag = sim.world.agents
    trades = sim.trade_log.frame()
    return (trades.to_csv(), ag.x.tobytes(), ag.y.tobytes(), ag.inventory.tobytes(), ag.partner.tobytes(),
            ag.ask.tobytes(), ag.bid.tobytes(), ag.observed_price.tobytes())


@pytest.mark.parametrize("institution, mechanism, regime", [
    ("bilateral", "", "barter"), ("price_signals", "", "mixed"), ("centralized", "cda", "mixed"),
    ("mixed_bilateral_centralized", "walrasian", "mixed"),
])
def test_one_and_two_threads_give_identical_runs(institution, mechanism, regime):
    scenario = bench_scenario(3000, regime, institution, posts=4 if mechanism else 0, mechanism=mechanism or "walrasian")
    one, two = (_fingerprint(Simulation(scenario, seed=5, threads=t).run(6)) for t in (1, 2))
    assert one[0].count("\n") > 1  # something traded
    assert one == two


def test_thread_choice_by_size_and_override(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert choose_threads(SMALL_RUN_AGENTS - 1) == 1
    assert choose_threads(SMALL_RUN_AGENTS) == max_threads()
    import numba

    numba.set_num_threads(1)  # a caller's limit (e.g. a sweep's in-process runner) is kept
    try:
        assert choose_threads(SMALL_RUN_AGENTS) == 1
    finally:
        numba.set_num_threads(max_threads())
    assert choose_threads(10, requested=2) == 2
    monkeypatch.setenv(THREADS_ENV, "2")
    assert choose_threads(10) == 2
    monkeypatch.setenv(THREADS_ENV, "two")
    with pytest.raises(ValueError, match=THREADS_ENV):
        choose_threads(10)
    with pytest.raises(ValueError, match="between 1 and"):
        check_threads(max_threads() + 1)


def _drive(chooser, seconds_per_tick, ticks):
    """Run ``ticks`` fake ticks whose duration depends on the thread count."""
    used = []
    for _ in range(ticks):
        threads = chooser.next()
        used.append(threads)
        chooser.record(threads, seconds_per_tick[threads])
    return used


@pytest.mark.parametrize("faster", [1, 2])
def test_large_runs_probe_both_counts_and_keep_the_faster(monkeypatch, faster):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    chooser = ThreadChooser(SMALL_RUN_AGENTS, None, free_cores=FreeCores(read=lambda: None))  # no CPU counters
    seconds = {faster: 1.0, 3 - faster: 1.5}
    used = _drive(chooser, seconds, 1 + 4 + TimingProbes.KEEP_TICKS + 4 + 3)
    assert used[:5] == [2, 2, 1, 2, 1]  # untimed first tick, then interleaved probes
    assert set(used[5:5 + TimingProbes.KEEP_TICKS]) == {faster}
    assert used[5 + TimingProbes.KEEP_TICKS:][:4] == [2, 1, 2, 1]  # probing again
    assert chooser.chosen == faster


def test_probes_keep_the_count_when_the_other_is_only_within_noise_faster(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    chooser = ThreadChooser(SMALL_RUN_AGENTS, None, free_cores=FreeCores(read=lambda: None))
    used = _drive(chooser, {1: 0.95, 2: 1.0}, 1 + 4 + TimingProbes.KEEP_TICKS)
    assert set(used[5:]) == {2}


def test_requested_and_small_runs_keep_one_count(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert set(_drive(ThreadChooser(SMALL_RUN_AGENTS, 2), {1: 0.1, 2: 9.0}, 12)) == {2}
    assert set(_drive(ThreadChooser(100, None), {1: 9.0, 2: 0.1}, 12)) == {1}
    monkeypatch.setenv(THREADS_ENV, "2")
    assert set(_drive(ThreadChooser(SMALL_RUN_AGENTS, None), {1: 0.1, 2: 9.0}, 12)) == {2}


def test_a_small_run_uses_one_thread_and_restores_the_callers_setting():
    import numba

    numba.set_num_threads(2)
    sim = Simulation(bench_scenario(300, "barter"), seed=1)
    seen = []
    sim.on("after_phase", lambda tick, phase: seen.append(numba.get_num_threads()))
    sim.run(2)
    assert set(seen) == {1} and numba.get_num_threads() == 2


def test_bilateral_run_loads_no_heavy_library_and_threads_sleep():
    code = (
        "import sys, os, json\n"
        "import vmt\n"
        "from vmt.simulation import Simulation\n"
        "Simulation('edgeworth_box', seed=0).run(3)\n"
        "heavy = [m for m in ('pandas', 'scipy.optimize', 'matplotlib', 'pyarrow', 'dask') if m in sys.modules]\n"
        "print(json.dumps({'heavy': heavy, 'wait': os.environ.get('OMP_WAIT_POLICY')}))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"heavy": [], "wait": "passive"}


def test_run_rejects_more_threads_than_numba_has():
    from click.testing import CliRunner

    from vmt.cli import main

    result = CliRunner().invoke(main, ["run", "edgeworth_box", "--ticks", "1", "--threads", str(max_threads() + 1)])
    assert result.exit_code == 2 and "--threads" in result.output and "Traceback" not in result.output


def test_first_run_says_it_compiles_once_and_warmup_covers_every_plugin(tmp_path, monkeypatch):
    import numba
    from click.testing import CliRunner

    from vmt.cli import main
    from vmt.markets.posts.mechanisms.base import mechanism_names
    from vmt.protocols.registry import protocol_names
    from vmt.simulation.warmup import warmup_scenarios

    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))  # where the stamp goes
    runner = CliRunner()
    first = runner.invoke(main, ["run", "edgeworth_box", "--ticks", "1", "--quiet"])
    second = runner.invoke(main, ["run", "edgeworth_box", "--ticks", "1", "--quiet"])
    assert first.exit_code == second.exit_code == 0
    assert "compiling" in first.stderr and "compiling" not in second.stderr
    assert "already compiled" in runner.invoke(main, ["warmup"]).output
    labels = " ".join(label for label, _ in warmup_scenarios())
    for name in [*protocol_names("search"), *protocol_names("matching"), *protocol_names("bargaining"),
                 *mechanism_names()]:
        assert name in labels

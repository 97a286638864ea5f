"""The public extension contract: user protocols in Python and numba, plug-ins
found through their entry point, the contract check, and the built-ins held
to the same contract."""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import pytest
from numba import njit

from extending_rules import ShareParams, install_plugin, overpaying_rule, share_rule
from vmt import plugins
from vmt.extend import ContractViolation, check_mechanism, check_protocol, contract_economy, register_bargaining_rule
from vmt.markets.posts.mechanisms import mechanism_entries
from vmt.protocols import KINDS, ProtocolError, create_protocol
from vmt.protocols.registry import get_entry, protocol_entries, protocol_names
from vmt.simulation import Simulation
from vmt.simulation.invariants import InvariantViolation


@pytest.fixture(autouse=True)
def one_numba_thread():
    """Tiny economies: one thread is fastest on a shared machine (thread
    independence of the kernels is tested elsewhere)."""
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)


def _registered(name, rule, params_model=ShareParams, **options):
    if name not in protocol_names("bargaining"):
        register_bargaining_rule(name, rule, params_model, **options)
    return name


def test_python_and_numba_rules_make_identical_trades():
    python = _registered("test_share_python", share_rule)
    compiled = _registered("test_share_numba", njit(cache=True)(share_rule))
    runs = [check_protocol("bargaining", name, {"buyer_share": 0.3}).trades_df() for name in (python, compiled)]
    assert len(runs[0]) > 20
    assert runs[0].equals(runs[1])


def test_rule_parameters_are_validated_like_built_ins():
    name = _registered("test_share_python", share_rule)
    with pytest.raises(ProtocolError, match=r"protocols.bargaining.params.buyer_share: .*less than or equal to 1"):
        create_protocol("bargaining", name, {"buyer_share": 1.5})
    with pytest.raises(ProtocolError, match=r"protocols.bargaining.params.share: Extra inputs"):
        create_protocol("bargaining", name, {"share": 0.5})


def test_contract_check_names_a_protocol_that_lowers_a_utility():
    name = _registered("test_overpaying", overpaying_rule, check=False)
    with pytest.raises(ContractViolation, match=r"bargaining protocol 'test_overpaying' broke its contract at "
                                                r"tick \d+: .*does not strictly raise the buyer's utility"):
        check_protocol("bargaining", name)


def test_run_invariants_name_an_unchecked_protocol_that_lowers_a_utility():
    name = _registered("test_overpaying", overpaying_rule, check=False)
    scenario = {**contract_economy(), "protocols": {"bargaining": name}}
    with pytest.raises(InvariantViolation, match=r"bargaining protocol 'test_overpaying' made a trade that did "
                                                 r"not strictly raise the utility of agents"):
        Simulation(scenario, seed=0, check_invariants=True).run(30)


def test_the_adapter_rejects_a_bad_proposal_before_it_is_applied():
    name = _registered("test_overpaying_checked", overpaying_rule)
    sim = Simulation({**contract_economy(), "protocols": {"bargaining": name}}, seed=0)
    with pytest.raises(ContractViolation, match="'test_overpaying_checked'"):
        for _ in range(30):
            held = sim.world.agents.inventory.copy()
            sim.step()
    assert (sim.world.agents.inventory == held).all()  # nothing of the bad tick was applied
    assert (sim.trades_df()["tick"] < sim.tick).all()


BUILT_IN = [(kind, e.name) for kind in KINDS for e in protocol_entries(kind) if e.source == plugins.BUILT_IN]


@pytest.mark.parametrize("kind, name", BUILT_IN, ids=[f"{k}.{n}" for k, n in BUILT_IN])
def test_built_in_protocols_pass_the_public_contract(kind, name):
    sim = check_protocol(kind, name, ticks=20)
    assert sim.tick == 20


PLUGIN = '''
from vmt.extend import NO_TRADE, register_bargaining_rule

def never_trade(i, j, state, params):
    """Walks away from every negotiation."""
    return NO_TRADE

register_bargaining_rule("walk_away", never_trade)
'''


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    """A package ``vmt_walkaway`` installed as a distribution with a ``vmt.plugins`` entry point."""
    return install_plugin(tmp_path_factory.mktemp("site"), "vmt_walkaway", PLUGIN, "walk_away")


def test_plugin_is_found_by_name_through_its_entry_point(plugin_path, monkeypatch):
    monkeypatch.syspath_prepend(str(plugin_path))
    plugins.load_plugins(refresh=True)
    entry = get_entry("bargaining", "walk_away")
    assert entry.source == "vmt-walkaway"
    sim = Simulation({**contract_economy(), "protocols": {"bargaining": "walk_away"}}, seed=0).run(10)
    assert sim.trades_df().empty
    with pytest.raises(ProtocolError, match=r"valid names: .*walk_away \(plug-in from vmt-walkaway\)"):
        get_entry("bargaining", "no_such_protocol")


def test_cli_lists_plugins_and_names_them_in_errors(plugin_path, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from vmt.cli import main

    program = "import sys; from vmt.cli import main; sys.argv[0] = 'vmt'; main()"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(plugin_path)}
    listed = subprocess.run([sys.executable, "-c", program, "list", "protocols"], capture_output=True,
                            text=True, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "bargaining.walk_away — Walks away from every negotiation. [plug-in from vmt-walkaway]" in listed.stdout
    assert "bargaining.split_difference" in listed.stdout
    monkeypatch.syspath_prepend(str(plugin_path))
    plugins.load_plugins(refresh=True)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("grid: {width: 4, height: 4}\n"
                        "agents: [{count: 2, utility: {family: linear, params: {alpha: 1, beta: 1}}}]\n"
                        "protocols: {bargaining: walk_awayy}\n")
    bad = CliRunner().invoke(main, ["validate", str(scenario)])
    assert bad.exit_code == 2
    assert "unknown bargaining protocol 'walk_awayy'" in bad.output
    assert "walk_away (plug-in from vmt-walkaway)" in bad.output
    assert "Traceback" not in bad.output


MECHANISMS = [e.name for e in mechanism_entries() if e.source == plugins.BUILT_IN]


@pytest.mark.parametrize("name", MECHANISMS)
def test_built_in_mechanisms_pass_the_public_contract(name):
    sim = check_mechanism(name)
    assert sim.tick == 8 and len(sim.trades_df()) > 0


def test_a_broken_plugin_is_reported_not_fatal(tmp_path, monkeypatch):
    info = tmp_path / "vmt_broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vmt-broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[vmt.plugins]\nbroken = vmt_no_such_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(plugins, "_failures", [])
    plugins.load_plugins(refresh=True)
    assert plugins.plugin_failures() == [
        "plug-in 'broken' (vmt_no_such_module) from vmt-broken failed to load: "
        "ModuleNotFoundError: No module named 'vmt_no_such_module'"]
    with pytest.raises(ProtocolError, match=r"plug-ins that failed to load: plug-in 'broken'"):
        get_entry("search", "no_such_search")
    assert "split_difference" in protocol_names("bargaining")


def test_a_compiled_rule_from_a_module_gets_a_driver_numba_can_cache(tmp_path, monkeypatch):
    from pathlib import Path

    import numpy as np

    from vmt.protocols.contract import BargainingState, params_tuple
    from vmt.protocols.rule_drivers import numba_driver

    monkeypatch.setenv("VMT_DRIVER_DIR", str(tmp_path))
    rule = njit(cache=True)(share_rule)
    drive = numba_driver(rule)
    generated = Path(drive.py_func.__code__.co_filename)
    assert generated.parent == tmp_path and "from extending_rules import share_rule" in generated.read_text()
    sim = Simulation(contract_economy(), seed=0)
    ag = sim.world.agents
    state = BargainingState(ag.family, ag.utility_params, ag.lambda_money, ag.inventory, sim.world.units, ag.ask,
                            ag.bid, np.ones(3, bool), np.full(3, 50), np.empty((0, 3)), np.uint64(7))
    pairs = np.arange(0, 16, 2), np.arange(1, 16, 2)
    outputs = [np.zeros(8, np.int64) for _ in range(5)]
    drive(*pairs, state, params_tuple(ShareParams()), *outputs)
    assert drive.stats.cache_misses and not drive.stats.cache_hits
    del sys.modules[generated.stem]  # as in a new process: the generated module is imported again
    again = numba_driver(rule)
    assert again is not drive
    again(*pairs, state, params_tuple(ShareParams()), *outputs)
    assert again.stats.cache_hits and not again.stats.cache_misses

    def typed_in_a_notebook(i, j, state, params):
        return share_rule(i, j, state, params)

    closure = numba_driver(njit(typed_in_a_notebook))
    assert Path(closure.py_func.__code__.co_filename).name == "rule_drivers.py"


BUILT_IN_BARGAINING = [e.name for e in protocol_entries("bargaining") if e.source == plugins.BUILT_IN]


@pytest.mark.parametrize("name", BUILT_IN_BARGAINING)
def test_built_in_bargaining_is_a_contract_rule_run_faster(name):
    """Each built-in's rule, run through the public adapter (every proposal
    checked), trades exactly like the built-in's own parallel kernel."""
    from vmt.protocols.bargaining.rules import BUILT_IN_RULES

    entry = get_entry("bargaining", name)
    as_rule = _registered(f"test_{name}_as_rule", BUILT_IN_RULES[name], entry.params_model)
    params = {"proposer": "random"} if name == "take_it_or_leave_it" else {}
    runs = [Simulation({**contract_economy(), "protocols": {"bargaining": {"name": n, "params": params}}},
                       seed=0).run(20).trades_df() for n in (name, as_rule)]
    assert len(runs[0]) > 10
    assert runs[0].equals(runs[1])

"""Start-up: a cached kernel loads without numba's registries; a compilation, or a missing symbol, builds them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

#: True once numba's registries are installed in the CPU target's contexts.
_BUILT = textwrap.dedent("""
    def registries_built():
        from numba.core import imputils
        from numba.core.registry import cpu_target

        return imputils.builtin_registry in cpu_target.target_context._registries
""")

_KERNELS = textwrap.dedent("""
    import numpy as np
    from numba import njit


    @njit(cache=True)
    def running_total(n):  # allocates through numba's runtime
        return np.cumsum(np.arange(n))


    @njit(cache=True)
    def text_hash(text):  # refers to the hash secret that importing numba's hashing module registers
        return hash(text)
""")

_LOAD_THEN_COMPILE = _BUILT + textwrap.dedent("""
    import json, sys
    import numpy as np
    import vmt  # installs the deferred registries
    from numba import njit
    sys.path.insert(0, sys.argv[1])
    import cached_kernels as kernels

    totals = kernels.running_total(5).tolist()
    built_by_load = registries_built()
    implementations_imported = "numba.np.arrayobj" in sys.modules  # its inlined np.arange's environment
    same_hash = kernels.text_hash("market") == hash("market")
    hits = [sum(kernel.stats.cache_hits.values()) for kernel in (kernels.running_total, kernels.text_hash)]

    @njit
    def fresh(n):  # compiled now: typing lists, sorted() and np.median needs the registries
        squares = [i * i for i in range(n)]
        return sorted(squares)[-1] + np.median(np.arange(n))

    print(json.dumps({"totals": totals, "built_by_load": built_by_load, "same_hash": same_hash, "hits": hits,
                      "implementations_imported": implementations_imported,
                      "fresh": fresh(5), "built_by_compile": registries_built()}))
""")

#: Loads both kernels while the process pretends not to know the hash secret's symbols.
_HIDDEN_SYMBOL = _BUILT + textwrap.dedent("""
    import json, sys
    import vmt
    from vmt.engine import deferred_registries, linking_bitcode
    sys.path.insert(0, sys.argv[1])
    import cached_kernels as kernels

    real_address, real_build = linking_bitcode.process_address, deferred_registries.build_registries
    builds = []
    linking_bitcode.process_address = lambda name: (None if name.startswith("_numba_hashsecret_")
                                                    else real_address(name))

    def counted_build():
        builds.append(len(builds))
        real_build()

    deferred_registries.build_registries = counted_build
    kernels.running_total(3)
    after_plain = len(builds)
    value_matches = kernels.text_hash("market") == hash("market")
    print(json.dumps({"after_plain": after_plain, "after_hashing": len(builds), "built": registries_built(),
                      "value_matches": value_matches}))
""")


def _run(code, *args, env):
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def cached_kernels(tmp_path):
    """A folder holding the kernels' module, and an environment whose numba cache already holds them."""
    (tmp_path / "cached_kernels.py").write_text(_KERNELS)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    compile_first = ("import json, sys; sys.path.insert(0, sys.argv[1]); import cached_kernels as k; "
                     "k.running_total(2); k.text_hash('x'); print('{}')")
    _run(compile_first, str(tmp_path), env=env)
    return tmp_path, env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the checked load reads ELF object files")
def test_cached_kernels_load_and_run_without_the_registries_and_a_compilation_builds_them(cached_kernels):
    folder, env = cached_kernels
    report = _run(_LOAD_THEN_COMPILE, str(folder), env=env)
    assert report["hits"] == [1, 1]  # both came from the cache
    assert report["totals"] == [0, 1, 3, 6, 10]
    assert report["same_hash"]
    assert not report["built_by_load"] and not report["implementations_imported"]
    assert report["fresh"] == 18.0 and report["built_by_compile"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the checked load reads ELF object files")
def test_a_kernel_that_needs_a_symbol_nobody_defined_yet_has_the_registries_built_before_it_links(cached_kernels):
    folder, env = cached_kernels
    report = _run(_HIDDEN_SYMBOL, str(folder), env=env)
    assert report["after_plain"] == 0  # every symbol of the running total is defined: nothing built
    assert report["after_hashing"] >= 1 and report["built"]
    assert report["value_matches"]


_WARM_RUN = _BUILT + textwrap.dedent("""
    import hashlib, json
    from vmt.simulation import Simulation

    sim = Simulation("edgeworth_box", seed=4)
    sim.run(3)
    agents = sim.world.agents
    state = hashlib.sha256(agents.inventory.tobytes() + agents.x.tobytes() + agents.y.tobytes()).hexdigest()
    print(json.dumps({"built": registries_built(), "state": state}))
""")


def test_a_run_on_a_warm_cache_builds_no_registries_and_reaches_the_same_state():
    first = _run(_WARM_RUN, env=dict(os.environ))  # compiles what is not cached yet
    second = _run(_WARM_RUN, env=dict(os.environ))
    assert not second["built"]
    assert second["state"] == first["state"]


def test_unresolved_lists_the_undefined_names_neither_the_engine_nor_the_process_defines():
    from vmt.engine.linking_bitcode import unresolved

    class Engine:
        _defined_symbols = {"kernel_a"}

    process = {"sin": 1}.get
    assert unresolved({"kernel_a", "sin", "secret", "other"}, Engine(), process) == ["other", "secret"]
    assert unresolved(set(), Engine(), process) == []


_SORTED = "import numpy as np\nfrom numba import njit\n\n\n@njit(cache=True)\ndef sorted_sum(n):\n" \
          "    return np.sort(np.arange(n)[::-1])[:3].sum()\n"


def test_a_kernel_cached_by_a_vmt_process_names_numbas_own_environment_rebuilder_and_loads_without_vmt(tmp_path):
    (tmp_path / "sorted_kernel.py").write_text(_SORTED)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    load = ("import json, sys; sys.path.insert(0, sys.argv[1]); {vmt}import sorted_kernel as k; "
            "print(json.dumps([int(k.sorted_sum(6)), sum(k.sorted_sum.stats.cache_hits.values())]))")
    assert _run(load.format(vmt="import vmt; "), str(tmp_path), env=env) == [3, 0]  # compiled and cached here
    cached = list((tmp_path / "cache").rglob("*.nbc"))
    assert cached and all(b"deferred_registries" not in path.read_bytes() for path in cached)
    assert _run(load.format(vmt=""), str(tmp_path), env=env) == [3, 1]  # numba alone loads it


def test_only_numbas_own_modules_have_their_environments_rebuilt_without_an_import():
    from vmt.engine.deferred_registries import is_numbas_own

    assert is_numbas_own("numba.np.arrayobj") and is_numbas_own("numba")
    assert not is_numbas_own("numba_extension.kernels") and not is_numbas_own("vmt.world.quotes")
    assert not is_numbas_own(None)  # a dynamic environment

"""Start-up: a cached kernel's linking module is parsed only when a new kernel links it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from vmt.engine.linking_bitcode import object_symbols, readable_symbols

_KERNELS = textwrap.dedent("""
    from numba import njit


    @njit(cache=True)
    def inner(x):
        return 2 * x + 1


    @njit(cache=True)
    def table(n):
        out = 0
        for i in range(n):
            out += inner(i)
        return out
""")

_LOAD_THEN_LINK = textwrap.dedent("""
    import json, sys
    import vmt  # installs the lazy load
    from numba import njit
    from numba.core.codegen import CPUCodeLibrary
    sys.path.insert(0, sys.argv[1])
    import cached_kernels

    first = cached_kernels.table(10)  # loads table from the cache
    loaded = cached_kernels.table.overloads[cached_kernels.table.signatures[0]]
    library = loaded.library
    unparsed_after_load = library._unparsed_linking_bitcode is not None
    symbols_known = library._codegen._engine.is_symbol_defined(loaded.fndesc.llvm_cpython_wrapper_name)

    @njit
    def twice_table(n):  # compiled now: links the cached kernel's module
        return 2 * cached_kernels.table(n)

    linked = twice_table(10)
    print(json.dumps({"first": first, "linked": linked, "lazy": getattr(CPUCodeLibrary, "_vmt_lazy", False),
                      "unparsed_after_load": unparsed_after_load, "symbols_known": symbols_known,
                      "unparsed_after_link": library._unparsed_linking_bitcode is not None}))
""")


def _run(code, *args, env):
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_kernel_loaded_from_the_cache_runs_and_links_into_a_new_kernel(tmp_path):
    (tmp_path / "cached_kernels.py").write_text(_KERNELS)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    compile_first = "import sys; sys.path.insert(0, sys.argv[1]); import cached_kernels; cached_kernels.table(3)"
    _run(compile_first, str(tmp_path), env=env)
    report = json.loads(_run(_LOAD_THEN_LINK, str(tmp_path), env=env).strip().splitlines()[-1])
    assert report["lazy"] and report["unparsed_after_load"] and report["symbols_known"]
    assert report["first"] == sum(2 * i + 1 for i in range(10))
    assert report["linked"] == 2 * report["first"]
    assert not report["unparsed_after_link"]


_SYMBOLS_OF_EVERY_BUILTIN = textwrap.dedent("""
    import json, sys
    import llvmlite.binding as llvm
    from numba.core.codegen import CPUCodeLibrary
    from vmt.engine.linking_bitcode import object_symbols
    from vmt.scenario import builtin_scenarios
    from vmt.simulation import Simulation

    lazy_load = CPUCodeLibrary._unserialize.__func__
    compared = {"kernels": 0, "differ": []}

    def compare_then_load(cls, codegen, state):
        name, kind, data = state
        if kind == "object":
            module = llvm.parse_bitcode(data[1])
            listed = {g.name for group in (module.functions, module.global_variables) for g in group
                      if not g.is_declaration}
            compared["kernels"] += 1
            if object_symbols(data[0])[0] != listed:
                compared["differ"].append(name)
        return lazy_load(cls, codegen, state)

    CPUCodeLibrary._unserialize = classmethod(compare_then_load)
    for scenario in builtin_scenarios():
        Simulation(scenario, seed=1).run(2)
    print(json.dumps(compared))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="numba writes ELF objects on Linux only")
def test_the_object_files_symbol_table_names_what_the_bitcode_defines_for_every_builtin_kernel():
    report = json.loads(_run(_SYMBOLS_OF_EVERY_BUILTIN, env=dict(os.environ)).strip().splitlines()[-1])
    assert report["kernels"] >= 30 and report["differ"] == []


def test_an_object_file_that_is_not_elf64_takes_numbas_own_path():
    mach_o = bytes.fromhex("cffaedfe07000001") + bytes(64)
    assert object_symbols(mach_o) is None
    assert object_symbols(b"\x7fELF\x01\x01" + bytes(64)) is None  # 32-bit ELF
    header = bytearray(b"\x7fELF\x02\x01".ljust(64, b"\0"))
    header[0x28:0x30] = (64).to_bytes(8, "little")  # the section headers start at its end ...
    header[0x3A:0x3E] = (64).to_bytes(2, "little") + (5).to_bytes(2, "little")  # ... and five are missing
    truncated = bytes(header)
    assert readable_symbols(truncated) is None

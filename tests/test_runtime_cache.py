"""Start-up: numba's runtime is compiled once, then loaded from a checked cache file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from vmt.engine.runtime_cache import FILE_PREFIX, read_saved, save

_ALLOCATE = textwrap.dedent("""
    import json
    import numpy as np
    import vmt  # installs the cached runtime
    from numba import njit
    from numba.core.codegen import CPUCodeLibrary
    from numba.core.registry import cpu_target
    from numba.core.runtime import rtsys

    rtsys.initialize(cpu_target.target_context)  # starts numba's runtime, as the first kernel load does
    loaded = getattr(rtsys.library, "_unparsed_linking_bitcode", None) is not None

    @njit
    def cumulative(n):  # allocates through the runtime; compiled now, linking the runtime's module
        out = np.empty(n)
        total = 0.0
        for i in range(n):
            total += i
            out[i] = total
        return out

    before = rtsys.get_allocation_stats()
    values = cumulative(5).tolist()
    after = rtsys.get_allocation_stats()
    print(json.dumps({"loaded": loaded, "values": values, "allocs": after.alloc - before.alloc,
                      "frees": after.free - before.free}))
""")


def _start(cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), NUMBA_NRT_STATS="1")
    done = subprocess.run([sys.executable, "-c", _ALLOCATE], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _saved_files(cache):
    return sorted(cache.glob(f"{FILE_PREFIX}*.bin"))


def test_the_first_start_compiles_and_saves_the_runtime_and_the_next_loads_it(tmp_path):
    first = _start(tmp_path)
    assert not first["loaded"] and len(_saved_files(tmp_path)) == 1
    second = _start(tmp_path)
    assert second["loaded"]
    for report in (first, second):  # the loaded runtime allocates and frees as the compiled one
        assert report["values"] == [0.0, 1.0, 3.0, 6.0, 10.0]
        assert report["allocs"] == report["frees"] == 1


def test_an_altered_or_truncated_file_is_compiled_again_and_replaced(tmp_path):
    _start(tmp_path)
    (path,) = _saved_files(tmp_path)
    good = path.read_bytes()
    for damaged in (good[:len(good) // 2], good[:-1] + bytes([good[-1] ^ 1])):
        path.write_bytes(damaged)
        assert read_saved(path) is None
        report = _start(tmp_path)
        assert not report["loaded"] and report["values"][-1] == 10.0
        assert path.read_bytes() == good  # rewritten whole by the compiling start


def test_saving_round_trips_and_an_unwritable_place_is_left_alone(tmp_path):
    path = tmp_path / "runtime.bin"
    save(path, b"object", b"bitcode")
    assert read_saved(path) == (b"object", b"bitcode")
    assert read_saved(tmp_path / "absent.bin") is None
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("kept")
    save(not_a_folder / "runtime.bin", b"object", b"bitcode")  # no error: the next start compiles again
    assert not_a_folder.read_text() == "kept" and sorted(p.name for p in tmp_path.iterdir()) == ["file", "runtime.bin"]

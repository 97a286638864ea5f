"""Start-up: the first run after an install, an edit or a cleared cache says it compiles."""

from __future__ import annotations

import os

import numba

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

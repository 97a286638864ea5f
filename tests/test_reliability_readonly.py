"""A finished telemetry file on read-only media is read — by the readers,
`vmt report` and `vmt export` — without error and without leaving files.

Tests often run as root, for whom ``chmod`` does not stop writes. The folder
is therefore made read-only by the strongest means available: the immutable
attribute (``chattr +i``, refused to root too), else a read-only bind mount,
else (not root) permissions. Each is checked by trying to create a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from reliability_support import one_numba_thread, tiny_economy  # noqa: F401 (autouse fixture)
from vmt.cli import main
from vmt.simulation import Simulation
from vmt.telemetry import list_runs, read_table


def _really_read_only(folder: Path) -> bool:
    try:
        (folder / "probe").write_text("x")
    except OSError:
        return True
    (folder / "probe").unlink()
    return False


def _run(*command: str) -> bool:
    if shutil.which(command[0]) is None:
        return False
    return subprocess.run(command, capture_output=True).returncode == 0


@contextmanager
def _immutable(folder: Path):
    paths = [str(p) for p in (*folder.iterdir(), folder)]
    if not _run("chattr", "+i", *paths):
        _run("chattr", "-i", *paths)
        yield None
        return
    try:
        yield folder
    finally:
        _run("chattr", "-i", *paths)


@contextmanager
def _read_only_bind_mount(folder: Path):
    view = folder.with_name(folder.name + "-ro")
    view.mkdir()
    if not (_run("mount", "--bind", str(folder), str(view))):
        yield None
        return
    try:
        yield view if _run("mount", "-o", "remount,bind,ro", str(view)) else None
    finally:
        _run("umount", "--lazy", str(view))  # detached even if a reader is still open


@contextmanager
def _permissions(folder: Path):
    files = list(folder.iterdir())
    for path in files:
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        for path in files:
            path.chmod(0o644)


@contextmanager
def read_only_view(folder: Path):
    """``folder`` (or a view of it) that nobody, root included, can write; and how."""
    ways = ([("immutable attribute", _immutable), ("read-only bind mount", _read_only_bind_mount)]
            if os.geteuid() == 0 else [("permissions", _permissions)])
    for how, way in ways:
        with way(folder) as view:
            if view is not None and _really_read_only(view):
                yield view, how
                return
    pytest.fail(f"cannot make {folder} read-only here (tried {[how for how, _ in ways]})")


def test_a_finished_file_on_read_only_media_is_read_without_a_trace(tmp_path):
    media = tmp_path / "media"
    Simulation(tiny_economy("centralized"), seed=4, telemetry=media / "run.db").run(12)
    assert sorted(os.listdir(media)) == ["run.db"]
    out = tmp_path / "out"
    with read_only_view(media) as (view, how):
        db = view / "run.db"
        assert list_runs(db)["status"].tolist() == ["completed"], how
        assert read_table(db, "agent_snapshots")["tick"].max() == 11
        assert len(read_table(db, "trades")) > 0 and len(read_table(db, "market_posts")) == 1
        report = CliRunner().invoke(main, ["report", str(db), "--out", str(out / "report")])
        assert report.exit_code == 0 and "Traceback" not in report.output, (how, report.output)
        exported = CliRunner().invoke(main, ["export", str(db), "trades", "--out", str(out / "t.csv")])
        assert exported.exit_code == 0, (how, exported.output)
        assert sorted(os.listdir(view)) == ["run.db"], how  # no -wal, -shm or journal left
    assert (out / "report" / "report.html").is_file()
    assert len((out / "t.csv").read_text().splitlines()) == 1 + len(read_table(media / "run.db", "trades"))

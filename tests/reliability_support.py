"""Tiny economies and helpers shared by the reliability tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numba
import pandas as pd
import pytest

from vmt.simulation.soak import INSTITUTIONS, tiny_economy  # noqa: F401  (shared with the tests)
from vmt.telemetry import TABLES, read_table

HARNESS = Path(__file__).with_name("kill_harness.py")
TICK_TABLES = [name for name, table in TABLES.items() if table.has_tick]

@pytest.fixture(autouse=True)
def one_numba_thread():
    """Tiny economies: numba's thread start-up would dominate their ticks (import it to use it)."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def kill_runs(plan: list[dict]) -> list[int]:
    """Run the kill harness on ``plan``; the last tick each killed child reported."""
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue", NUMBA_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(HARNESS), json.dumps(plan)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def tick_tables(path, run_id: int | None = None) -> dict[str, pd.DataFrame]:
    """Every table with a tick, without ``run_id``."""
    return {name: read_table(path, name, run_id).drop(columns="run_id") for name in TICK_TABLES}


def assert_same_tables(actual: dict, expected: dict) -> None:
    for name in TICK_TABLES:
        pd.testing.assert_frame_equal(actual[name], expected[name], obj=name)

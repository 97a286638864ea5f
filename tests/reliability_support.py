"""Tiny economies and helpers shared by the reliability tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from vmt.telemetry import TABLES, read_table

HARNESS = Path(__file__).with_name("kill_harness.py")
TICK_TABLES = [name for name, table in TABLES.items() if table.has_tick]

_TINY = """
name: tiny-{institution}
grid: {{width: 5, height: 5}}
agents:
  - {{count: 3, utility: {{family: cobb_douglas, params: {{alpha: 0.3, beta: 0.7}}}},
     endowment: {{A: [1, 8], B: [1, 8], M: [1, 6]}}}}
  - {{count: 3, utility: {{family: cobb_douglas, params: {{alpha: 0.7, beta: 0.3}}}},
     endowment: {{A: [1, 8], B: [1, 8], M: [1, 6]}}}}
resources:
  - {{commodity: A, count: 2, cap: 2, regeneration_rate: 0.5}}
  - {{commodity: B, count: 2, cap: 2, regeneration_rate: 0.5}}
params: {{exchange_regime: mixed, institution: {institution}, vision_radius: 3,
         market_formation_threshold: 2, market_dissolution_threshold: 1, price_learning_rate: 0.2}}
market_posts:
  - {{location: [2, 2], mechanism_type: {mechanism}, visibility_radius: 6, interaction_radius: 2}}
"""

#: institution -> mechanism of the economy's one market post.
INSTITUTIONS = {"bilateral": "walrasian", "price_signals": "walrasian", "centralized": "walrasian",
                "mixed_bilateral_centralized": "cda"}


def tiny_economy(institution: str) -> str:
    """Six agents of two Cobb-Douglas types on a 5x5 grid, one market post, as YAML text."""
    return _TINY.format(institution=institution, mechanism=INSTITUTIONS[institution])


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

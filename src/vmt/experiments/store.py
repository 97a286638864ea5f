"""The results folder of a sweep: written as runs finish, resumable, one tidy table at the end.

Layout of ``DIR``::

    experiment.json        what was run (name, fingerprint, points, seeds, metrics)
    parts/run-*.parquet    one file per finished run (written atomically)
    parts/prices-*.parquet that run's per-tick prices
    results.parquet        every run, one row each, sorted by point and seed
    results.csv            the same table, with --csv
    price_paths.parquet    per run, tick and pair: volume-weighted price and volume
    telemetry/*.db         per-run telemetry, when asked for

Each finished run is its own Parquet file, renamed into place only once
complete, so a killed sweep loses at most the runs in flight. Rerunning reads
the finished rows (``parts/`` plus ``results.parquet``) and skips every run
whose row has ``status == "ok"``; failed runs are tried again.
:meth:`ResultStore.consolidate` folds the parts into the final files.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

RESULTS = "results.parquet"
PRICES = "price_paths.parquet"
MANIFEST = "experiment.json"
KEY = ["point_key", "seed"]


class StoreError(ValueError):
    """A results folder that cannot be used for this experiment (nothing in it was changed)."""


class ResultStore:
    """Reads and writes one sweep's results folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.parts = self.root / "parts"

    # -- set-up ------------------------------------------------------------
    def open(self, manifest: dict[str, Any]) -> None:
        """Create the folder, or check that it holds results of the same experiment."""
        path = self.root / MANIFEST
        if path.is_file():
            previous = self.manifest()
            if previous.get("fingerprint") != manifest["fingerprint"]:
                raise StoreError(
                    f"{self.root} holds results of a different experiment ({previous.get('name')!r}, "
                    f"fingerprint {previous.get('fingerprint')}; this one is {manifest['fingerprint']}): the base "
                    "scenario, ticks, metrics or convergence threshold differ. Use another --out folder, "
                    "or remove that one to start afresh")
        elif self.root.exists() and any(self.root.iterdir()):
            raise StoreError(f"{self.root} exists and is not a sweep results folder (no {MANIFEST}); "
                             "choose an empty or new --out folder")
        self.parts.mkdir(parents=True, exist_ok=True)
        for stale in self.parts.glob(".*.tmp-*"):  # a file half-written when a sweep was killed
            stale.unlink(missing_ok=True)
        _write_atomic(path, lambda tmp: tmp.write_text(json.dumps(manifest, indent=2, default=str)))

    def manifest(self) -> dict[str, Any]:
        try:
            return json.loads((self.root / MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.root}: cannot read {MANIFEST} ({exc}); is this a sweep results folder?") from None

    def telemetry_path(self, point_key: str, seed: int) -> Path:
        folder = self.root / "telemetry"
        folder.mkdir(exist_ok=True)
        return folder / f"{_run_name(point_key, seed)}.db"

    # -- writing -----------------------------------------------------------
    def write_run(self, row: dict[str, Any], prices: pd.DataFrame | None) -> None:
        """Record one finished run (its row, and its price path when given)."""
        name = _run_name(row["point_key"], row["seed"])
        if prices is not None:
            tagged = prices.assign(point_key=row["point_key"], seed=row["seed"])
            _write_atomic(self.parts / f"prices-{name}.parquet", lambda tmp: tagged.to_parquet(tmp, index=False))
        frame = tidy_columns(pd.DataFrame([row]))
        _write_atomic(self.parts / f"run-{name}.parquet", lambda tmp: frame.to_parquet(tmp, index=False))

    def consolidate(self, csv: bool = False) -> pd.DataFrame:
        """Fold the parts into ``results.parquet`` (and ``price_paths.parquet``); return the table."""
        results = self.results()
        run_parts = sorted(self.parts.glob("run-*.parquet"))
        price_parts = sorted(self.parts.glob("prices-*.parquet"))
        _write_atomic(self.root / RESULTS, lambda tmp: results.to_parquet(tmp, index=False))
        prices = self.price_paths()
        _write_atomic(self.root / PRICES, lambda tmp: prices.to_parquet(tmp, index=False))
        if csv:
            _write_atomic(self.root / "results.csv", lambda tmp: results.to_csv(tmp, index=False))
        for part in (*run_parts, *price_parts):
            part.unlink(missing_ok=True)
        return results

    # -- reading -----------------------------------------------------------
    def results(self) -> pd.DataFrame:
        """Every recorded run, one row per (point, seed), the latest record winning."""
        frames = [_read(self.root / RESULTS), *(_read(p) for p in sorted(self.parts.glob("run-*.parquet")))]
        frames = [f for f in frames if f is not None and len(f)]
        if not frames:
            return pd.DataFrame(columns=["point_id", "point_key", "seed", "status", "error"])
        table = pd.concat(frames, ignore_index=True).drop_duplicates(KEY, keep="last")
        return tidy_columns(table.sort_values(["point_id", "seed"], kind="stable").reset_index(drop=True))

    def completed(self) -> set[tuple[str, int]]:
        """Run keys ``(point_key, seed)`` already recorded with status ok."""
        table = self.results()
        done = table[table["status"] == "ok"]
        return {(str(k), int(s)) for k, s in zip(done["point_key"], done["seed"])}

    def price_paths(self) -> pd.DataFrame:
        """Per-tick prices of every recorded run."""
        frames = [_read(self.root / PRICES), *(_read(p) for p in sorted(self.parts.glob("prices-*.parquet")))]
        frames = [f for f in frames if f is not None and len(f)]
        if not frames:
            return pd.DataFrame(columns=["tick", "pair_type", "price", "volume", "point_key", "seed"])
        table = pd.concat(frames, ignore_index=True)
        return table.drop_duplicates(["point_key", "seed", "tick", "pair_type"], keep="last").reset_index(drop=True)


def _run_name(point_key: str, seed: int) -> str:
    return f"{hashlib.sha1(point_key.encode()).hexdigest()[:12]}-s{int(seed)}"


def _read(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path}: not a readable Parquet file ({exc}); remove it and rerun to redo that run") from None


def tidy_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and mappings (a swept ``market_posts``) as JSON text; mixed-type columns as text."""
    out = frame.copy()
    for column in out.columns[out.dtypes == object]:
        values = out[column]
        if values.map(lambda v: isinstance(v, (list, dict, tuple))).any():
            values = values.map(lambda v: json.dumps(v) if isinstance(v, (list, dict, tuple)) else v)
        kinds = {type(v) for v in values if v is not None and v == v}
        if len(kinds) > 1:
            values = values.map(lambda v: v if v is None or v != v else str(v))
        out[column] = values
    return out


def _write_atomic(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)

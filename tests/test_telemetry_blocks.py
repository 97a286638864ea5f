"""Column blocks: every table reads back exactly as in the row layout, damage is
named, files of the previous schema version are read, and resume truncates blocks."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from reliability_support import one_numba_thread, tiny_economy  # noqa: F401 (autouse fixture)
from vmt.simulation import Simulation
from vmt.telemetry import TABLES, TelemetryError, TelemetryWriter, export_table, list_runs, read_table
from vmt.telemetry import blockstore, checkpointer, recorder
from vmt.telemetry.columns import Coded, MinorUnits, as_minor_units

RUN_INFO = dict(scenario_name="demo", scenario_hash="abc123", scenario_text="name: demo\n",
                seed=42, version="0.1.0")
DATA_TABLES = [name for name in TABLES if name != "runs"]
INT64 = np.iinfo(np.int64)


def awkward_columns(table_name: str, n_rows: int, rng: np.random.Generator) -> dict:
    """Valid columns with the values a codec gets wrong: int64 extremes, -0.0,
    NaN/None, non-ASCII text, equal keys (tie order), several ticks."""
    columns = {}
    for col in TABLES[table_name].data_columns:
        null = rng.random(n_rows) < 0.3
        if col.name == "tick":
            columns[col.name] = rng.integers(0, 4, n_rows)
        elif col.sqltype == "INTEGER":
            low = 0 if col.nonnegative else INT64.min
            ints = rng.choice(np.array([low, 0, 1, 7, 300, 70_000, INT64.max]), n_rows)
            if col.name in TABLES[table_name].key:
                ints = rng.integers(0, 3, n_rows)  # many equal keys: ties keep the written order
            columns[col.name] = np.ma.masked_array(ints, null) if col.nullable else ints
        elif col.sqltype == "REAL":
            reals = rng.choice(np.array([0.0, -0.0, 1e-300, 0.1, 2.5e12, np.pi]), n_rows)
            reals = reals if col.nonnegative else reals * rng.choice([-1.0, 1.0], n_rows)
            columns[col.name] = np.where(null, np.nan, reals) if col.nullable else reals
        else:
            pool = col.choices or ("A", "B", "épargne ✓", "")
            texts = np.array(pool, dtype=object)[rng.integers(0, len(pool), n_rows)]
            columns[col.name] = np.where(null, None, texts) if col.nullable else texts
    return columns


def write(path, layout: str, table_name: str, parts: list[dict], **writer_args) -> None:
    with TelemetryWriter(path, layout=layout, **writer_args) as writer:
        writer.begin_run(**RUN_INFO)
        for tick, columns in enumerate(parts):
            writer.append(table_name, **columns)
            writer.set_progress(tick + 1)


@pytest.mark.parametrize("table_name", DATA_TABLES)
def test_every_table_reads_back_identically_from_blocks_and_rows(tmp_path, table_name):
    rng = np.random.default_rng(3)
    parts = [awkward_columns(table_name, n, rng) for n in (1, 40, 0, 257)]
    write(tmp_path / "rows.db", "rows", table_name, parts)
    write(tmp_path / "cols.db", "columns", table_name, parts)
    with sqlite3.connect(tmp_path / "cols.db") as conn:
        assert conn.execute(f"SELECT COUNT(*) FROM {table_name}").fetchone()[0] == 0  # all in blocks
    conn.close()
    by_rows, by_blocks = read_table(tmp_path / "rows.db", table_name), read_table(tmp_path / "cols.db", table_name)
    assert len(by_blocks) == 298
    pd.testing.assert_frame_equal(by_blocks, by_rows, check_exact=True)
    subset = list(TABLES[table_name].column_names)[::-2]
    pd.testing.assert_frame_equal(read_table(tmp_path / "cols.db", table_name, columns=subset),
                                  read_table(tmp_path / "rows.db", table_name, columns=subset), check_exact=True)
    if TABLES[table_name].has_tick:
        for ticks in (2, (1, 3), (5, 9)):
            pd.testing.assert_frame_equal(read_table(tmp_path / "cols.db", table_name, ticks=ticks),
                                          read_table(tmp_path / "rows.db", table_name, ticks=ticks))


def test_blocks_are_joined_and_cut_without_changing_the_frame(tmp_path, monkeypatch):
    rng = np.random.default_rng(4)
    parts = [awkward_columns("trades", n, rng) for n in (3, 5, 2, 11, 1)]
    write(tmp_path / "rows.db", "rows", "trades", parts, commit_ticks=5)
    monkeypatch.setattr(blockstore, "MERGE_ROWS", 7)
    monkeypatch.setattr(blockstore, "MAX_BLOCK_ROWS", 4)
    write(tmp_path / "cols.db", "columns", "trades", parts, commit_ticks=5)
    with sqlite3.connect(tmp_path / "cols.db") as conn:
        sizes = [n for (n,) in conn.execute("SELECT n_rows FROM trades_blocks ORDER BY block_id")]
    conn.close()
    assert sizes == [7, 7, 7, 1]  # 3 + (5 cut to 4 | 1) + 2 + (11 cut to 4 | 4 | 3) + 1, joined to >= 7
    pd.testing.assert_frame_equal(read_table(tmp_path / "cols.db", "trades"),
                                  read_table(tmp_path / "rows.db", "trades"), check_exact=True)


def test_coded_text_is_stored_without_strings_and_reads_as_text(tmp_path):
    with TelemetryWriter(tmp_path / "t.db", layout="columns") as writer:
        writer.begin_run(**RUN_INFO)
        writer.append("resources", tick=0, x=[0, 1, 2], y=0, commodity=Coded(np.array([1, 0, 1]), ("A", "B")),
                      amount=[1.0, 2.0, 3.0])
        with pytest.raises(TelemetryError, match=r"'pair_type': unknown value\(s\) \['A<->C'\]"):
            writer.append("trades", tick=0, buyer_id=1, seller_id=2, pair_type=Coded(np.array([0]), ("A<->C",)),
                          quantity_A=1.0, quantity_B=0.0, quantity_M=2.0, price=2.0, x=0, y=0)
        with pytest.raises(TelemetryError, match=r"codes must lie in \[-1, 2\)"):
            writer.append("resources", tick=0, x=[0], y=0, commodity=Coded(np.array([2]), ("A", "B")), amount=1.0)
    assert read_table(tmp_path / "t.db", "resources")["commodity"].tolist() == ["B", "A", "B"]


def test_minor_units_are_stored_as_narrow_integers_and_read_back_to_the_last_bit(tmp_path):
    minor = np.array([0, 1, 37, 12_345, 70_000])
    quantities = {"quantity_A": as_minor_units(minor * 0.01, 0.01),  # what the engine moved: whole units
                  "quantity_B": as_minor_units(minor * 1e-6 + 1e-7, 1e-6),  # fractions of a unit: kept as floats
                  "quantity_M": MinorUnits(minor, 1e-9)}
    assert isinstance(quantities["quantity_A"], MinorUnits) and not isinstance(quantities["quantity_B"], MinorUnits)
    with TelemetryWriter(tmp_path / "t.db", layout="columns") as writer:
        writer.begin_run(**RUN_INFO)
        writer.append("trades", tick=0, buyer_id=1, seller_id=2, pair_type="A<->B", price=2.0, x=0, y=0, **quantities)
    with sqlite3.connect(tmp_path / "t.db") as conn:
        layout = json.loads(conn.execute("SELECT layout FROM trades_blocks").fetchone()[0])
        assert layout["quantity_A"] == {"dtype": "<i4", "scale": 0.01} and layout["quantity_B"] == {"dtype": "<f8"}
        trades = read_table(tmp_path / "t.db", "trades")
        for good, unit in (("A", 0.01), ("M", 1e-9)):
            assert trades[f"quantity_{good}"].to_numpy().tobytes() == (minor * unit).tobytes()
        assert trades["quantity_B"].tolist() == (minor * 1e-6 + 1e-7).tolist()
        conn.execute("UPDATE trades_blocks SET layout = replace(layout, '\"scale\":0.01', '\"scale\":-1.0')")
    conn.close()
    with pytest.raises(TelemetryError, match="column 'quantity_A' is damaged: its scale is -1.0"):
        read_table(tmp_path / "t.db", "trades")


def recorded_tables(path) -> dict[str, pd.DataFrame]:
    return {name: read_table(path, name) for name in DATA_TABLES}


@pytest.mark.parametrize("institution", ["price_signals", "mixed_bilateral_centralized"])
def test_a_recorded_run_reads_the_same_in_blocks_as_in_rows(tmp_path, monkeypatch, institution):
    Simulation(tiny_economy(institution), seed=8, telemetry=tmp_path / "cols.db").run(25)
    monkeypatch.setattr(recorder, "TelemetryWriter", lambda path, **kw: TelemetryWriter(path, **{**kw, "layout": "rows"}))
    Simulation(tiny_economy(institution), seed=8, telemetry=tmp_path / "rows.db").run(25)
    by_blocks, by_rows = recorded_tables(tmp_path / "cols.db"), recorded_tables(tmp_path / "rows.db")
    assert len(by_blocks["trades"]) > 0 and len(by_blocks["agent_snapshots"]) == 6 * 25
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(by_blocks[name], by_rows[name], check_exact=True, obj=name)
    for name in ("trades", "agent_snapshots"):
        csv = [export_table(tmp_path / f"{db}.db", name, tmp_path / f"{db}-{name}.csv").read_bytes()
               for db in ("cols", "rows")]
        assert csv[0] == csv[1]


# --- damage --------------------------------------------------------------------

def block_file(path):
    write(path, "columns", "trades", [awkward_columns("trades", 50, np.random.default_rng(5))])
    return path


@pytest.mark.parametrize("damage, message", [
    ("UPDATE trades_blocks SET price = substr(price, 1, 13)", r"column 'price' is damaged: it holds 13 bytes, "
                                                              r"not 50 values of <f8"),
    ("UPDATE trades_blocks SET layout = '{\"tick\": '", r"is damaged: its layout is not JSON"),
    ("UPDATE trades_blocks SET layout = replace(layout, '<f8', '<f4')", r"'quantity_A' is damaged: its layout names dtype '<f4'"),
    ("UPDATE trades_blocks SET layout = replace(layout, '\"labels\":[\"A<->B\",', '\"labels\":[')",
     r"'pair_type' is damaged: its codes leave the 2 labels"),
    ("UPDATE trades_blocks SET n_rows = 51", r"not 51 values"),
])
def test_damaged_blocks_give_a_telemetry_error_naming_table_block_and_column(tmp_path, damage, message):
    path = block_file(tmp_path / "t.db")
    with sqlite3.connect(path) as conn:
        conn.execute(damage)
    conn.close()
    with pytest.raises(TelemetryError, match=rf"Telemetry table 'trades', block 1.*{message}"):
        read_table(path, "trades")


# --- the previous schema version -------------------------------------------------

def version_one_file(path):
    """A file as the previous VMT wrote it: rows only, no block tables, schema version 1."""
    write(path, "rows", "trades", [awkward_columns("trades", 30, np.random.default_rng(6))])
    with sqlite3.connect(path) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%_blocks'").fetchall():
            conn.execute(f"DROP TABLE {name}")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    return path


def test_a_version_one_file_is_read_and_a_writer_upgrades_it_keeping_its_rows(tmp_path):
    path = version_one_file(tmp_path / "old.db")
    old = read_table(path, "trades")
    assert len(old) == 30 and list_runs(path)["status"].tolist() == ["completed"]
    with TelemetryWriter(path, layout="columns") as writer:
        writer.begin_run(**RUN_INFO)
        writer.append("trades", **awkward_columns("trades", 10, np.random.default_rng(7)))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "3"
    conn.close()
    pd.testing.assert_frame_equal(read_table(path, "trades", run_id=1), old, check_exact=True)
    assert len(read_table(path, "trades", run_id=2)) == 10


# --- resume ----------------------------------------------------------------------

def test_resume_deletes_block_rows_past_the_checkpoint_even_inside_a_block(tmp_path):
    rng = np.random.default_rng(9)
    parts = [awkward_columns("agent_snapshots", 5, rng) for _ in range(6)]
    for tick, columns in enumerate(parts):
        columns["tick"] = np.full(5, tick)
    write(tmp_path / "t.db", "columns", "agent_snapshots", parts, commit_ticks=10)  # one block, ticks 0-5
    whole = read_table(tmp_path / "t.db", "agent_snapshots")
    with TelemetryWriter(tmp_path / "t.db", layout="columns") as writer:
        writer.resume_run(1, 3)
    kept = read_table(tmp_path / "t.db", "agent_snapshots")
    assert sorted(kept["tick"].unique()) == [0, 1, 2]
    pd.testing.assert_frame_equal(kept, whole[whole["tick"] < 3].reset_index(drop=True), check_exact=True)


def test_checkpoints_off_the_writing_thread_keep_every_commit_readable(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpointer, "CHECKPOINT_BYTES", 0)  # ask for a checkpoint after every commit
    path = tmp_path / "t.db"
    rng = np.random.default_rng(10)
    parts = [awkward_columns("agent_snapshots", 300, rng) for _ in range(30)]
    with TelemetryWriter(path, layout="columns", commit_ticks=1) as writer:
        writer.begin_run(**RUN_INFO)
        for tick, columns in enumerate(parts):
            writer.append("agent_snapshots", **columns)
            writer.set_progress(tick + 1)
            assert len(read_table(path, "agent_snapshots")) == 300 * (tick + 1)  # committed, whatever the log
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.db"]  # the last close removed the log
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

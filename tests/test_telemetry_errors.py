"""Telemetry refuses bad files and bad calls with a message that names the problem."""

from __future__ import annotations

import importlib.util
import sqlite3

import numpy as np
import pytest

from vmt.telemetry import TelemetryError, TelemetryWriter, export_table, list_runs, read_table

RUN_INFO = dict(scenario_name="demo", scenario_hash="abc123", scenario_text="name: demo\n",
                seed=42, version="0.1.0")


def snapshot(n_agents: int, tick: int = 0) -> dict:
    ids = np.arange(n_agents)
    return dict(tick=tick, agent_id=ids, x=ids, y=ids, A=ids * 1.0, B=ids * 1.0, M=ids * 1.0,
                utility=ids * 1.0)


def vmt_file(path, n_agents: int = 3000):
    with TelemetryWriter(path) as writer:
        writer.begin_run(**RUN_INFO)
        writer.append("agent_snapshots", **snapshot(n_agents))
    return path


@pytest.fixture
def writer(tmp_path):
    with TelemetryWriter(tmp_path / "t.db") as tw:
        tw.begin_run(**RUN_INFO)
        yield tw


def both_readers(path):
    return [lambda: list_runs(path), lambda: read_table(path, "agent_snapshots")]


# --- files ---------------------------------------------------------------------

def test_missing_file(tmp_path):
    for read in both_readers(tmp_path / "nope.db"):
        with pytest.raises(TelemetryError, match=r"nope\.db.*does not exist"):
            read()


def test_garbage_file_is_refused_by_readers_and_left_untouched_by_the_writer(tmp_path):
    path = tmp_path / "garbage.db"
    garbage = np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    path.write_bytes(garbage)
    for read in both_readers(path):
        with pytest.raises(TelemetryError, match=r"garbage\.db.*not an SQLite database"):
            read()
    with pytest.raises(TelemetryError, match="not an SQLite database"):
        TelemetryWriter(path)
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["garbage.db"]


def test_truncated_file_is_named_truncated_and_not_written_to(tmp_path):
    path = vmt_file(tmp_path / "t.db")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    for read in both_readers(path):
        with pytest.raises(TelemetryError, match=rf"t\.db.*is truncated.*declares {len(data)} bytes"):
            read()
    with pytest.raises(TelemetryError, match="truncated"):
        TelemetryWriter(path)
    assert path.read_bytes() == data[: len(data) // 2]


def test_damaged_pages_give_a_telemetry_error_not_a_sqlite_one(tmp_path):
    path = vmt_file(tmp_path / "t.db")
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    noise = np.random.default_rng(2).integers(0, 256, len(data) - page_size, dtype=np.uint8)
    data[page_size:] = noise.tobytes()  # keep the header, scramble every other page
    path.write_bytes(bytes(data))
    for read in both_readers(path):
        with pytest.raises(TelemetryError, match="could not be read.*malformed"):
            read()


def test_sqlite_file_of_another_program_is_refused_without_change(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
        conn.execute("INSERT INTO customers VALUES ('ada')")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(TelemetryError, match=r"other\.db.*SQLite database but not a VMT telemetry file"):
        TelemetryWriter(path)
    with pytest.raises(TelemetryError, match="not a VMT telemetry file"):
        list_runs(path)
    assert path.read_bytes() == before


def test_newer_schema_version_is_refused(tmp_path):
    path = vmt_file(tmp_path / "t.db", n_agents=2)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(TelemetryError, match="schema version 99"):
        read_table(path, "agent_snapshots")
    with pytest.raises(TelemetryError, match="schema version 99"):
        TelemetryWriter(path)


def test_empty_file_is_accepted_as_a_new_database(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    vmt_file(path, n_agents=2)
    assert list_runs(path)["status"].tolist() == ["completed"]


def test_file_without_runs_says_so(tmp_path):
    TelemetryWriter(tmp_path / "t.db").close()
    with pytest.raises(TelemetryError, match="holds no runs"):
        read_table(tmp_path / "t.db", "trades")
    assert list_runs(tmp_path / "t.db").empty


# --- names ---------------------------------------------------------------------

def test_unknown_table(writer):
    with pytest.raises(TelemetryError, match=r"Unknown telemetry table 'trade'.*'trades'"):
        writer.append("trade", tick=[1])
    with pytest.raises(TelemetryError, match=r"Unknown telemetry table 'snapshots'"):
        read_table(writer.path, "snapshots")


def test_unknown_column(writer):
    with pytest.raises(TelemetryError, match=r"'agent_snapshots' has no column\(s\) \['wealth'\]"):
        writer.append("agent_snapshots", wealth=[1.0], **snapshot(1))
    with pytest.raises(TelemetryError, match=r"run_id is filled in by the writer"):
        writer.append("agent_snapshots", run_id=[1], **snapshot(1))
    with pytest.raises(TelemetryError, match=r"has no column\(s\) \['wealth'\]"):
        read_table(writer.path, "agent_snapshots", columns=["A", "wealth"])


def test_unknown_run_id_lists_the_runs(tmp_path):
    path = vmt_file(tmp_path / "t.db", n_agents=2)
    with pytest.raises(TelemetryError, match=r"no run with run_id 7; the runs it holds are \[1\]"):
        read_table(path, "agent_snapshots", run_id=7)


# --- values --------------------------------------------------------------------

def test_ragged_columns(writer):
    columns = snapshot(4)
    columns["B"] = np.ones(3)
    with pytest.raises(TelemetryError, match=r"different lengths.*'B': 3"):
        writer.append("agent_snapshots", **columns)


def test_missing_required_column(writer):
    columns = snapshot(2)
    del columns["utility"]
    with pytest.raises(TelemetryError, match=r"missing required column\(s\) \['utility'\]"):
        writer.append("agent_snapshots", **columns)


def test_nan_in_a_non_nullable_column(writer):
    columns = snapshot(4)
    columns["utility"] = np.array([1.0, np.nan, 2.0, np.nan])
    with pytest.raises(TelemetryError, match=r"'utility': 2 value\(s\) are NaN/None \(first at row 1\)"):
        writer.append("agent_snapshots", **columns)


@pytest.mark.parametrize("column, value, message", [
    ("pair_type", "A<->C", r"unknown value\(s\) \['A<->C'\]"),
    ("quantity_A", -1.0, r"'quantity_A': values must be non-negative"),
    ("buyer_id", 1.5, r"'buyer_id': expected integers"),
    ("price", "cheap", r"'price': expected real numbers"),
])
def test_bad_trade_values(writer, column, value, message):
    trade = dict(tick=0, buyer_id=1, seller_id=2, pair_type="A<->M", quantity_A=1.0,
                 quantity_B=0.0, quantity_M=2.0, price=2.0, x=0, y=0)
    trade[column] = value
    with pytest.raises(TelemetryError, match=message):
        writer.append("trades", **trade)


def test_rejected_append_leaves_nothing_buffered(writer):
    columns = snapshot(4)
    columns["A"] = np.array([1.0, -2.0, 3.0, 4.0])
    with pytest.raises(TelemetryError):
        writer.append("agent_snapshots", **columns)
    assert writer.buffered_rows == 0


# --- call order ----------------------------------------------------------------

def test_append_needs_an_open_run(tmp_path):
    with TelemetryWriter(tmp_path / "t.db") as tw:
        with pytest.raises(TelemetryError, match=r"No run is open.*begin_run"):
            tw.append("agent_snapshots", **snapshot(1))


def test_begin_run_twice_and_bad_status(writer):
    with pytest.raises(TelemetryError, match=r"Run 1 .* is still open"):
        writer.begin_run(**RUN_INFO)
    with pytest.raises(TelemetryError, match=r"Unknown final run status 'done'"):
        writer.end_run("done")


def test_closed_writer(tmp_path):
    tw = TelemetryWriter(tmp_path / "t.db")
    tw.close()
    with pytest.raises(TelemetryError, match="is closed"):
        tw.begin_run(**RUN_INFO)


def test_export_format(tmp_path):
    path = vmt_file(tmp_path / "t.db", n_agents=2)
    with pytest.raises(TelemetryError, match=r"unknown file type; use one of \['.csv'"):
        export_table(path, "agent_snapshots", tmp_path / "snap.xlsx")
    if importlib.util.find_spec("pyarrow") is None:
        with pytest.raises(TelemetryError, match="needs the optional package pyarrow"):
            export_table(path, "agent_snapshots", tmp_path / "snap.parquet")
    else:
        export_table(path, "agent_snapshots", tmp_path / "snap.parquet")
        assert len(__import__("pandas").read_parquet(tmp_path / "snap.parquet")) == 2

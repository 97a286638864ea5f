"""Telemetry round trips: what is written is read back, sorted, typed, per run."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from vmt.telemetry import TABLES, TelemetryWriter, export_table, list_runs, read_table

settings.register_profile("telemetry", max_examples=25, deadline=None, derandomize=True)
RUN_INFO = dict(scenario_name="demo", scenario_hash="abc123", scenario_text="name: demo\n",
                seed=42, version="0.1.0")


def sample_columns(table_name: str, n_rows: int, rng: np.random.Generator) -> dict:
    """Random but valid columns for any table, NULLs in a third of nullable cells."""
    columns = {}
    for col in TABLES[table_name].data_columns:
        null = rng.random(n_rows) < 0.33
        if col.sqltype == "INTEGER":
            ints = rng.integers(0, 1000, n_rows)
            columns[col.name] = np.where(null, np.nan, ints) if col.nullable else ints
        elif col.sqltype == "REAL":
            reals = rng.uniform(0.0, 100.0, n_rows)
            columns[col.name] = np.where(null, np.nan, reals) if col.nullable else reals
        else:
            pool = col.choices or ("alpha", "beta", "gamma")
            texts = np.array(pool, dtype=object)[rng.integers(0, len(pool), n_rows)]
            columns[col.name] = np.where(null, None, texts) if col.nullable else texts
    return columns


def expected_frame(table_name: str, columns: dict, run_id: int) -> pd.DataFrame:
    """What read_table should return: stable sort of the written rows by the natural key."""
    frame = pd.DataFrame({"run_id": run_id, **columns})[list(TABLES[table_name].column_names)]
    return frame.sort_values(list(TABLES[table_name].key), kind="stable").reset_index(drop=True)


def assert_same_values(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    for name in actual.columns:
        got, want = actual[name].tolist(), expected[name].tolist()
        as_none = [None if (w is None or (isinstance(w, float) and np.isnan(w))) else w for w in want]
        got_none = [None if (g is None or g is pd.NA or (isinstance(g, float) and np.isnan(g))) else g
                    for g in got]
        assert got_none == as_none, name


DATA_TABLES = [name for name in TABLES if name != "runs"]


@pytest.mark.parametrize("table_name", DATA_TABLES)
def test_every_table_round_trips_values_sorted_by_natural_key(tmp_path, table_name):
    columns = sample_columns(table_name, 300, np.random.default_rng(7))
    with TelemetryWriter(tmp_path / "t.db") as writer:
        run_id = writer.begin_run(**RUN_INFO)
        writer.append(table_name, **columns)
    frame = read_table(tmp_path / "t.db", table_name)
    assert_same_values(frame, expected_frame(table_name, columns, run_id))


@pytest.mark.parametrize("table_name", DATA_TABLES)
def test_dtypes_follow_the_schema_even_for_empty_tables(tmp_path, table_name):
    with TelemetryWriter(tmp_path / "t.db") as writer:
        writer.begin_run(**RUN_INFO)
    frame = read_table(tmp_path / "t.db", table_name)
    assert frame.empty
    for col in TABLES[table_name].columns:
        want = {"INTEGER": "Int64" if col.nullable else "int64", "REAL": "float64", "TEXT": "object"}
        assert str(frame[col.name].dtype) == want[col.sqltype], col.name


def snapshot(n_agents: int, tick: int) -> dict:
    ids = np.arange(n_agents)
    return dict(tick=tick, agent_id=ids, x=ids % 7, y=ids // 7, A=ids * 1.0, B=ids * 2.0,
                M=ids * 0.01 + tick, utility=np.sqrt(ids + 1.0),
                observed_price=np.where(ids % 3 == 0, np.nan, 1.5),
                **{"lambda": np.full(n_agents, 0.25)})


def write_snapshots(path, flush_rows: int, ticks: int = 6, n_agents: int = 40) -> None:
    with TelemetryWriter(path, flush_rows=flush_rows) as writer:
        writer.begin_run(**RUN_INFO)
        for tick in range(ticks):
            writer.append("agent_snapshots", **snapshot(n_agents, tick))
            writer.set_progress(tick + 1)


def test_snapshot_values_and_nan_become_null(tmp_path):
    write_snapshots(tmp_path / "t.db", flush_rows=10_000, ticks=1, n_agents=10)
    frame = read_table(tmp_path / "t.db", "agent_snapshots")
    assert frame["M"].tolist() == [i * 0.01 for i in range(10)]
    assert frame["observed_price"].isna().tolist() == [i % 3 == 0 for i in range(10)]
    with sqlite3.connect(tmp_path / "t.db") as conn:
        nulls = conn.execute("SELECT COUNT(*) FROM agent_snapshots WHERE observed_price IS NULL")
        assert nulls.fetchone()[0] == 4  # ids 0, 3, 6, 9 stored as SQL NULL, not NaN


def test_small_flush_rows_gives_several_flushes_and_the_same_result(tmp_path, monkeypatch):
    flushes = []
    original = TelemetryWriter.flush
    monkeypatch.setattr(TelemetryWriter, "flush", lambda self: flushes.append(self.buffered_rows)
                        or original(self))
    write_snapshots(tmp_path / "small.db", flush_rows=50)  # 6 ticks of 40 rows
    # the buffer reaches 50 rows at every second append (80 rows); close flushes the empty rest
    assert flushes == [80, 80, 80, 0]
    write_snapshots(tmp_path / "big.db", flush_rows=1_000_000)
    assert flushes[4:] == [240]
    small, big = read_table(tmp_path / "small.db", "agent_snapshots"), read_table(tmp_path / "big.db", "agent_snapshots")
    pd.testing.assert_frame_equal(small, big)
    assert list_runs(tmp_path / "small.db")["ticks_completed"].tolist() == [6]


def test_two_runs_in_one_file_are_kept_apart_and_latest_is_default(tmp_path):
    path = tmp_path / "t.db"
    with TelemetryWriter(path) as writer:
        first = writer.begin_run(**RUN_INFO)
        writer.append("agent_snapshots", **snapshot(5, 0))
        writer.end_run()
        second = writer.begin_run(**{**RUN_INFO, "seed": 43}, params={"note": np.float64(0.5)})
        writer.append("agent_snapshots", **snapshot(3, 0))
    with TelemetryWriter(path) as writer:  # reopening appends a third run
        third = writer.begin_run(**RUN_INFO)
    assert (first, second, third) == (1, 2, 3)
    runs = list_runs(path)
    assert runs["run_id"].tolist() == [1, 2, 3] and runs["seed"].tolist() == [42, 43, 42]
    assert runs["status"].tolist() == ["completed"] * 3 and runs["finished_at"].notna().all()
    assert runs["params_json"].tolist()[1] == '{"note": 0.5}'
    assert len(read_table(path, "agent_snapshots", run_id=1)) == 5
    assert len(read_table(path, "agent_snapshots", run_id=2)) == 3
    assert read_table(path, "agent_snapshots").empty  # run 3, the latest, wrote none
    assert read_table(path, "runs")["run_id"].tolist() == [3]


def test_exception_inside_with_marks_failed_and_keeps_flushed_rows(tmp_path):
    path = tmp_path / "t.db"
    with pytest.raises(RuntimeError, match="engine broke"):
        with TelemetryWriter(path, flush_rows=30) as writer:
            writer.begin_run(**RUN_INFO)
            for tick in range(3):
                writer.append("agent_snapshots", **snapshot(20, tick))
                writer.set_progress(tick + 1)
            raise RuntimeError("engine broke")
    runs = list_runs(path)
    assert runs["status"].tolist() == ["failed"] and runs["ticks_completed"].tolist() == [3]
    assert read_table(path, "agent_snapshots")["tick"].value_counts().sort_index().tolist() == [20] * 3


def test_keyboard_interrupt_marks_interrupted_and_file_still_opens(tmp_path):
    path = tmp_path / "t.db"
    with pytest.raises(KeyboardInterrupt):
        with TelemetryWriter(path, flush_rows=25) as writer:
            writer.begin_run(**RUN_INFO)
            writer.append("agent_snapshots", **snapshot(20, 0))
            writer.set_progress(1)
            writer.append("agent_snapshots", **snapshot(20, 1))
            writer.set_progress(2)  # committed: 40 >= 25
            writer.append("agent_snapshots", **snapshot(7, 2))  # a tick that never ended
            raise KeyboardInterrupt
    runs = list_runs(path)
    assert runs["status"].tolist() == ["interrupted"] and runs["ticks_completed"].tolist() == [2]
    # whole ticks only: the two ticks that ended are kept, the unfinished one is not
    assert read_table(path, "agent_snapshots")["tick"].value_counts().sort_index().tolist() == [20, 20]
    with TelemetryWriter(path) as writer:  # the file is healthy: a new run can be added
        assert writer.begin_run(**RUN_INFO) == 2


def test_columns_and_tick_filters(tmp_path):
    write_snapshots(tmp_path / "t.db", flush_rows=100)
    frame = read_table(tmp_path / "t.db", "agent_snapshots", columns=["utility", "agent_id"], ticks=(2, 4))
    assert list(frame.columns) == ["utility", "agent_id"]
    assert len(frame) == 80 and frame["agent_id"].tolist() == list(range(40)) * 2
    assert len(read_table(tmp_path / "t.db", "agent_snapshots", ticks=5)) == 40


def test_scalars_broadcast_and_omitted_nullable_columns_are_null(tmp_path):
    with TelemetryWriter(tmp_path / "t.db") as writer:
        writer.begin_run(**RUN_INFO)
        writer.append("resources", tick=4, x=[0, 1, 2], y=0, commodity="A", amount=[1.0, 0.0, 2.5])
        writer.append("agents", agent_id=[1], utility_family="ces", lambda_money=1.0,
                      utility_params={"rho": 0.5, "alpha": np.float64(0.3)}, A0=1, B0=2, M0=3)
    resources = read_table(tmp_path / "t.db", "resources")
    assert resources[["tick", "x", "commodity"]].values.tolist() == [[4, 0, "A"], [4, 1, "A"], [4, 2, "A"]]
    agents = read_table(tmp_path / "t.db", "agents")
    assert agents["group_name"].tolist() == [None]
    assert agents["utility_params"].tolist() == ['{"alpha": 0.3, "rho": 0.5}']


@settings(settings.get_profile("telemetry"))
@given(values=arrays(np.float64, st.integers(1, 30),
                     elements=st.floats(allow_nan=False, allow_infinity=True, width=64)))
@example(values=np.array([-0.0, 5e-324, -np.inf, 2.0**60 + 2.0**8, 0.1]))
def test_real_values_round_trip_bit_for_bit(tmp_path_factory, values):
    """Every double comes back bit for bit, except that SQLite stores -0.0 as 0.0."""
    path = tmp_path_factory.mktemp("bits") / "t.db"
    n = len(values)
    with TelemetryWriter(path) as writer:
        writer.begin_run(**RUN_INFO)
        writer.append("market_prices", tick=np.arange(n), market_id=0, pair="A<->M", price=values,
                      volume=1.0, n_trades=1, bid_ask_spread=values)
    frame = read_table(path, "market_prices")
    assert frame["price"].to_numpy().tobytes() == (values + 0.0).tobytes()  # -0.0 + 0.0 = +0.0


def test_export_csv_round_trips(tmp_path):
    write_snapshots(tmp_path / "t.db", flush_rows=100, ticks=2)
    out = export_table(tmp_path / "t.db", "agent_snapshots", tmp_path / "out" / "snap.csv")
    exported = pd.read_csv(out)
    original = read_table(tmp_path / "t.db", "agent_snapshots")
    pd.testing.assert_frame_equal(exported, original, check_dtype=False)


def test_reader_sees_flushed_rows_while_the_writer_is_open(tmp_path):
    path = tmp_path / "t.db"
    with TelemetryWriter(path, flush_rows=40) as writer:
        writer.begin_run(**RUN_INFO)
        writer.append("agent_snapshots", **snapshot(40, 0))
        writer.set_progress(1)  # committed at the end of the tick: 40 rows >= flush_rows
        writer.append("agent_snapshots", **snapshot(10, 1))  # still buffered
        assert len(read_table(path, "agent_snapshots")) == 40
        assert list_runs(path)["status"].tolist() == ["running"]
    assert len(read_table(path, "agent_snapshots")) == 50


@pytest.mark.parametrize("table_name", ["agent_snapshots", "trades", "market_orders"])
def test_file_is_wal_and_ordered_reads_use_the_index_without_sorting(tmp_path, table_name):
    path = tmp_path / "t.db"
    TelemetryWriter(path).close()
    spec = TABLES[table_name]
    order = ", ".join([f'"{k}"' for k in spec.key] + ["rowid"])
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        plan = " ".join(row[-1] for row in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM {table_name} WHERE run_id = 1 AND tick >= 3 "
            f"ORDER BY {order}"))
    conn.close()
    assert f"ix_{table_name}_key" in plan and "TEMP B-TREE" not in plan


def test_empty_append_writes_nothing(tmp_path):
    with TelemetryWriter(tmp_path / "t.db") as writer:
        writer.begin_run(**RUN_INFO)
        no_trades = {name: np.zeros(0) for name in ("quantity_A", "quantity_B", "quantity_M", "price",
                                                    "market_id")}
        writer.append("trades", tick=np.zeros(0, np.int64), buyer_id=np.zeros(0, np.int64),
                      seller_id=[], pair_type=np.zeros(0, object), x=[], y=[], **no_trades)
        assert writer.buffered_rows == 0
    assert read_table(tmp_path / "t.db", "trades").empty


def test_two_writers_on_one_file_interleave_without_mixing_runs(tmp_path):
    path = tmp_path / "sweep.db"
    with TelemetryWriter(path, flush_rows=10) as first, TelemetryWriter(path, flush_rows=10) as second:
        ids = (first.begin_run(**RUN_INFO), second.begin_run(**{**RUN_INFO, "seed": 2}))
        for tick in range(4):  # alternate flushes of the two writers
            first.append("agent_snapshots", **snapshot(10, tick))
            second.append("agent_snapshots", **snapshot(6, tick))
    assert ids == (1, 2)
    assert len(read_table(path, "agent_snapshots", run_id=1)) == 40
    second_run = read_table(path, "agent_snapshots", run_id=2)
    assert len(second_run) == 24 and set(second_run["agent_id"]) == set(range(6))

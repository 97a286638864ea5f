"""The telemetry schema: one declaration per table, and the DDL derived from it.

Every table other than ``runs`` carries ``run_id`` so that one SQLite file may
hold several runs. Each declaration gives the ordered columns with their SQLite
types, units and nullability, and the table's *natural key*: the columns that
readers sort by (tick first, then ids), so that a frame read back is in the same
order whatever order the rows were written in. The DDL, the indexes, the
writer's validation, the readers' dtypes and the column reference in
``docs/telemetry.md`` all come from these declarations (one definition).

Prices follow the project convention (docs/architecture.md): real units of the
second good of a pair per real unit of the first (B per A, M per A, M per B).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Version 2 added the column-block tables (``<table>_blocks``); files of
#: version 1 hold rows only and are read as they are (a writer adds the block
#: tables and marks them version 2). Version 3 blocks may store a REAL column
#: of holdings or quantities as integers with a ``scale`` (see
#: ``vmt.telemetry.blocks``); a writer adding runs to an older file marks it 3.
SCHEMA_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
FORMAT_NAME = "vmt-telemetry"
PAIR_TYPES = ("A<->B", "A<->M", "B<->M")
RUN_STATUSES = ("running", "completed", "interrupted", "failed")
AREA_EVENTS = ("formed", "dissolved")


@dataclass(frozen=True)
class Column:
    """One column: SQLite type, unit, meaning and the values it admits."""

    name: str
    sqltype: str  # "INTEGER" | "REAL" | "TEXT"
    unit: str
    doc: str
    nullable: bool = False
    choices: tuple[str, ...] | None = None
    nonnegative: bool = False


@dataclass(frozen=True)
class Table:
    """A table: ordered columns and the natural key readers sort by."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """Columns the caller supplies (``run_id`` is filled in by the writer)."""
        return tuple(c for c in self.columns if c.name != "run_id")

    @property
    def has_tick(self) -> bool:
        return "tick" in self.column_names

    def column(self, name: str) -> Column:
        return {c.name: c for c in self.columns}[name]


def _int(name, unit, doc, **kw):
    return Column(name, "INTEGER", unit, doc, **kw)


def _real(name, unit, doc, **kw):
    return Column(name, "REAL", unit, doc, **kw)


def _text(name, doc, **kw):
    return Column(name, "TEXT", "", doc, **kw)


_RUN_ID = _int("run_id", "", "run this row belongs to (`runs.run_id`)")
_TICK = _int("tick", "ticks", "tick at whose end the row was recorded (0 = initial state)", nonnegative=True)
_CELL_X = _int("x", "cells", "grid column")
_CELL_Y = _int("y", "cells", "grid row")
_MARKET = _int("market_id", "", "market id, persistent across ticks")


def _tables() -> tuple[Table, ...]:
    runs = Table("runs", "one row per run written into the file", (
        _int("run_id", "", "run id, assigned by the writer (1, 2, ...)"),
        _text("scenario_name", "scenario name"),
        _text("scenario_hash", "hash of the canonical scenario text"),
        _text("scenario_text", "the scenario as run (YAML), so the run can be reproduced"),
        _text("params_json", "extra run parameters (JSON object; `{}` if none)"),
        _int("seed", "", "seed of the run's numpy Generator"),
        _text("version", "VMT version that wrote the run"),
        _text("started_at", "UTC time the run began (ISO 8601)"),
        _text("finished_at", "UTC time the run ended (ISO 8601); NULL while running", nullable=True),
        _text("status", "running, completed, interrupted or failed", choices=RUN_STATUSES),
        _int("ticks_completed", "ticks", "ticks completed, updated at every flush", nonnegative=True),
    ), ("run_id",))
    agents = Table("agents", "static attributes of each agent", (
        _RUN_ID,
        _int("agent_id", "", "agent id"),
        _text("group_name", "scenario group the agent was created from", nullable=True),
        _text("utility_family", "utility family name (e.g. cobb_douglas)"),
        _text("utility_params", "canonical utility parameters (JSON object)"),
        _real("lambda_money", "utils per M", "initial marginal utility of money λ"),
        _real("A0", "A", "initial holding of A", nonnegative=True),
        _real("B0", "B", "initial holding of B", nonnegative=True),
        _real("M0", "M", "initial holding of money", nonnegative=True),
    ), ("agent_id",))
    snapshots = Table("agent_snapshots", "per-tick state of each agent", (
        _RUN_ID, _TICK,
        _int("agent_id", "", "agent id"),
        _CELL_X, _CELL_Y,
        _real("A", "A", "holding of A", nonnegative=True),
        _real("B", "B", "holding of B", nonnegative=True),
        _real("M", "M", "holding of money", nonnegative=True),
        _real("utility", "utils", "utility u(A, B) + λ·M at the holdings"),
        _real("observed_price", "B per A or M per A", "market price signal the agent perceives; NULL if none", nullable=True),
        _real("lambda", "utils per M", "current marginal utility of money λ; NULL in barter", nullable=True),
    ), ("tick", "agent_id"))
    trades = Table("trades", "every executed trade (bilateral or at a market post)", (
        _RUN_ID, _TICK,
        _int("buyer_id", "", "agent receiving the first good of the pair"),
        _int("seller_id", "", "agent delivering the first good of the pair"),
        _text("pair_type", "goods exchanged: first<->second", choices=PAIR_TYPES),
        _real("quantity_A", "A", "quantity of A moved", nonnegative=True),
        _real("quantity_B", "B", "quantity of B moved", nonnegative=True),
        _real("quantity_M", "M", "quantity of money moved", nonnegative=True),
        _real("price", "second per first", "B per A, M per A or M per B", nonnegative=True),
        _int("market_id", "", "market post or area the trade belongs to; NULL if purely bilateral", nullable=True),
        _int("x", "cells", "buyer's column when trading"),
        _int("y", "cells", "buyer's row when trading"),
    ), ("tick", "buyer_id", "seller_id"))
    resources = Table("resources", "resource cell snapshots", (
        _RUN_ID, _TICK, _CELL_X, _CELL_Y,
        _text("commodity", "good on the cell (A or B)"),
        _real("amount", "units of the commodity", "amount available to forage", nonnegative=True),
    ), ("tick", "x", "y", "commodity"))
    return (runs, agents, snapshots, trades, resources) + _market_tables()


def _market_tables() -> tuple[Table, ...]:
    areas = Table("market_areas", "market areas detected by density clustering", (
        _RUN_ID, _TICK, _MARKET,
        _real("center_x", "cells", "centre column"),
        _real("center_y", "cells", "centre row"),
        _real("radius", "cells", "radius of the area", nonnegative=True),
        _int("members", "agents", "agents inside the area", nonnegative=True),
        _text("event", "formed or dissolved at this tick; NULL otherwise", nullable=True, choices=AREA_EVENTS),
    ), ("tick", "market_id"))
    prices = Table("market_prices", "per-tick aggregated price of a market (VWAP)", (
        _RUN_ID, _TICK, _MARKET,
        _text("pair", "pair priced: first<->second", choices=PAIR_TYPES),
        _real("price", "second per first", "volume-weighted average price of the tick's trades"),
        _real("volume", "units of the first good", "quantity of the first good traded", nonnegative=True),
        _int("n_trades", "trades", "trades aggregated", nonnegative=True),
        _real("bid_ask_spread", "second per first", "best ask minus best bid; NULL if unknown", nullable=True),
    ), ("tick", "market_id", "pair"))
    posts = Table("market_posts", "market posts placed by the scenario", (
        _RUN_ID, _MARKET, _CELL_X, _CELL_Y,
        _int("visibility_radius", "cells", "agents within this distance see the post", nonnegative=True),
        _int("interaction_radius", "cells", "agents within this distance can trade at it", nonnegative=True),
        _int("broadcast_radius", "cells", "agents within this distance hear its prices", nonnegative=True),
        _text("mechanism", "clearing mechanism name (registry name)"),
        _text("commodities", "goods traded at the post (JSON list)"),
    ), ("market_id",))
    orders = Table("market_orders", "orders submitted at market posts", (
        _RUN_ID, _TICK, _MARKET,
        _int("agent_id", "", "agent submitting the order"),
        _text("commodity", "good ordered, priced in M; or a pair first<->second"),
        _text("direction", "buy or sell"),
        _real("quantity", "units of the commodity", "quantity ordered", nonnegative=True),
        _real("limit_price", "M per unit (or second per first)", "limit price; NULL for an order without limit", nullable=True),
        _text("status", "outcome (e.g. filled, partial, rejected)"),
        _text("reason", "why an order was not (fully) filled; NULL otherwise", nullable=True),
    ), ("tick", "market_id", "agent_id", "commodity"))
    clears = Table("market_clears", "one record per clearing of a market post", (
        _RUN_ID, _TICK, _MARKET,
        _text("commodity", "good cleared, priced in M; or a pair first<->second"),
        _real("clearing_price", "M per unit (or second per first)", "clearing price; NULL if none found", nullable=True),
        _real("demand", "units of the commodity", "demand at the clearing price", nonnegative=True),
        _real("supply", "units of the commodity", "supply at the clearing price", nonnegative=True),
        _real("quantity", "units of the commodity", "quantity traded", nonnegative=True),
        _int("iterations", "", "iterations the mechanism used", nonnegative=True),
        _int("converged", "0/1", "1 if the mechanism converged"),
    ), ("tick", "market_id", "commodity"))
    return (areas, prices, posts, orders, clears)


TABLES: dict[str, Table] = {t.name: t for t in _tables()}


def column_ddl(table: Table, column: Column) -> str:
    """``name TYPE [constraints]`` for one column of ``CREATE TABLE``."""
    if table.name == "runs" and column.name == "run_id":
        return "run_id INTEGER PRIMARY KEY"
    ddl = f'"{column.name}" {column.sqltype}'
    if not column.nullable:
        ddl += " NOT NULL"
    if column.name == "run_id":
        ddl += " REFERENCES runs(run_id)"
    return ddl


#: Bookkeeping tables outside the data schema: who writes each run (so a killed
#: run is recognised, see ``liveness``) and each run's latest checkpoint (the
#: pickled simulation state at the end of tick ``ticks_completed - 1``,
#: committed in the same transaction as the telemetry of that tick).
BOOKKEEPING_DDL = (
    "CREATE TABLE IF NOT EXISTS run_writers (run_id INTEGER PRIMARY KEY REFERENCES runs(run_id), "
    "host TEXT NOT NULL, pid INTEGER NOT NULL, process_start TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS checkpoints (run_id INTEGER PRIMARY KEY REFERENCES runs(run_id), "
    "ticks_completed INTEGER NOT NULL, created_at TEXT NOT NULL, state BLOB NOT NULL)",
)


def schema_ddl() -> list[str]:
    """Statements that create the meta table, every table and its index.

    Each data table gets one index on ``(run_id, *natural_key)``; for tables
    with a tick this is an index on ``(run_id, tick, ...)``, which serves
    both per-tick look-ups and the readers' ordered scans without a sort.
    """
    statements = ["CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"]
    for table in TABLES.values():
        cols = ", ".join(column_ddl(table, c) for c in table.columns)
        statements.append(f"CREATE TABLE IF NOT EXISTS {table.name} ({cols})")
        if table.name != "runs":
            key = ", ".join(f'"{k}"' for k in ("run_id",) + table.key)
            statements.append(f"CREATE INDEX IF NOT EXISTS ix_{table.name}_key ON {table.name} ({key})")
    return statements + list(BOOKKEEPING_DDL)


def _allowed(column: Column) -> str:
    if column.choices:
        return ", ".join(f"`{c}`" for c in column.choices)
    return "≥ 0" if column.nonnegative else ""


def describe_markdown() -> str:
    """The column reference of ``docs/telemetry.md``, generated from the schema."""
    parts = []
    for table in TABLES.values():
        parts.append(f"### `{table.name}`\n\n{table.doc[0].upper() + table.doc[1:]}. "
                     f"Sorted by {', '.join(table.key)}.\n\n"
                     "| column | type | unit | values | meaning |\n|---|---|---|---|---|")
        for c in table.columns:
            null = " NULL" if c.nullable else ""
            parts.append(f"| `{c.name}` | {c.sqltype}{null} | {c.unit or '—'} | {_allowed(c)} | {c.doc} |")
        parts.append("")
    return "\n".join(parts)

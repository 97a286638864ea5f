"""Telemetry: runs written to SQLite in batches, read back as pandas DataFrames.

One file may hold several runs: the ``runs`` table lists them and every other
table carries ``run_id``. See ``docs/telemetry.md`` for every table and column.

>>> from vmt.telemetry import TelemetryWriter, read_table, list_runs  # doctest: +SKIP
"""

from vmt.telemetry.errors import TelemetryError
from vmt.telemetry.readers import export_table, list_runs, read_table
from vmt.telemetry.schema import SCHEMA_VERSION, TABLES
from vmt.telemetry.writer import TelemetryWriter

__all__ = ["TelemetryError", "TelemetryWriter", "list_runs", "read_table", "export_table",
           "TABLES", "SCHEMA_VERSION"]

"""``vmt replay RUN_DB``: replay a recorded run in the browser viewer."""

from __future__ import annotations

from pathlib import Path

import click

from vmt.cli.errors import fail
from vmt.cli.serve import host_option, open_option, port_option, run_server


@click.command("replay")
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--run-id", type=int, default=None, help="Run to replay (default: the latest in the file).")
@host_option
@port_option
@open_option
def command(db, run_id, host, port, open_browser):
    """Replay a run recorded with `vmt run --out`: play forward or backward at any speed,
    or scrub to any tick."""
    from vmt.telemetry import TelemetryError
    from vmt.viewer.app import replay_app
    from vmt.viewer.replay import ReplayRun

    if not Path(db).is_file():
        fail(f"{db}: no such telemetry file (record one with `vmt run SCENARIO --out {db}`)")
    try:
        replay = ReplayRun(db, run_id)  # checked before listening: bad input is exit code 2
    except TelemetryError as exc:
        fail(str(exc))
    run_server(replay_app(replay), host, port, open_browser)

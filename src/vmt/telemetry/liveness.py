"""Is the process writing a run still alive? (How a killed run is recognised.)

A run killed with SIGKILL (or by a power cut) never gets to write its final
status, so its ``runs`` row still says ``running``. To tell such a run from
one that is really being written, the writer records who it is in the
``run_writers`` table when the run begins: the host name, the process id and
the process's start time (from ``/proc/<pid>/stat``, so that a recycled pid
is not mistaken for the writer). A run whose writer ran on this host and no
longer exists is *interrupted*: a writer opening the file marks it so, and
readers report it so without modifying the file. A writer on another host
cannot be checked and its run is reported as recorded.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

def process_start(pid: int) -> str | None:
    """Start time of process ``pid`` in clock ticks since boot, or None if it is gone.

    A zombie (killed, not yet reaped) counts as gone. Without ``/proc`` the
    start time is unknown (``""``) and only the pid's existence is checked.
    """
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return None if fields[0] in ("Z", "X") else fields[19]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return ""


def this_writer() -> tuple[str, int, str]:
    """(host, pid, process start) identifying the calling process."""
    pid = os.getpid()
    return socket.gethostname(), pid, process_start(pid) or ""


def writer_gone(host: str, pid: int, started: str) -> bool:
    """True when the writer was on this host and its process no longer runs."""
    if host != socket.gethostname():
        return False
    now = process_start(int(pid))
    return now is None or (bool(started) and bool(now) and now != started)


def dead_runs(conn: sqlite3.Connection) -> list[int]:
    """Run ids whose status is ``running`` but whose writer process is gone."""
    try:
        rows = conn.execute(
            "SELECT r.run_id, w.host, w.pid, w.process_start FROM runs r "
            "JOIN run_writers w ON w.run_id = r.run_id WHERE r.status = 'running'").fetchall()
    except sqlite3.OperationalError as exc:  # a file written before run_writers existed
        if "no such table" in str(exc):
            return []
        raise
    return [run_id for run_id, host, pid, started in rows if writer_gone(host, pid, started)]

"""Checkpoints: the complete state of a simulation, saved atomically and restored.

A checkpoint is taken between ticks. It holds everything the next tick
reads: the scenario and seed, the world's struct-of-arrays state, the tick's
protocols and hand-over state, every random stream (the ``Generator`` objects
themselves, with their bit-generator state), the market components (areas,
posts, order books, learning state), the in-memory trade log, the tick
counter and, when the run is recorded, the telemetry file and run id (the
telemetry position is the tick counter). It is one pickle of one object
graph, so shared references (components pointing at the world) survive.

Two places hold checkpoints:

* inside a telemetry file (``checkpoints`` table, latest per run), committed
  in the same transaction as the telemetry of the ticks it follows, so the
  state and the recorded rows can never disagree (``vmt run
  --checkpoint-every N``, ``vmt run --resume run.db``);
* a file of its own (``Simulation.checkpoint(path)``), written to a
  temporary name, synced and renamed over ``path``, so a kill leaves either
  the old checkpoint or the new one, never half of one. The file starts with
  a magic line and the SHA-256 of the pickle, which is checked on load.

A checkpoint is a pickle: load only checkpoints you wrote (unpickling a file
from elsewhere can run arbitrary code).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from vmt import __version__
from vmt.simulation.errors import SimulationError

MAGIC = b"VMT-CHECKPOINT 1\n"
STATE_FORMAT = 1


def dump_state(state: dict) -> bytes:
    """Pickle a simulation's state dict (with the format and VMT version)."""
    return pickle.dumps({"format": STATE_FORMAT, "version": __version__, **state},
                        protocol=pickle.HIGHEST_PROTOCOL)


def load_state(blob: bytes, source: Path) -> dict:
    """The state dict of a checkpoint, checked for format and version."""
    try:
        state = pickle.loads(blob)
    except Exception as exc:  # a damaged or foreign pickle
        raise SimulationError(f"The checkpoint in {str(source)!r} cannot be read ({exc}).") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise SimulationError(f"{str(source)!r} does not hold a VMT checkpoint of format {STATE_FORMAT}.")
    if state.get("version") != __version__:
        raise SimulationError(f"The checkpoint in {str(source)!r} was written by VMT {state.get('version')}; "
                              f"this is VMT {__version__}. Resume it with the version that wrote it.")
    return state


def write_checkpoint_file(path: str | Path, blob: bytes) -> Path:
    """Write ``blob`` to ``path`` atomically: temporary file, fsync, rename."""
    path = Path(path)
    digest = hashlib.sha256(blob).hexdigest().encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(MAGIC + digest + b"\n" + blob)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SimulationError(f"Cannot write the checkpoint {str(path)!r}: {exc.strerror or exc}; "
                              "any earlier checkpoint at that path is unchanged.") from None
    return path


def read_checkpoint_file(path: Path) -> bytes:
    """The pickle of a checkpoint file, after checking its magic line and digest."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SimulationError(f"Cannot read the checkpoint {str(path)!r}: {exc.strerror or exc}.") from None
    header, _, rest = data.partition(b"\n")
    digest, _, blob = rest.partition(b"\n")
    if header + b"\n" != MAGIC:
        raise SimulationError(f"{str(path)!r} is neither a VMT checkpoint nor a telemetry file.")
    if hashlib.sha256(blob).hexdigest().encode() != digest:
        raise SimulationError(f"The checkpoint {str(path)!r} is damaged (its checksum does not match).")
    return blob


def read_telemetry_checkpoint(path: Path, run_id: int | None = None) -> tuple[int, int, bytes]:
    """(run_id, ticks_completed, pickle) of the latest checkpoint in a telemetry file."""
    import sqlite3  # only when resuming: a run without telemetry does not load it

    from vmt.telemetry.dbfile import open_readonly

    with open_readonly(path) as conn:
        try:
            rows = conn.execute("SELECT run_id, ticks_completed, state FROM checkpoints "
                                "WHERE (? IS NULL OR run_id = ?) ORDER BY run_id DESC LIMIT 1",
                                (run_id, run_id)).fetchall()
        except sqlite3.OperationalError:
            rows = []
    if not rows:
        which = "" if run_id is None else f" for run {run_id}"
        raise SimulationError(f"{str(path)!r} holds no checkpoint{which}: record the run with "
                              "checkpoints (vmt run --checkpoint-every N, or "
                              "Simulation.run(..., checkpoint_every=N)) to be able to resume it.")
    return int(rows[0][0]), int(rows[0][1]), bytes(rows[0][2])


def is_telemetry_file(path: Path) -> bool:
    """True when ``path`` starts with the SQLite header (else: a checkpoint file)."""
    from vmt.telemetry.dbfile import SQLITE_MAGIC

    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError as exc:
        raise SimulationError(f"Cannot read {str(path)!r}: {exc.strerror or exc}.") from None

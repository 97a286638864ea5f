"""Kill recorded runs with SIGKILL at chosen ticks, from a warm parent process.

Run as a script with a JSON plan: a list of ``{"db", "scenario", "seed",
"ticks", "kill_at", "commit_ticks", "checkpoint_every"}``. The script
imports VMT and runs one tiny simulation (so compiled kernels are loaded),
then, for each entry, forks a child that records the run into ``db`` and
reports every finished tick on a pipe; as soon as the child reports
``kill_at`` the parent kills it with SIGKILL and reaps it. It prints one
JSON list: the last tick each child reported before it was killed.

An entry with ``"settle": true`` is killed at a known point instead of
wherever the child has got to when the parent's signal lands (a loaded
machine can let it run many ticks further): at ``kill_at`` the child waits
until the commits already handed to its writer's thread are durable,
reports, and stops until it is killed. The rows buffered since the last
hand-over are lost, as in any kill.

Numba's OpenMP layer cannot be used across fork, so the script runs with
the ``workqueue`` layer and one thread (the tests start it that way).
"""

from __future__ import annotations

import json
import os
import signal
import sys


def _child(entry: dict, write_fd: int) -> None:
    from vmt.simulation import Simulation

    sim = Simulation(entry["scenario"], seed=entry["seed"], telemetry=entry["db"])
    writer = sim.recorder.writer
    writer.commit_seconds, writer.commit_ticks = 3600.0, entry["commit_ticks"]

    def report(_):
        if entry.get("settle") and sim.tick >= entry["kill_at"]:
            writer.sync()  # every commit handed over is durable, the rows buffered after it are not
            os.write(write_fd, f"{sim.tick}\n".encode())
            signal.pause()  # wait here for the parent's SIGKILL
        os.write(write_fd, f"{sim.tick}\n".encode())

    sim.run(entry["ticks"], progress=report, checkpoint_every=entry.get("checkpoint_every"))
    os.write(write_fd, b"done\n")


def _kill_when_reported(pid: int, read_fd: int, kill_at: int) -> int:
    reported, pending = -1, b""
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while reported < kill_at:
            chunk = pipe.read(4096)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            numbers = [int(line) for line in lines if line.strip().isdigit()]
            reported = max([reported, *numbers])
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return reported


def kill_one(entry: dict) -> int:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            _child(entry, write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    return _kill_when_reported(pid, read_fd, entry["kill_at"])


def main() -> None:
    from vmt.simulation import Simulation

    plan = json.loads(sys.argv[1])
    for scenario in {entry["scenario"] for entry in plan}:  # load the kernels once, before forking
        Simulation(scenario, seed=0).run(2)
    print(json.dumps([kill_one(entry) for entry in plan]))


if __name__ == "__main__":
    main()

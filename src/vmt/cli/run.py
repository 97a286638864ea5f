"""``vmt run [FILE]``: run a scenario with a progress bar and print a summary.

``--checkpoint-every N`` commits the complete simulation state into the
telemetry file after every N-th tick; ``--resume run.db`` continues the
file's latest checkpointed run to the ticks it was started for, so that its
telemetry equals a run never interrupted.
"""

from __future__ import annotations

import sys
import time

import click

from vmt.cli.errors import apply_limits, fail


@click.command("run")
@click.argument("scenario_file", required=False)
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's, else 0).")
@click.option("--ticks", type=int, default=None, help="Ticks to run (default: params.ticks).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="SQLite telemetry file.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a scenario key, e.g. params.vision_radius=5.")
@click.option("--checkpoint-every", type=int, default=None, metavar="N",
              help="Save the complete state into the telemetry file every N ticks (needs --out).")
@click.option("--resume", "resume", type=click.Path(dir_okay=False), default=None, metavar="RUN.DB",
              help="Continue the latest checkpointed run of this telemetry file.")
@click.option("--limit", "limits", multiple=True, metavar="NAME=VALUE",
              help="Raise a scenario size limit, e.g. max_agents=5000000 (see docs/reliability.md).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--threads", type=int, default=None,
              help="Threads for the parallel kernels (default: 1 below 20,000 agents, else one per core "
                   "other processes leave free).")
def command(scenario_file, seed, ticks, out, overrides, checkpoint_every, resume, limits, quiet, threads):
    """Run SCENARIO_FILE (default: the built-in market-forming economy)."""
    from tqdm import tqdm

    apply_limits(limits)
    compiling = _first_run_note()
    if resume:
        if scenario_file or seed is not None or out or overrides:
            fail("--resume continues a recorded run as it was started: give no scenario file, "
                 "--seed, --out or --set with it")
        sim, out = _resumed(resume), resume
        total = (sim.run_target or sim.scenario.params.ticks if ticks is None else ticks) - sim.tick
    else:
        if checkpoint_every is not None and not out:
            fail("--checkpoint-every saves checkpoints into the telemetry file: give --out FILE too")
        sim = _build(scenario_file, seed, out, overrides, checked_threads(threads))
        total = sim.scenario.params.ticks if ticks is None else ticks
    for note in sim.scenario.inactive_features():
        click.echo(f"note: {note}", err=True)
    if total < 0:
        fail(f"--ticks must be >= {sim.tick} (the ticks already run), got {ticks}")
    start = time.perf_counter()
    with tqdm(total=total, desc="ticks", unit="tick", disable=quiet, leave=False) as bar:
        _run(sim, total, bar.update, checkpoint_every, out)
    if compiling:
        from vmt.simulation.warmup import mark_compiled

        mark_compiled()
    wall_seconds = time.perf_counter() - start
    from vmt.analysis.summary import summarize  # pandas and scipy: after the run, not before its first tick

    for line in summarize(sim, wall_seconds).lines():
        click.echo(line)
    if out:
        click.echo(f"telemetry: {out} (run {sim.recorder.run_id})")


def _run(sim, total, progress, checkpoint_every, out) -> None:
    """Run, turning Ctrl-C and a telemetry failure (full disk) into one paragraph and exit 2."""
    from vmt.simulation import SimulationError

    try:
        sim.run(total, progress=progress, checkpoint_every=checkpoint_every)
    except KeyboardInterrupt:
        fail(f"interrupted at tick {sim.tick}; telemetry recorded so far is kept" + (f" in {out}" if out else ""))
    except (SimulationError, ValueError) as exc:
        if not isinstance(exc, SimulationError) and not _is_telemetry_error(exc):
            raise
        fail(str(exc))


def _is_telemetry_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a :class:`vmt.telemetry.TelemetryError`, asked without importing
    telemetry (and pandas, sqlite3 with it) into a run that records nothing: if its module
    was never loaded, nothing can have raised one."""
    errors = sys.modules.get("vmt.telemetry.errors")
    return errors is not None and isinstance(exc, errors.TelemetryError)


def _resumed(path):
    from vmt.simulation import Simulation

    try:
        return Simulation.resume(path)
    except ValueError as exc:  # SimulationError, TelemetryError
        fail(str(exc))


def _first_run_note() -> bool:
    """Say once, before the first run on a machine, that it compiles first
    (on stderr, also with ``--quiet``: a silent minute looks like a hang)."""
    from vmt.cli.warmup import COMPILING_NOTE
    from vmt.simulation.warmup import needs_compiling

    if not needs_compiling():
        return False
    click.echo(COMPILING_NOTE, err=True)
    return True


def checked_threads(threads: int | None) -> int | None:
    """``--threads`` validated against what numba can run (exit code 2 if not)."""
    from vmt.engine.threads import check_threads

    try:
        return None if threads is None else check_threads(threads)
    except ValueError as exc:
        fail(f"--threads: {exc}")


def _build(scenario_file, seed, out, overrides, threads=None):
    """Load and construct, turning every kind of bad input into exit code 2."""
    from vmt.scenario import ScenarioError, default_scenario, load_scenario, scenario_path
    from vmt.simulation import Simulation

    try:
        source = scenario_path(scenario_file) if scenario_file else default_scenario().source_text
        scenario = load_scenario(source, overrides)
        return Simulation(scenario, seed=seed, telemetry=out, threads=threads)
    except ScenarioError as exc:
        fail(str(exc))
    except ValueError as exc:  # protocols, mechanisms, seed, telemetry: the project's errors
        fail(f"{scenario_file or 'default scenario'}: {exc}")
    except OSError as exc:
        fail(f"cannot use {exc.filename or out}: {exc.strerror or exc}")

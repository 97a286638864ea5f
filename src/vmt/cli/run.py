"""``vmt run [FILE]``: run a scenario with a progress bar and print a summary."""

from __future__ import annotations

import time

import click

from vmt.cli.errors import fail


@click.command("run")
@click.argument("scenario_file", required=False)
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's, else 0).")
@click.option("--ticks", type=int, default=None, help="Ticks to run (default: params.ticks).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, help="SQLite telemetry file.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a scenario key, e.g. params.vision_radius=5.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--threads", type=int, default=None,
              help="Threads for the parallel kernels (default: 1 below 20,000 agents, else all).")
def command(scenario_file, seed, ticks, out, overrides, quiet, threads):
    """Run SCENARIO_FILE (default: the built-in market-forming economy)."""
    from tqdm import tqdm

    from vmt.analysis.summary import summarize

    compiling = _first_run_note()
    sim = _build(scenario_file, seed, out, overrides, checked_threads(threads))
    for note in sim.scenario.inactive_features():
        click.echo(f"note: {note}", err=True)
    total = sim.scenario.params.ticks if ticks is None else ticks
    if total < 0:
        fail(f"--ticks must be >= 0, got {total}")
    start = time.perf_counter()
    with tqdm(total=total, desc="ticks", unit="tick", disable=quiet, leave=False) as bar:
        try:
            sim.run(total, progress=bar.update)
        except KeyboardInterrupt:
            fail(f"interrupted at tick {sim.tick}; telemetry recorded so far is kept" + (f" in {out}" if out else ""))
    if compiling:
        from vmt.simulation.warmup import mark_compiled

        mark_compiled()
    for line in summarize(sim, time.perf_counter() - start).lines():
        click.echo(line)
    if out:
        click.echo(f"telemetry: {out} (run {sim.recorder.run_id})")


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
    from vmt.protocols.registry import ProtocolError
    from vmt.scenario import ScenarioError, default_scenario, load_scenario, scenario_path
    from vmt.simulation import Simulation
    from vmt.telemetry import TelemetryError

    try:
        source = scenario_path(scenario_file) if scenario_file else default_scenario().source_text
        scenario = load_scenario(source, overrides)
        return Simulation(scenario, seed=seed, telemetry=out, threads=threads)
    except (ScenarioError, ProtocolError, TelemetryError) as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(f"{scenario_file or 'default scenario'}: {exc}")
    except OSError as exc:
        fail(f"cannot use {exc.filename or out}: {exc.strerror or exc}")

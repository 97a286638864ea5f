"""``vmt warmup``: compile every kernel now, so that no later run waits."""

from __future__ import annotations

import time

import click

#: What a user is told before the first, compiling run.
COMPILING_NOTE = ("vmt: compiling the simulation kernels for this machine (once; about 1-3 minutes, "
                  "later runs load them in a fraction of a second; `vmt warmup` does it ahead)")


@click.command("warmup")
@click.option("--force", is_flag=True, help="Run the warm-up economies even if it was done before.")
@click.option("--quiet", is_flag=True, help="Print nothing.")
def command(force, quiet):
    """Compile (or load) every kernel by running tiny economies of every
    institution, protocol and post mechanism for two ticks."""
    from vmt.simulation.warmup import needs_compiling, warm_up

    if not force and not needs_compiling():
        if not quiet:
            click.echo("kernels already compiled (vmt warmup --force runs the warm-up again)")
        return
    start = time.perf_counter()
    if not quiet:
        click.echo(COMPILING_NOTE.replace("`vmt warmup` does it ahead", "running tiny economies"), err=True)
    count = warm_up((lambda label: None) if quiet else (lambda label: click.echo(f"  {label}", err=True)))
    if not quiet:
        click.echo(f"warm: {count} economies in {time.perf_counter() - start:.1f} s")

"""``vmt validate FILE [FILE ...]``: check scenario files without running them.

A file is checked exactly as ``vmt run`` checks it before the first tick —
the scenario, its protocols and their parameters, the market posts'
mechanisms and their parameters, the seed, the world it builds — by
building the simulation (within the size limits, so this allocates at most
what the limits allow), so a file valid for one is valid for the other.
Each valid file gets one summary line and one ``note:`` line per accepted
setting that is not active in this version. Every file is checked; if any
is invalid the command ends with their error paragraphs and exit code 2.
"""

from __future__ import annotations

import click

from vmt.cli.errors import apply_limits, fail


@click.command("validate")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a scenario key before validating, e.g. params.vision_radius=5 (repeatable).",
)
@click.option("--limit", "limits", multiple=True, metavar="NAME=VALUE",
              help="Raise a scenario size limit, e.g. max_agents=5000000 (see docs/reliability.md).")
def command(files: tuple[str, ...], overrides: tuple[str, ...], limits: tuple[str, ...]) -> None:
    """Validate each scenario FILE (a path or a built-in name such as edgeworth_box)."""
    from vmt.scenario import load_scenario, scenario_path
    from vmt.simulation import Simulation

    apply_limits(limits)
    errors = []
    for name in files:
        try:
            scenario = load_scenario(scenario_path(name), overrides)
            Simulation(scenario)
        except ValueError as exc:  # every bad-input error of VMT is a ValueError
            errors.append(str(exc) if str(exc).startswith("Invalid") else f"{name}: {exc}")
            continue
        click.echo(summary_line(name, scenario))
        for note in scenario.inactive_features():
            click.echo(f"  note: {note}")
    if errors:
        fail(" ".join(errors))


def summary_line(name: str, scenario) -> str:
    """``FILE: ok — N agents in G groups, grid WxH, regime R, institution I``."""
    groups = len(scenario.agents)
    return (
        f"{name}: ok — {scenario.agent_count} agents in {groups} group{'s' if groups != 1 else ''}, "
        f"grid {scenario.grid.width}x{scenario.grid.height}, regime {scenario.params.exchange_regime}, "
        f"institution {scenario.params.institution}"
    )

"""``vmt validate FILE [FILE ...]``: check scenario files without running them.

Each valid file gets one summary line and one ``note:`` line per accepted
setting that is not active in this version.  Every file is checked; if any is
invalid the command ends with their error paragraphs and exit code 2.
"""

from __future__ import annotations

import click

from vmt.cli.errors import fail


@click.command("validate")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a scenario key before validating, e.g. params.vision_radius=5 (repeatable).",
)
def command(files: tuple[str, ...], overrides: tuple[str, ...]) -> None:
    """Validate each scenario FILE (a path or a built-in name such as edgeworth_box)."""
    from vmt.protocols import ProtocolError
    from vmt.scenario import ScenarioError, load_scenario, scenario_path
    from vmt.simulation import check_protocols

    errors = []
    for name in files:
        try:
            scenario = load_scenario(scenario_path(name), overrides)
            check_protocols(scenario)
        except (ScenarioError, ProtocolError) as exc:
            errors.append(str(exc))
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

"""``vmt list [WHAT]``: the names a scenario may use, built-in and from plug-ins.

WHAT is one of ``protocols``, ``mechanisms``, ``families``, ``metrics``,
``scenarios`` (default: all). Each line is ``name — summary``, with
``[plug-in from DIST]`` for names a ``vmt.plugins`` package registered.
"""

from __future__ import annotations

import click

SECTIONS = ("protocols", "mechanisms", "families", "metrics", "scenarios")


@click.command("list")
@click.argument("what", required=False, type=click.Choice(SECTIONS))
def command(what: str | None) -> None:
    """List protocols, mechanisms, utility families, metrics and scenarios."""
    from vmt.plugins import plugin_failures

    for section in (what,) if what else SECTIONS:
        click.echo(f"{section}:")
        for line in LISTERS[section]():
            click.echo(f"  {line}")
    for failure in plugin_failures():
        click.echo(f"warning: {failure}", err=True)


def _line(name: str, summary: str, source: str = "vmt") -> str:
    origin = "" if source == "vmt" else f" [plug-in from {source}]"
    return f"{name}{' — ' + summary if summary else ''}{origin}"


def _protocols() -> list[str]:
    from vmt.protocols import KINDS
    from vmt.protocols.registry import protocol_entries

    return [_line(f"{kind}.{e.name}", _with_params(e.summary, e.params_model), e.source)
            for kind in KINDS for e in protocol_entries(kind)]


def _mechanisms() -> list[str]:
    from vmt.markets.posts.mechanisms import mechanism_entries

    return [_line(e.name, _with_params(e.summary, e.params_model), e.source) for e in mechanism_entries()]


def _with_params(summary: str, model) -> str:
    """``summary (params: name=default, ...)``; ``required`` for a parameter without default."""
    fields = [f"{name}={'required' if f.is_required() else f.default!r}" for name, f in model.model_fields.items()]
    return f"{summary} (params: {', '.join(fields)})" if fields else summary


def _families() -> list[str]:
    from vmt.economics.families import family_entries

    return [_line(f.name, (f"{f.summary} " if f.summary else "") + "(parameters " + ", ".join(f.param_names) + ")",
                  f.source) for f in family_entries()]


def _metrics() -> list[str]:
    """Sweep metrics (also model reporters unless they need a sweep's context),
    tick-local model reporters, agent reporters."""
    from vmt.simulation.metrics import METRICS, metric_names
    from vmt.simulation.collect import AGENT_REPORTERS, MODEL_REPORTERS

    metrics = [_line(name, f"{METRICS[name].description} ("
                     f"{'sweeps only' if METRICS[name].wants_context else 'sweeps and sim.collect'})")
               for name in metric_names()]
    return (metrics + [_line(name, "model reporter for sim.collect (the state at that tick)") for name in MODEL_REPORTERS]
            + [_line(name, "agent reporter for sim.collect") for name in AGENT_REPORTERS])


def _scenarios() -> list[str]:
    from vmt.scenario import builtin_scenarios

    return list(builtin_scenarios())


LISTERS = {"protocols": _protocols, "mechanisms": _mechanisms, "families": _families,
           "metrics": _metrics, "scenarios": _scenarios}

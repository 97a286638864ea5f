"""``vmt serve [FILE]``: run a scenario live in the browser viewer."""

from __future__ import annotations

import click

from vmt.cli.errors import fail


def host_option(fn):
    return click.option("--host", default="127.0.0.1", show_default=True,
                        help="Address to listen on (127.0.0.1: this machine only).")(fn)


def port_option(fn):
    return click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
                        help="Port to listen on (0: any free port).")(fn)


def open_option(fn):
    return click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")(fn)


def run_server(app, host: str, port: int, open_browser: bool) -> None:
    """Start ``app``, print its URL, serve until Ctrl-C."""
    import webbrowser

    from vmt.viewer.server import ViewerServer, ViewerServerError

    try:
        server = ViewerServer(app, host, port).start()
    except ViewerServerError as exc:
        fail(str(exc))
    click.echo(f"VMT viewer: {server.url}  (Ctrl-C to stop)")
    if open_browser:
        webbrowser.open(server.url)
    try:
        while server.thread.is_alive():
            server.thread.join(0.5)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.stop()


@click.command("serve")
@click.argument("scenario_file", required=False)
@click.option("--seed", type=int, default=None, help="Random seed (default: the scenario's, else 0).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a scenario key.")
@host_option
@port_option
@open_option
def command(scenario_file, seed, overrides, host, port, open_browser):
    """Run SCENARIO_FILE (default: the built-in economy) live in a web page: play, pause,
    step, change a parameter and restart."""
    from vmt.protocols.registry import ProtocolError
    from vmt.scenario import default_scenario, scenario_path
    from vmt.viewer.app import live_app
    from vmt.viewer.live import LiveRun, ViewerInputError
    from vmt.viewer.session import LiveSession

    try:
        source = scenario_path(scenario_file) if scenario_file else default_scenario().source_text
        run = LiveRun(source, seed=seed, overrides=overrides)
    except (ViewerInputError, ProtocolError) as exc:
        fail(str(exc))
    except (ValueError, OSError) as exc:
        fail(f"{scenario_file or 'default scenario'}: {exc}")
    run_server(live_app(LiveSession(run)), host, port, open_browser)

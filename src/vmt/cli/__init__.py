"""The ``vmt`` command line: one module per sub-command.

Each module in :data:`COMMAND_MODULES` defines a click command named
``command``; heavy imports happen inside the command so that ``vmt --help``
stays fast.
"""

from __future__ import annotations

import importlib

import click

from vmt import __version__

COMMAND_MODULES = ("run", "validate", "bench", "tasks", "report", "listing", "export", "sweep", "compare",
                   "warmup", "serve", "replay")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vmt")
def main() -> None:
    """VMT: compare exchange institutions on a spatial grid economy."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"vmt.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command still being written
        if exc.name != f"vmt.cli.{_name}":
            raise
        continue
    main.add_command(_module.command)

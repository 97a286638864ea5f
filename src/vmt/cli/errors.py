"""How the command line reports bad input: one paragraph on stderr, exit code 2."""

from __future__ import annotations

import sys

BAD_INPUT_EXIT_CODE = 2


def fail(message: str) -> "NoReturn":  # noqa: F821
    """Print ``message`` as one paragraph on stderr and exit with code 2."""
    sys.stderr.write(f"vmt: error: {message.strip()}\n")
    raise SystemExit(BAD_INPUT_EXIT_CODE)


def apply_limits(assignments) -> None:
    """Raise the scenario size limits given as ``--limit NAME=VALUE`` (exit 2 if malformed)."""
    from vmt.scenario.limits import parse_limit, set_limits

    for assignment in assignments:
        try:
            set_limits(**parse_limit(assignment))
        except ValueError as exc:
            fail(str(exc))

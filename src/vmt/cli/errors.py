"""How the command line reports bad input: one paragraph on stderr, exit code 2."""

from __future__ import annotations

import sys

BAD_INPUT_EXIT_CODE = 2


def fail(message: str) -> "NoReturn":  # noqa: F821
    """Print ``message`` as one paragraph on stderr and exit with code 2."""
    sys.stderr.write(f"vmt: error: {message.strip()}\n")
    raise SystemExit(BAD_INPUT_EXIT_CODE)

"""Shared pieces of the viewer tests: a tiny economy, servers and the browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import two_type_economy

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def tiny_economy(**params) -> dict:
    """24 agents on an 8x8 grid with market areas: small, but every part of the page has something."""
    return two_type_economy(24, "barter", grid=8, institution="price_signals", price_learning_rate=0.3,
                            ticks=30, **params)


def require_chromium() -> None:
    """Skip when Debian's chromium is absent, except in CI (CI=true), where that is a failure."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; `make test` does)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

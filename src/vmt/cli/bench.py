"""``vmt bench``: seconds per tick at 1k, 10k and 100k agents."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from vmt.cli.errors import fail
from vmt.scenario.params import EXCHANGE_REGIMES, INSTITUTIONS


def _names(text: str, option: str, valid) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in names if v not in valid]
    if bad or not names:
        fail(f"{option}: unknown value(s) {bad or text!r}; valid: {', '.join(valid)}")
    return names

COLUMNS = ("agents", "grid", "regime", "institution", "posts", "threads", "telemetry", "ticks", "s_per_tick", "agent_ticks_per_s", "peak_rss_mb", "trades")


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        fail(f"{option} takes a comma-separated list of whole numbers, got {text!r}")
    if not values or min(values) < 1:
        fail(f"{option} needs positive whole numbers, got {text!r}")
    return values


@click.command("bench")
@click.option("--agents", default="1000,10000,100000", show_default=True, help="Comma-separated agent counts.")
@click.option("--ticks", default=10, show_default=True, type=int, help="Timed ticks per row (after one warm-up tick).")
@click.option("--regime", default="barter", show_default=True, help="Exchange regime(s), comma-separated: barter, money, mixed.")
@click.option("--threads", default="1,2", show_default=True, help="NUMBA_NUM_THREADS values, comma-separated.")
@click.option("--telemetry/--no-telemetry", default=False, show_default=True, help="Record to a temporary SQLite file.")
@click.option("--institution", default="bilateral", show_default=True,
              help="Institution(s), comma-separated: bilateral, price_signals, centralized, mixed_bilateral_centralized.")
@click.option("--posts", default=0, show_default=True, type=int, help="Market posts on a lattice (posts institutions).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row on stdout.")
def command(agents, ticks, regime, threads, telemetry, institution, posts, as_json):
    """Measure seconds per tick; each row runs in a fresh process."""
    from vmt.experiments.bench import run_row_in_subprocess

    sizes = _int_list(agents, "--agents")
    thread_counts = _int_list(threads, "--threads")
    regimes = _names(regime, "--regime", EXCHANGE_REGIMES)
    if ticks < 1:
        fail(f"--ticks must be >= 1, got {ticks}")
    if posts < 0:
        fail(f"--posts must be >= 0, got {posts}")
    institutions = _names(institution, "--institution", INSTITUTIONS)
    if not as_json:
        click.echo(_format_row(COLUMNS))
    rows = [(r, i, n, t) for i in institutions for r in regimes for n in sizes for t in thread_counts]
    for reg, inst, n, thr in rows:
        row = run_row_in_subprocess(n, ticks, reg, telemetry, thr, inst, posts)
        click.echo(json.dumps(asdict(row)) if as_json else _format_row([_cell(getattr(row, c)) for c in COLUMNS]))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _format_row(cells) -> str:
    widths = (8, 10, 7, 28, 6, 8, 10, 6, 11, 18, 12, 8)
    return " ".join(str(c).rjust(w) for c, w in zip(cells, widths))

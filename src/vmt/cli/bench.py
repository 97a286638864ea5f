"""``vmt bench``: seconds per tick, agent-ticks per second, peak memory and
where the time goes, from 1,000 to 10,000,000 agents, for every institution."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import click

from vmt.cli.errors import fail
from vmt.scenario.params import EXCHANGE_REGIMES, INSTITUTIONS

COLUMNS = ("agents", "grid", "regime", "institution", "threads", "telemetry", "ticks", "s_per_tick",
           "agent_ticks_per_s", "peak_rss_mb", "trades")
WIDTHS = (9, 11, 7, 34, 7, 10, 5, 10, 17, 11, 9)
SIZES = "1000,10000,100000,1000000,10000000"


def _names(text: str, option: str, valid) -> list[str]:
    names = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in names if v not in valid]
    if bad or not names:
        fail(f"{option}: unknown value(s) {bad or text!r}; valid: {', '.join(valid)}")
    return names


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        fail(f"{option} takes a comma-separated list of whole numbers, got {text!r}")
    if not values or min(values) < 1:
        fail(f"{option} needs positive whole numbers, got {text!r}")
    return values


def _thread_list(text: str) -> list:
    counts = [v.strip() for v in text.split(",") if v.strip()]
    numbers = _int_list(",".join(c for c in counts if c != "auto") or "1", "--threads")
    return [c if c == "auto" else numbers.pop(0) for c in counts] or fail("--threads: name at least one count")


def _institutions(text: str) -> list[tuple[str, str]]:
    """(institution, mechanism) pairs; ``all`` is every institution and every post mechanism."""
    from vmt.experiments.bench import POST_INSTITUTIONS
    from vmt.markets.posts.mechanisms.base import mechanism_names

    mechanisms = mechanism_names()
    if text.strip() == "all":
        return ([("bilateral", ""), ("price_signals", "")] + [("centralized", m) for m in mechanisms]
                + [("mixed_bilateral_centralized", "walrasian")])
    chosen = []
    for item in (v.strip() for v in text.split(",") if v.strip()):
        name, _, mechanism = item.partition(":")
        if name not in INSTITUTIONS or (mechanism and (name not in POST_INSTITUTIONS or mechanism not in mechanisms)):
            fail(f"--institution: unknown {item!r}; valid: all, {', '.join(INSTITUTIONS)}; a post institution "
                 f"may name its mechanism (e.g. centralized:cda), one of {', '.join(mechanisms)}")
        chosen.append((name, mechanism or ("walrasian" if name in POST_INSTITUTIONS else "")))
    return chosen or fail("--institution: name at least one institution")


@click.command("bench")
@click.option("--agents", default=SIZES, show_default=True, help="Comma-separated agent counts.")
@click.option("--max-agents", default=1_000_000, show_default=True, type=int,
              help="Skip sizes above this (10,000,000 agents need ~8 GB and minutes).")
@click.option("--ticks", default=10, show_default=True, type=int, help="Timed ticks per row (after one warm-up tick).")
@click.option("--regime", default="auto", show_default=True,
              help="Exchange regime(s): barter, money, mixed; auto: barter, mixed for post institutions.")
@click.option("--threads", default="1,2", show_default=True,
              help="Thread counts, comma-separated; auto: the run's own choice.")
@click.option("--telemetry", default="off", show_default=True,
              help="Telemetry level(s): off, standard (snapshots every 10 ticks), every_tick.")
@click.option("--institution", default="bilateral", show_default=True,
              help="Institution(s), comma-separated, a post institution optionally with its mechanism "
                   "(centralized:cda); all: every institution and post mechanism.")
@click.option("--posts", default=0, show_default=True, type=int,
              help="Market posts on a lattice (default: one per 2,000 agents for post institutions).")
@click.option("--repeat", default=1, show_default=True, type=int,
              help="Runs per row, interleaved; the median is reported.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row on stdout.")
@click.option("--save", type=click.Path(), default=None,
              help="Write rows, growth exponents and the machine's description as JSON "
                   "(a directory: a dated file in it, e.g. benchmarks/results).")
def command(agents, max_agents, ticks, regime, threads, telemetry, institution, posts, repeat, as_json, save):
    """Measure speed; each row runs in a fresh process."""
    from vmt.experiments.bench import TELEMETRY_LEVELS, BenchCase

    sizes = [n for n in _int_list(agents, "--agents") if n <= max_agents] or fail(
        f"--max-agents {max_agents} leaves none of --agents {agents}")
    thread_counts = _thread_list(threads)
    levels = _names(telemetry, "--telemetry", tuple(TELEMETRY_LEVELS))
    for value, option in ((ticks, "--ticks"), (repeat, "--repeat"), (posts + 1, "--posts")):
        if value < 1:
            fail(f"{option} must be >= {1 if option != '--posts' else 0}, got {value - (option == '--posts')}")
    regimes = None if regime == "auto" else _names(regime, "--regime", EXCHANGE_REGIMES)
    cases = [BenchCase(n, inst, mech, reg, level, posts)
             for inst, mech in _institutions(institution)
             for reg in (regimes or [_auto_regime(inst)]) for level in levels for n in sizes]
    rows = _measure(cases, ticks, thread_counts, repeat, as_json)
    if save:
        _save(Path(save), rows, repeat)


def _auto_regime(institution: str) -> str:
    from vmt.experiments.bench import POST_INSTITUTIONS

    return "mixed" if institution in POST_INSTITUTIONS else "barter"


def _measure(cases, ticks, thread_counts, repeat, as_json) -> list:
    """Run every case × threads ``repeat`` times, interleaved; print the medians."""
    from vmt.experiments.bench import run_row_in_subprocess
    from vmt.experiments.bench_report import growth_exponents, median_rows

    if not as_json:
        click.echo(_format_row(COLUMNS) + "  phase shares")
    runs = []
    for _ in range(repeat):
        for case in cases:
            for thr in thread_counts:
                try:
                    runs.append(run_row_in_subprocess(case, ticks, thr))
                except RuntimeError as exc:
                    fail(str(exc))
                if repeat == 1:
                    _print(runs[-1], as_json)
    rows = median_rows(runs)
    if repeat > 1:
        for row in rows:
            _print(row, as_json)
    if not as_json:
        for key, slope in growth_exponents(rows).items():
            click.echo(f"cost growth {' '.join(str(k) for k in key if k != '')} threads: N^{slope:.3f}")
    return rows


def _print(row, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(asdict(row)))
        return
    cells = [_cell(getattr(row, c)) for c in COLUMNS]
    cells[3] = f"{row.institution}:{row.mechanism}" if row.mechanism else row.institution
    shares = " ".join(f"{k[:5]} {v:.0%}" for k, v in row.phase_share.items() if v >= 0.01)
    click.echo(_format_row(cells) + "  " + shares)


def _save(target: Path, rows, repeat: int) -> None:
    from vmt.experiments.bench_report import save_results

    if target.is_dir() or not target.suffix:
        target = target / time.strftime("bench-%Y%m%d-%H%M%S.json", time.gmtime())
    path = save_results(target, rows, repeat, " ".join(["vmt", *sys.argv[1:]]))
    click.echo(f"saved: {path}", err=True)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _format_row(cells) -> str:
    return " ".join(str(c).rjust(w) for c, w in zip(cells, WIDTHS))

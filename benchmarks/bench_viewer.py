"""How fast the viewer streams and draws frames at 1,000 and 10,000 agents.

For each population, a two-type barter economy (4 cells per agent) is run
live by the viewer's server on 127.0.0.1 and played as fast as it goes:

* server side, per tick: the simulation step, building the frame, encoding
  it as JSON, and its size;
* streamed: frames per second received by one websocket client over
  ``--seconds`` seconds (time per streamed frame = 1 / rate);
* drawn: frames per second the page itself draws in headless Chromium
  (Debian's /usr/bin/chromium; skipped if absent).

Medians of ``--ticks`` ticks. Wall-clock figures on a shared machine: run it
a few times and compare medians.

    .venv/bin/python benchmarks/bench_viewer.py [--agents 1000,10000] [--seconds 5]
    .venv/bin/python benchmarks/bench_viewer.py --screenshot docs/viewer.png   # the README's picture
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import two_type_economy  # noqa: E402
from viewer_support import CHROMIUM, launch_chromium  # noqa: E402
from vmt.viewer.app import live_app  # noqa: E402
from vmt.viewer.live import LiveRun  # noqa: E402
from vmt.viewer.server import ViewerServer  # noqa: E402
from vmt.viewer.session import LiveSession  # noqa: E402


def economy(n_agents: int) -> dict:
    side = int((4 * n_agents) ** 0.5)
    return two_type_economy(n_agents, "barter", grid=side, ticks=10**6)


def server_side(n_agents: int, ticks: int) -> dict:
    run = LiveRun(economy(n_agents), seed=1)
    step, frame, encode, size = [], [], [], []
    for _ in range(ticks):
        t0 = time.perf_counter()
        run.sim.step()
        t1 = time.perf_counter()
        tick = run.sim.tick - 1
        log = run.sim.trade_log
        built = run._frame(tick, log.last if log.last_tick == tick else None)
        t2 = time.perf_counter()
        text = json.dumps(built)
        t3 = time.perf_counter()
        step.append(t1 - t0), frame.append(t2 - t1), encode.append(t3 - t2), size.append(len(text))
    return {"step_ms": 1e3 * statistics.median(step), "frame_ms": 1e3 * statistics.median(frame),
            "encode_ms": 1e3 * statistics.median(encode), "kB": statistics.median(size) / 1e3}


def streamed(server, seconds: float) -> float:
    from websockets.sync.client import connect

    with connect(server.url.replace("http", "ws") + "ws", max_size=None) as ws:
        ws.send(json.dumps({"type": "speed", "value": 0}))
        ws.send(json.dumps({"type": "play"}))
        frames, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            frames += json.loads(ws.recv(timeout=60))["type"] == "frame"
        ws.send(json.dumps({"type": "pause"}))
        return frames / (time.perf_counter() - start)


def drawn(server, seconds: float) -> tuple[float, float] | None:
    """(frames per second the page draws, median milliseconds the page spends drawing one)."""
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(server.url)
        page.wait_for_function("() => window.vmt && window.vmt.frame !== null")
        page.select_option("#colour", "utility")
        page.click("#play")
        first = page.evaluate("() => window.vmt.framesShown")
        start, costs = time.perf_counter(), []
        while time.perf_counter() - start < seconds:
            page.wait_for_timeout(250)
            costs.append(page.evaluate("() => window.vmt.drawMs"))
        rate = (page.evaluate("() => window.vmt.framesShown") - first) / (time.perf_counter() - start)
        page.click("#play")
        browser.close()
    return rate, statistics.median(costs)


def screenshot(path: str, ticks: int = 40) -> None:
    """The page of a live run of the shipped two-type exchange under price signals, after ``ticks`` ticks."""
    from playwright.sync_api import sync_playwright

    session = LiveSession(LiveRun("two_type_exchange", seed=11, overrides=["params.institution=price_signals"]))
    with ViewerServer(live_app(session)) as server, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1180, "height": 760})
        page.goto(server.url)
        page.wait_for_function("() => window.vmt && window.vmt.frame !== null")
        for k in range(ticks):
            page.click("#step")
            page.wait_for_function(f"() => window.vmt.frame.tick === {k}")
        agent = page.evaluate("() => window.vmt.frame.agents.id[12]")
        page.click("#map", position=page.evaluate(f"() => window.vmt.agentScreenPosition({agent})"))
        page.wait_for_selector("#agent-panel:not([hidden])")
        page.screenshot(path=path)
        browser.close()
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", default="1000,10000")
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--screenshot", metavar="PNG", help="only save a screenshot of a live run to PNG")
    args = parser.parse_args()
    if args.screenshot:
        return screenshot(args.screenshot)
    print("| agents | step ms | frame ms | JSON ms | frame kB | streamed frames/s | ms per streamed frame "
          "| drawn frames/s (Chromium) | page ms per frame |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(a) for a in args.agents.split(",")):
        side = server_side(n, args.ticks)
        session = LiveSession(LiveRun(economy(n), seed=1))
        session.speed = 0.0
        with ViewerServer(live_app(session)) as server:
            rate = streamed(server, args.seconds)
            page_rate = drawn(server, args.seconds)
        page_text = f"{page_rate[0]:.1f} | {page_rate[1]:.0f}" if page_rate else "n/a (no chromium) | n/a"
        print(f"| {n:,} | {side['step_ms']:.1f} | {side['frame_ms']:.1f} | {side['encode_ms']:.1f} | "
              f"{side['kB']:.0f} | {rate:.1f} | {1e3 / rate:.0f} | {page_text} |", flush=True)


if __name__ == "__main__":
    main()

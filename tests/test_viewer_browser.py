"""The viewer page end to end in headless Chromium (Playwright, Debian's /usr/bin/chromium).

One live server, one replay server and one browser for the module; the
economy is tiny. What the page shows is compared with the simulation and
with the telemetry the run recorded.
"""

from __future__ import annotations

import pytest

from viewer_support import launch_chromium, require_chromium, tiny_economy
from vmt.simulation import Simulation
from vmt.telemetry import read_table
from vmt.viewer.app import live_app, replay_app
from vmt.viewer.live import LiveRun
from vmt.viewer.server import ViewerServer
from vmt.viewer.session import LiveSession

SEED = 4
GROUP_COLOURS = [(0x1F, 0x77, 0xB4), (0xD6, 0x27, 0x28)]  # the page's first two group colours


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live(browser):
    session = LiveSession(LiveRun(tiny_economy(), seed=SEED))
    with ViewerServer(live_app(session)) as server:
        yield server, session


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay") / "run.db"
    Simulation(tiny_economy(), seed=SEED, telemetry=path).run(15)
    return path


@pytest.fixture(scope="module")
def replay(browser, recorded):
    with ViewerServer(replay_app(recorded)) as server:
        yield server


def open_page(browser, server):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(server.url)
    page.wait_for_function("() => window.vmt && window.vmt.frame !== null")
    return page, problems


def pixel(page, x: float, y: float) -> tuple[int, int, int]:
    return tuple(page.evaluate(
        "([x, y]) => Array.from(document.getElementById('map').getContext('2d')"
        ".getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3))", [x, y]))


def test_live_page_loads_cleanly_and_draws_the_agents(browser, live):
    server, _ = live
    page, problems = open_page(browser, server)
    frame = page.evaluate("window.vmt.frame")
    assert len(frame["agents"]["id"]) == 24 and page.text_content("#tick") in ("start",) + tuple(map(str, range(99)))
    drawn = 0
    for agent_id, group in zip(frame["agents"]["id"], frame["agents"]["g"]):
        spot = page.evaluate(f"window.vmt.agentScreenPosition({agent_id})")
        drawn += pixel(page, spot["x"], spot["y"]) == GROUP_COLOURS[group]
    assert drawn >= 20  # an agent drawn later may cover a few others' centres
    background = pixel(page, 1, 1)
    assert background not in GROUP_COLOURS
    assert problems == []
    page.close()


def test_play_advances_the_tick_counter_and_pause_stops_it(browser, live):
    server, _ = live
    page, problems = open_page(browser, server)
    start = page.evaluate("window.vmt.frame.tick")
    page.click("#play")
    page.wait_for_function(f"() => window.vmt.frame.tick >= {start + 3}")
    page.click("#play")  # pause
    page.wait_for_function("() => !window.vmt.playing")
    shown = page.text_content("#tick")
    assert int(shown) >= start + 3
    page.wait_for_timeout(300)
    assert page.evaluate("window.vmt.frame.tick") == int(page.text_content("#tick"))
    assert problems == []
    page.close()


def test_clicking_an_agent_shows_its_holdings(browser, live):
    server, session = live
    page, _ = open_page(browser, server)
    page.click("#step")
    page.wait_for_function("() => window.vmt.frame.tick >= 0")
    agent_id = page.evaluate("window.vmt.frame.agents.id[7]")
    spot = page.evaluate(f"window.vmt.agentScreenPosition({agent_id})")
    page.click("#map", position=spot)
    page.wait_for_selector("#agent-panel:not([hidden]) tr[data-holding='A']")
    tick = page.evaluate("window.vmt.frame.tick")
    state = session.run.sim.agents_df().set_index("agent_id")
    assert session.run.current["tick"] == tick
    clicked = int(page.text_content("#agent-id").split()[0])
    for good in "ABM":
        shown = float(page.get_attribute(f"tr[data-holding='{good}']", "data-value"))
        assert shown == pytest.approx(state.loc[clicked, good], abs=1e-12)
    page.close()


def test_changing_a_parameter_and_restarting_changes_the_run(browser, live):
    server, session = live
    page, problems = open_page(browser, server)
    page.click("#params-form summary")
    page.fill("#param-vision_radius", "1")
    page.fill("#param-move_budget_per_tick", "3")
    page.click("#restart")
    page.wait_for_function("() => window.vmt.frame.tick === -1")
    for k in range(4):
        page.click("#step")
        page.wait_for_function(f"() => window.vmt.frame.tick === {k}")
    shown = page.evaluate("[window.vmt.frame.agents.x, window.vmt.frame.agents.y]")
    params = session.run.sim.scenario.params
    assert (params.vision_radius, params.move_budget_per_tick) == (1, 3)
    default, changed = LiveRun(tiny_economy(), seed=SEED), LiveRun(tiny_economy(), seed=SEED,
                                                                   overrides=["params.vision_radius=1",
                                                                              "params.move_budget_per_tick=3"])
    for _ in range(4):
        before, after = default.step(), changed.step()
    assert shown == [after["agents"]["x"], after["agents"]["y"]]
    assert shown != [before["agents"]["x"], before["agents"]["y"]]
    assert problems == []
    page.close()


def test_scrubbing_a_replay_shows_the_positions_recorded_at_that_tick(browser, replay, recorded):
    page, problems = open_page(browser, replay)
    assert "positions recorded every 1 tick" in page.text_content("#mode-note")
    for tick in (9, 2, 14):
        page.locator("#scrub").fill(str(tick))
        page.wait_for_function(f"() => window.vmt.frame.tick === {tick}")
        snap = read_table(recorded, "agent_snapshots", ticks=tick)
        cell = page.evaluate("window.vmt.cell")
        for row in snap.itertuples():
            spot = page.evaluate(f"window.vmt.agentScreenPosition({row.agent_id})")
            assert (int(spot["x"] // cell), int(spot["y"] // cell)) == (row.x, row.y)
        assert page.text_content("#tick") == str(tick)
    assert problems == []
    page.close()


def test_clicking_an_agent_in_a_replay_shows_the_recorded_holdings(browser, replay, recorded):
    page, problems = open_page(browser, replay)
    page.locator("#scrub").fill("11")
    page.wait_for_function("() => window.vmt.frame.tick === 11")
    agent_id = page.evaluate("window.vmt.frame.agents.id[5]")
    page.click("#map", position=page.evaluate(f"window.vmt.agentScreenPosition({agent_id})"))
    page.wait_for_selector("#agent-panel:not([hidden]) tr[data-holding='A']")
    clicked = int(page.text_content("#agent-id").split()[0])
    row = read_table(recorded, "agent_snapshots", ticks=11).set_index("agent_id").loc[clicked]
    for good in "ABM":
        assert float(page.get_attribute(f"tr[data-holding='{good}']", "data-value")) == row[good]
    assert problems == []
    page.close()


def test_replay_plays_forward_and_backward(browser, replay):
    page, problems = open_page(browser, replay)
    page.locator("#scrub").fill("6")
    page.wait_for_function("() => window.vmt.frame.tick === 6")
    page.click("#play")
    page.wait_for_function("() => window.vmt.frame.tick >= 9")
    page.click("#play")
    page.select_option("#direction", "-1")
    page.click("#play")
    page.wait_for_function("() => window.vmt.frame.tick <= 3")
    page.click("#play")
    assert problems == []
    page.close()


def test_above_the_draw_limit_the_page_draws_a_sample_and_says_so(browser):
    session = LiveSession(LiveRun(tiny_economy(), seed=SEED, draw_limit=10))
    with ViewerServer(live_app(session)) as server:
        page, problems = open_page(browser, server)
        note = page.text_content("#draw-note")
        drawn = page.evaluate("() => window.vmt.drawn.map(d => d[0])")
        assert "drawing 1 agent in 3 (8 of 24)" in note and "above 10 agents" in note
        assert drawn == list(range(0, 24, 3)) and problems == []
        page.close()

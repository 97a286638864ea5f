"""The viewer's server under misuse: paths outside its assets, bad websocket
messages, many clients at once, files that cannot be replayed."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from viewer_support import tiny_economy
from vmt.cli import main
from vmt.simulation import Simulation
from vmt.viewer.app import MAX_CLIENTS, live_app, replay_app
from vmt.viewer.live import LiveRun
from vmt.viewer.protocol import BURST, MAX_MESSAGE_BYTES
from vmt.viewer.server import WS_MAX_BYTES, ViewerServer
from vmt.viewer.session import LiveSession


@pytest.fixture(scope="module")
def server():
    with ViewerServer(live_app(LiveSession(LiveRun(tiny_economy(), seed=1)))) as running:
        yield running


def ws_url(server) -> str:
    return server.url.replace("http", "ws") + "ws"


def raw_get(server, target: str) -> tuple[int, bytes]:
    """GET ``target`` exactly as written (no client-side normalisation of ``..``)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def assert_serving(server) -> None:
    with urllib.request.urlopen(server.url + "health", timeout=10) as response:
        assert json.load(response)["status"] == "ok"
    with connect(ws_url(server), open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"


def test_assets_are_served_with_a_content_security_policy(server):
    status, data = raw_get(server, "/static/viewer.js")
    assert status == 200 and b"new WebSocket" in data and b"content-security-policy: default-src 'self'" in data
    status, data = raw_get(server, "/")
    assert status == 200 and b'<canvas id="map"' in data


@pytest.mark.parametrize("target", [
    "/static/../app.py", "/static/../../vmt/__init__.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fpyproject.toml", "/static//etc/passwd", "/static/", "/../app.py",
    "/static/....//app.py",
])
def test_paths_outside_the_asset_folder_are_refused(server, target):
    status, data = raw_get(server, target)
    assert status in (400, 404) and b"import" not in data and b"root:" not in data
    assert_serving(server)


def test_malformed_messages_get_an_error_and_the_connection_lives(server):
    with connect(ws_url(server)) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        for bad in ("{not json", "[]", '{"type": "format_disk"}', b"\x00\x01", '{"type": "agent", "id": "x"}',
                    '{"type": "speed", "value": -1}', '{"type": "restart", "params": {"grid": 9}}'):
            ws.send(bad)
            assert next_of_type(ws, "error")["message"]
        ws.send(json.dumps({"type": "agent", "id": 2}))
        assert next_of_type(ws, "agent")["id"] == 2


def next_of_type(ws, kind: str) -> dict:
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message["type"] == kind:
            return message


@pytest.mark.parametrize("size, code", [(MAX_MESSAGE_BYTES + 10, 1009), (WS_MAX_BYTES * 4, 1009)])
def test_oversized_messages_close_only_that_connection(server, size, code):
    with connect(ws_url(server), max_size=None) as ws:
        ws.recv(timeout=10)
        ws.send(json.dumps({"type": "step", "pad": "x" * size}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=10)
        assert closed.value.rcvd.code == code
    assert_serving(server)


def test_a_flooding_client_is_disconnected(server):
    with connect(ws_url(server)) as ws:
        ws.recv(timeout=10)
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(BURST * 20):
                ws.send('{"type": "pause"}')
            while True:
                ws.recv(timeout=10)
        assert closed.value.rcvd.code == 1008
    assert_serving(server)


def test_a_page_from_another_origin_is_refused(server):
    with pytest.raises(Exception):
        with connect(ws_url(server), origin="http://evil.example") as ws:
            ws.recv(timeout=10)
    assert_serving(server)


def test_many_clients_at_once_are_served_and_the_server_carries_on(server):
    clients, answers, errors = MAX_CLIENTS // 2, [], []

    def client(k: int) -> None:
        try:
            with connect(ws_url(server), open_timeout=30) as ws:
                assert json.loads(ws.recv(timeout=30))["type"] == "hello"
                ws.send(json.dumps({"type": "agent", "id": k % 24}))
                answers.append(next_of_type(ws, "agent")["id"])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and sorted(answers) == sorted(k % 24 for k in range(clients))
    assert_serving(server)


@pytest.fixture(scope="module")
def broken_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken")
    good = folder / "good.db"
    Simulation(tiny_economy(), seed=1, telemetry=good).run(3)
    truncated = folder / "truncated.db"
    truncated.write_bytes(good.read_bytes()[:3000])
    foreign = folder / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    garbage = folder / "garbage.db"
    garbage.write_bytes(b"<script>alert(1)</script>" * 100)
    return {"truncated": truncated, "foreign": foreign, "garbage": garbage}


@pytest.mark.parametrize("kind, why", [("truncated", "is truncated"), ("foreign", "not a VMT telemetry file"),
                                       ("garbage", "not a VMT telemetry file")])
def test_a_file_that_cannot_be_replayed_gives_an_error_page(broken_files, kind, why):
    path = broken_files[kind]
    with ViewerServer(replay_app(path)) as running:
        with pytest.raises(urllib.error.HTTPError) as page:
            urllib.request.urlopen(running.url, timeout=10)
        text = page.value.read().decode()
    assert page.value.code == 422 and f"Cannot replay {path.name}" in text and "<script>" not in text
    assert why in text
    result = CliRunner().invoke(main, ["replay", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output and path.name in result.output


@pytest.mark.parametrize("args, words", [
    (["serve", "no_such_scenario.yaml"], "no_such_scenario"),
    (["serve", "edgeworth_box", "--set", "params.vision_radius=-1"], "vision_radius"),
    (["replay", "missing.db"], "no such telemetry file"),
])
def test_bad_viewer_commands_exit_2_with_a_message(args, words):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output


def test_a_port_in_use_is_a_clear_error(server):
    result = CliRunner().invoke(main, ["serve", "edgeworth_box", "--port", str(server.port)])
    assert result.exit_code == 2 and "port" in result.output and "Traceback" not in result.output
    assert_serving(server)

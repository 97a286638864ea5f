"""The viewer's web application (Starlette): the page, its assets and the websocket.

Routes: ``/`` the page, ``/static/...`` its assets (only files inside the
package's ``static`` folder; anything else is 404), ``/health`` a probe,
``/ws`` the websocket. :func:`live_app` serves a :class:`LiveSession`,
:func:`replay_app` a recorded run, :func:`error_app` a page that explains why
there is nothing to show. Every response carries a content security policy
that allows only the server's own scripts, styles and websocket, and the
websocket refuses pages from another origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from vmt.viewer.live import ViewerInputError
from vmt.viewer.protocol import CLOSE_POLICY, Malformed, MessageGuard, Refused, error

STATIC = Path(__file__).with_name("static")
#: Pages connected at once; more are refused (close code 1013, try again later).
MAX_CLIENTS = 64
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; frame-ancestors 'none'")


class SecurityHeaders:
    """ASGI middleware adding the content security policy and no-sniff headers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer")]
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


async def _index(request):
    return FileResponse(STATIC / "index.html")


async def _health(request):
    return JSONResponse({"status": "ok", "clients": len(request.app.state.clients)})


def _same_origin(ws: WebSocket) -> bool:
    """A browser's websocket must come from a page this server served."""
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


async def _admit(ws: WebSocket) -> bool:
    clients = ws.app.state.clients
    if len(clients) >= MAX_CLIENTS or not _same_origin(ws):
        await ws.close(code=1013 if len(clients) >= MAX_CLIENTS else CLOSE_POLICY)
        return False
    await ws.accept()
    clients.add(ws)
    return True


async def _requests(ws: WebSocket, handle) -> None:
    """Read, check and answer messages until the page leaves or is refused."""
    guard = MessageGuard()
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        try:
            request = guard.parse(message)
            await handle(request)
        except Malformed as exc:
            await ws.send_text(error(str(exc)))
        except (ViewerInputError, ValueError) as exc:
            await ws.send_text(error(str(exc)))
        except Refused as exc:
            await ws.send_text(error(exc.reason))
            await ws.close(code=exc.code, reason=exc.reason[:120])
            return


def _app(routes: list, lifespan=None, index=_index) -> Starlette:
    routes = [Route("/", index), Route("/health", _health),
              Mount("/static", app=StaticFiles(directory=STATIC), name="static"), *routes]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.clients = set()
    app.add_middleware(SecurityHeaders)
    return app


# -- live -------------------------------------------------------------------
def live_app(session) -> Starlette:
    """The page for a :class:`~vmt.viewer.session.LiveSession` (``vmt serve``)."""

    @contextlib.asynccontextmanager
    async def lifespan(app):
        session.start()
        yield
        await session.stop()

    async def socket(ws: WebSocket):
        if not await _admit(ws):
            return
        box = session.subscribe()
        pump = asyncio.create_task(_pump(ws, box))
        try:
            await box.put(await session.hello())
            await box.put(session.state())
            await _requests(ws, lambda request: _live_request(session, box, request))
        finally:
            session.unsubscribe(box)
            pump.cancel()
            ws.app.state.clients.discard(ws)

    return _app([WebSocketRoute("/ws", socket)], lifespan)


async def _pump(ws: WebSocket, box: asyncio.Queue) -> None:
    with contextlib.suppress(Exception):
        while True:
            await ws.send_text(await box.get())


async def _live_request(session, box: asyncio.Queue, request: dict) -> None:
    kind = request["type"]
    if kind in ("play", "pause"):
        session.set_playing(kind == "play")
    elif kind == "step":
        session.set_playing(False)
        await session.step()
    elif kind == "speed":
        session.set_speed(request.get("value"))
    elif kind == "restart":
        await session.restart(request.get("params") or {}, request.get("seed"))
    elif kind == "agent":
        await box.put(await session.agent(request.get("id")))
    else:
        raise ViewerInputError(f"{kind!r} is for replays; this is a live run")


# -- replay -----------------------------------------------------------------
def replay_app(source, run_id: int | None = None) -> Starlette:
    """The page replaying run ``run_id`` of telemetry file ``source`` (or an open
    :class:`~vmt.viewer.replay.ReplayRun`) for ``vmt replay``; when the file
    cannot be replayed, :func:`error_app` with the reason."""
    from vmt.telemetry import TelemetryError
    from vmt.viewer.replay import ReplayRun

    try:
        replay = source if isinstance(source, ReplayRun) else ReplayRun(source, run_id)
        hello = json.dumps(replay.hello())
    except TelemetryError as exc:
        return error_app(f"Cannot replay {Path(str(source)).name}", str(exc))

    async def socket(ws: WebSocket):
        if not await _admit(ws):
            return
        try:
            await ws.send_text(hello)
            await _requests(ws, lambda request: _replay_request(ws, replay, request))
        finally:
            ws.app.state.clients.discard(ws)

    return _app([WebSocketRoute("/ws", socket)])


async def _replay_request(ws: WebSocket, replay, request: dict) -> None:
    from vmt.telemetry import TelemetryError

    kind = request["type"]
    try:
        if kind == "seek":
            frame = await asyncio.to_thread(replay.frame, replay.snapshot_at(request.get("tick")))
            await ws.send_text(json.dumps(frame))
        elif kind == "agent":
            panel = await asyncio.to_thread(replay.agent, request.get("id"), request.get("tick"))
            await ws.send_text(json.dumps(panel))
        else:
            raise ViewerInputError(f"{kind!r} is for live runs; a replay is driven by seek")
    except TelemetryError as exc:  # the file changed under the server
        await ws.send_text(error(f"the telemetry file can no longer be read: {exc}"))


# -- errors -----------------------------------------------------------------
def error_page(title: str, message: str) -> str:
    """A plain page stating what went wrong (escaped: the message may quote file contents)."""
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>VMT viewer: error</title>"
            "<link rel='stylesheet' href='/static/viewer.css'></head><body class='error-page'>"
            f"<h1>{html.escape(title)}</h1><p class='error-message'>{html.escape(message)}</p>"
            "<p>Record a run with <code>vmt run SCENARIO --out run.db</code> and replay that file.</p>"
            "</body></html>")


def error_app(title: str, message: str) -> Starlette:
    """Every page path answers 422 with :func:`error_page`; the websocket is closed."""
    page = error_page(title, message)

    async def show(request):
        return HTMLResponse(page, status_code=422)

    async def socket(ws: WebSocket):
        await ws.accept()
        await ws.send_text(error(message))
        await ws.close(code=1011)

    return _app([WebSocketRoute("/ws", socket)], index=show)

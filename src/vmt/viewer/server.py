"""Run a viewer application with uvicorn, in this thread or in the background.

:class:`ViewerServer` starts uvicorn on ``host:port`` (port 0 picks a free
one) in a background thread and knows its URL once it listens; the
command line, the tests and the benchmark all start the viewer this way.
Websocket messages larger than :data:`WS_MAX_BYTES` are refused by the
protocol layer before the application sees them.
"""

from __future__ import annotations

import threading
import time

WS_MAX_BYTES = 64 * 1024
#: Open connections uvicorn accepts at once (HTTP and websocket together).
MAX_CONNECTIONS = 256


class ViewerServerError(RuntimeError):
    """The server could not start (port taken, address not available)."""


class ViewerServer:
    """A uvicorn server for ``app`` running in a daemon thread."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        import uvicorn

        config = uvicorn.Config(app, host=host, port=port, log_level="warning", ws_max_size=WS_MAX_BYTES,
                                limit_concurrency=MAX_CONNECTIONS, ws_ping_interval=20.0, lifespan="on")
        self.server = uvicorn.Server(config)
        self.host = host
        self.thread = threading.Thread(target=self._serve, name="vmt-viewer", daemon=True)

    def _serve(self) -> None:
        try:
            self.server.run()
        except SystemExit:  # uvicorn exits when it cannot listen; start() reports it
            pass

    def start(self, timeout: float = 20.0) -> "ViewerServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ViewerServerError(f"the viewer could not listen on {self.host}:{self.server.config.port} "
                                        "(is the port already in use?)")
            time.sleep(0.02)
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> "ViewerServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

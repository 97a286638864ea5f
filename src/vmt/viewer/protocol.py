"""What the page may send over the websocket, and how abuse is refused.

Every message from the page is a small JSON object with a ``type`` from
:data:`MESSAGE_TYPES`. The server never trusts it: a message that is not
text, not JSON, not an object, or of an unknown type gets an ``error``
reply and is otherwise ignored; one larger than :data:`MAX_MESSAGE_BYTES`
closes the connection with code 1009 (message too big); more than
:data:`BURST` messages at once, refilled at :data:`RATE` per second (a token
bucket), or more than :data:`MAX_BAD_MESSAGES` malformed ones, close it with
1008 (policy violation). Only that client is disconnected; the server and
the other clients carry on.
"""

from __future__ import annotations

import json
import time

MAX_MESSAGE_BYTES = 4096
RATE = 30.0
BURST = 60
MAX_BAD_MESSAGES = 20
MESSAGE_TYPES = ("play", "pause", "step", "speed", "restart", "agent", "seek")
CLOSE_TOO_BIG, CLOSE_POLICY = 1009, 1008


class Refused(Exception):
    """Close the connection with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code, self.reason = code, reason


class Malformed(ValueError):
    """A message to answer with an error and otherwise ignore."""


class MessageGuard:
    """Per-connection checks: size, rate (token bucket) and shape of each message."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.tokens = float(BURST)
        self.last = clock()
        self.bad = 0

    def parse(self, message: dict) -> dict:
        """The ASGI ``websocket.receive`` message as a checked dict, or raise."""
        self._spend()
        text = message.get("text")
        if text is None:
            size = len(message.get("bytes") or b"")
            self._check_size(size)
            return self._malformed("binary messages are not accepted; send JSON text")
        self._check_size(len(text.encode("utf-8", "surrogatepass")))
        try:
            request = json.loads(text)
        except ValueError:
            return self._malformed("message is not valid JSON")
        if not isinstance(request, dict) or request.get("type") not in MESSAGE_TYPES:
            return self._malformed(f"message must be a JSON object whose type is one of {', '.join(MESSAGE_TYPES)}")
        return request

    def _spend(self) -> None:
        now = self.clock()
        self.tokens = min(float(BURST), self.tokens + (now - self.last) * RATE)
        self.last = now
        if self.tokens < 1.0:
            raise Refused(CLOSE_POLICY, f"too many messages (more than {BURST} at once or {RATE:g} per second)")
        self.tokens -= 1.0

    @staticmethod
    def _check_size(size: int) -> None:
        if size > MAX_MESSAGE_BYTES:
            raise Refused(CLOSE_TOO_BIG, f"message of {size} bytes; the limit is {MAX_MESSAGE_BYTES}")

    def _malformed(self, why: str) -> dict:
        self.bad += 1
        if self.bad > MAX_BAD_MESSAGES:
            raise Refused(CLOSE_POLICY, f"more than {MAX_BAD_MESSAGES} malformed messages")
        raise Malformed(why)


def error(message: str) -> str:
    """An ``error`` reply for the page."""
    return json.dumps({"type": "error", "message": message[:2000]})

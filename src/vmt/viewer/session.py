"""The live session shared by every page connected to ``vmt serve``.

One :class:`~vmt.viewer.live.LiveRun` is stepped by one background task
while *playing*, at ``speed`` ticks per second (0: as fast as it goes); each
tick's frame is encoded once and offered to every connected page. A page
that cannot keep up misses frames rather than slowing the run or the other
pages (each has a bounded mailbox). Stepping happens in a worker thread so
the server keeps answering while a tick is computed; a lock keeps requests
(an agent's panel, a restart) from reading the state in the middle of a tick.
"""

from __future__ import annotations

import asyncio
import json

from vmt.viewer.live import LiveRun

#: Messages waiting for one page; further frames are dropped for that page.
MAILBOX = 8
DEFAULT_SPEED = 10.0
MAX_SPEED = 1000.0


class LiveSession:
    def __init__(self, run: LiveRun):
        self.run = run
        self.lock = asyncio.Lock()
        self.mailboxes: set[asyncio.Queue] = set()
        self.playing = asyncio.Event()
        self.speed = DEFAULT_SPEED
        self.task: asyncio.Task | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self.playing.wait()
            began = loop.time()
            await self.step()
            if self.run.current["tick"] + 1 == self.run.sim.scenario.params.ticks:
                self.set_playing(False)  # the scenario's length reached: play again to go on
            pause = (1.0 / self.speed - (loop.time() - began)) if self.speed > 0 else 0.0
            await asyncio.sleep(max(pause, 0.0))

    # -- actions -----------------------------------------------------------
    async def step(self) -> None:
        async with self.lock:
            text = await asyncio.to_thread(lambda: json.dumps(self.run.step()))
        self.publish(text)

    def set_playing(self, playing: bool) -> None:
        (self.playing.set if playing else self.playing.clear)()
        self.publish(self.state(), essential=True)

    def set_speed(self, value) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SPEED:
            raise ValueError(f"speed must be a number of ticks per second from 0 to {MAX_SPEED:g}")
        self.speed = float(value)
        self.publish(self.state(), essential=True)

    async def restart(self, values: dict, seed) -> None:
        self.set_playing(False)
        async with self.lock:
            await asyncio.to_thread(self.run.restart, values, seed)
            hello = await asyncio.to_thread(lambda: json.dumps(self.run.hello()))
        self.publish(hello, essential=True)
        self.publish(self.state(), essential=True)

    async def agent(self, agent_id) -> str:
        async with self.lock:
            return json.dumps(await asyncio.to_thread(self.run.agent, agent_id))

    async def hello(self) -> str:
        async with self.lock:
            return await asyncio.to_thread(lambda: json.dumps(self.run.hello()))

    def state(self) -> str:
        return json.dumps({"type": "state", "playing": self.playing.is_set(), "speed": self.speed})

    # -- pages -------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue:
        box: asyncio.Queue = asyncio.Queue(maxsize=MAILBOX)
        self.mailboxes.add(box)
        return box

    def unsubscribe(self, box: asyncio.Queue) -> None:
        self.mailboxes.discard(box)

    def publish(self, text: str, essential: bool = False) -> None:
        """Offer ``text`` to every page; a full mailbox drops it, unless it is
        ``essential`` (a new run, a state change): then its oldest message goes."""
        for box in list(self.mailboxes):
            if box.full() and essential:
                box.get_nowait()
            if not box.full():
                box.put_nowait(text)

"""The ASGI lifespan protocol: startup before the port is bound, shutdown after requests finish."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .scope import ASGIApp

logger = logging.getLogger("socketify_asgi")


class Lifespan:
    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        self.failed = False
        self.task: asyncio.Task[None] | None = None

    async def startup(self) -> bool:
        self.task = asyncio.get_running_loop().create_task(self._main())
        await self.events.put({"type": "lifespan.startup"})
        await self.started.wait()
        return not self.failed

    async def shutdown(self) -> None:
        if self.failed:
            return
        await self.events.put({"type": "lifespan.shutdown"})
        await self.stopped.wait()

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        try:
            await self.app(scope, self.events.get, self._send)
        except BaseException:
            self.failed = True
            logger.exception("Exception in 'lifespan' protocol")
        finally:
            self.started.set()
            self.stopped.set()

    async def _send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind.endswith(".failed"):
            self.failed = True
            logger.error("%s: %s", kind, message.get("message", ""))
        (self.started if kind.startswith("lifespan.startup") else self.stopped).set()

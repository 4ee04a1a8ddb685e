"""The catalog's services as a search reads its words against them (id, slug, name). A web process
keeps them while it listens for `catalog_changed` (migration 0020: every change to the services
notifies it at its commit), and reads them afresh for every search while it does not: before its first
search has started listening, and from the listening connection's loss until it is back."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
from asyncpg import Record

from app.catalog.tables import Service
from app.core.db import fetch

CHANNEL = "catalog_changed"
LISTENER_APPLICATION = "instainstru catalog listener"
RETRY_SECONDS = 1.0
_READ = "SELECT id, slug, name FROM services ORDER BY id"

logger = logging.getLogger(__name__)


async def read_service_names() -> list[Record]:
    return await fetch(Service, _READ)


class ServiceNames:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._rows: list[Record] | None = None
        self._changes = 0  # notifications seen: a read that one came in during is not kept
        self._listener: asyncpg.Connection | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def listening(self) -> bool:
        return self._listener is not None

    async def read(self) -> list[Record]:
        if self._rows is not None:
            return self._rows
        if self._listener is None and self._connecting is None and not self._closed:
            self._connecting = asyncio.create_task(self._listen())
        changes = self._changes
        rows = await read_service_names()
        if self._listener is not None and changes == self._changes:
            self._rows = rows
        return rows

    async def _listen(self) -> None:
        try:
            while not self._closed:
                connection = None
                try:
                    connection = await asyncpg.connect(
                        self._database_url, server_settings={"application_name": LISTENER_APPLICATION}
                    )
                    await connection.add_listener(CHANNEL, self._changed)
                    connection.add_termination_listener(self._lost)
                    break
                except (OSError, asyncpg.PostgresError) as exc:
                    if connection is not None:  # connected, but LISTEN failed
                        connection.terminate()
                    logger.warning("Catalog listener: %s; the search reads the catalog each time meanwhile", exc)
                    await asyncio.sleep(RETRY_SECONDS)
            else:
                return
            self._changed()  # whatever a read before LISTEN saw is not kept
            self._listener = connection
        finally:
            self._connecting = None

    def _changed(self, *_: object) -> None:
        self._changes += 1
        self._rows = None

    def _lost(self, *_: object) -> None:
        self._listener = None
        self._changed()

    async def close(self) -> None:
        self._closed = True
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.close()

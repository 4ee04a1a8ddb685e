"""Who is on a channel now: one Redis hash per channel, entries refreshed while their socket lives.

An entry whose process died stops being refreshed and is pruned by any process still serving
that channel, which then publishes the shorter list.

Changes are coalesced per channel: the first change arms a short timer, and when it fires the
then-current list goes out once, whatever the number of joins and leaves meanwhile. A client
spamming subscribe/unsubscribe costs the other editors one event per window, not one per frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from redis.asyncio import Redis
from redis.exceptions import RedisError


class Presence:
    def __init__(
        self,
        redis: Redis,
        prefix: str,
        publish_live: Callable[[str, str, Any], Awaitable[None]],
        expire_seconds: float = 30,
        coalesce_seconds: float = 0.2,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.publish_live = publish_live
        self.expire_seconds = expire_seconds
        # Refreshed three times per expiry, so one missed beat never drops a live editor.
        self.refresh_seconds = expire_seconds / 3
        self.coalesce_seconds = coalesce_seconds
        # Channels whose list changed and will be announced when their window ends.
        self._due: set[str] = set()
        # Strong references: an unreferenced task can be garbage-collected mid-flight.
        self._tasks: set[asyncio.Task[None]] = set()

    def _key(self, channel: str) -> str:
        return f"{self.prefix}presence:{channel}"

    async def enter(self, channel: str, conn_id: str, user_id: int, full_name: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._write(channel, conn_id, user_id, full_name)
            self.announce_soon(channel)

    async def leave(self, channel: str, conn_id: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.redis.hdel(self._key(channel), conn_id)
            self.announce_soon(channel)

    def announce_soon(self, channel: str) -> None:
        if channel in self._due:
            return
        self._due.add(channel)
        task = asyncio.ensure_future(self._announce_after_window(channel))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _announce_after_window(self, channel: str) -> None:
        try:
            await asyncio.sleep(self.coalesce_seconds)
        finally:
            # Released before reading: a change from here on arms the next window, so the last list goes out.
            self._due.discard(channel)
        with contextlib.suppress(RedisError, OSError):
            await self.announce(channel)

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def _write(self, channel: str, conn_id: str, user_id: int, full_name: str) -> None:
        until = time.time() + self.expire_seconds
        entry = msgspec.json.encode({"user_id": user_id, "full_name": full_name, "until": until})
        key = self._key(channel)
        await self.redis.pipeline().hset(key, conn_id, entry).expire(key, int(self.expire_seconds * 4) + 1).execute()

    async def editors(self, channel: str) -> tuple[list[dict[str, Any]], list[bytes]]:
        """The distinct live editors, and the entries that expired."""
        now = time.time()
        by_user: dict[int, dict[str, Any]] = {}
        expired = []
        for conn_id, raw in (await self.redis.hgetall(self._key(channel))).items():
            entry = msgspec.json.decode(raw)
            if entry["until"] < now:
                expired.append(conn_id)
            else:
                by_user[entry["user_id"]] = {"user_id": entry["user_id"], "full_name": entry["full_name"]}
        return sorted(by_user.values(), key=lambda e: (e["full_name"], e["user_id"])), expired

    async def announce(self, channel: str) -> None:
        editors, _ = await self.editors(channel)
        await self.publish_live(channel, "presence", {"editors": editors})

    async def keep_alive(self, members: Callable[[], list[tuple[str, str, int, str]]]) -> None:
        while True:
            await asyncio.sleep(self.refresh_seconds)
            try:
                channels = set()
                for channel, conn_id, user_id, full_name in members():
                    await self._write(channel, conn_id, user_id, full_name)
                    channels.add(channel)
                for channel in channels:
                    _, expired = await self.editors(channel)
                    if expired:
                        await self.redis.hdel(self._key(channel), *expired)
                        self.announce_soon(channel)
            except (RedisError, OSError):
                continue

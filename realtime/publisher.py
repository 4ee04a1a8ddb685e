"""The one publish path: kept events through the channel's stream, live ones straight to pub/sub.

Kept events wait in an in-process outbox while Redis is away and go out in order once it is
back, so a save committed during an outage is still announced. A single drainer at a time keeps
the order and never sends an event twice.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from realtime import metrics, protocol
from realtime.streams import Streams

log = structlog.get_logger()
OUTBOX_LIMIT = 10_000
RETRY_DELAYS = (0.05, 0.1, 0.25, 0.5, 1.0)


class Publisher:
    def __init__(self, redis: Redis, prefix: str, history: int) -> None:
        self.redis = redis
        self.streams = Streams(redis, prefix, history)
        self._outbox: deque[tuple[str, str, str]] = deque()
        self._drain_lock = asyncio.Lock()
        self._pending = asyncio.Event()

    @classmethod
    def connect(cls, redis_url: str, prefix: str, history: int) -> Publisher:
        """A publisher with a Redis client of its own, for processes that serve no sockets (workers)."""
        return cls(Redis.from_url(redis_url), prefix, history)

    async def aclose(self) -> None:
        await self.redis.aclose()

    async def publish(self, channel: str, type_: str, data: Any) -> None:
        """A kept event: gets an id, is replayable, and is not lost while Redis is away."""
        if len(self._outbox) >= OUTBOX_LIMIT:
            dropped = self._outbox.popleft()
            log.error("event_outbox_overflow", channel=dropped[0])
        self._outbox.append((channel, type_, protocol.dumps(data)))
        await self._drain()

    async def publish_live(self, channel: str, type_: str, data: Any) -> None:
        """A live-only event (presence, conflict): no id, never replayed, dropped if Redis is away."""
        frame = protocol.event(channel, type_, protocol.dumps(data))
        try:
            await self.redis.publish(self.streams.pubsub_key(channel), "\n" + frame)
        except (RedisError, OSError) as exc:
            log.warning("live_event_not_published", channel=channel, type=type_, error=str(exc))

    async def retry_forever(self) -> None:
        """Run as a background task: sends what was held back once Redis answers again."""
        attempt = 0
        while True:
            await self._pending.wait()
            await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            attempt = 0 if await self._drain() else attempt + 1

    async def _drain(self) -> bool:
        """Send queued events in order; False when Redis refused and some are still queued."""
        async with self._drain_lock:
            while self._outbox:
                channel, type_, data_json = self._outbox[0]
                head, tail = _frame_around_id(channel, type_, data_json)
                try:
                    await self.streams.append(channel, type_, data_json, head, tail)
                except (RedisError, OSError) as exc:
                    log.warning("event_publish_deferred", channel=channel, queued=len(self._outbox), error=str(exc))
                    self._pending.set()
                    return False
                self._outbox.popleft()
                metrics.events_published.labels(channel.partition(":")[0]).inc()
            self._pending.clear()
            return True


def _frame_around_id(channel: str, type_: str, data_json: str) -> tuple[str, str]:
    """The event frame split where the id goes: the Lua script inserts the id Redis assigns."""
    marker = "\x00"
    head, _, tail = protocol.event(channel, type_, data_json, marker).partition(marker)
    return head, tail

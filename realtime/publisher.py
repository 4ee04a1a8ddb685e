"""The one publish path: kept events through the channel's stream, live ones straight to pub/sub.

Kept events come from the features' outbox (PostgreSQL), which retries until Redis takes them:
a publish either appends the event or raises, and an event carrying its durable id is appended
once however often it is relayed.
"""

from __future__ import annotations

from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from realtime import metrics, protocol
from realtime.streams import Streams

log = structlog.get_logger()


class Publisher:
    def __init__(self, redis: Redis, prefix: str, history: int) -> None:
        self.redis = redis
        self.streams = Streams(redis, prefix, history)
        # Every hub listens here for what all processes must act on: a token revoked, access ended.
        self.control_key = f"{prefix}control"

    @classmethod
    def connect(cls, redis_url: str, prefix: str, history: int) -> Publisher:
        """A publisher with a Redis client of its own, for processes that serve no sockets (workers)."""
        return cls(Redis.from_url(redis_url), prefix, history)

    async def aclose(self) -> None:
        await self.redis.aclose()

    async def publish(self, channel: str, type_: str, data: Any, *, durable_id: int | None = None) -> bool:
        """A kept event: gets an id and is replayable. False when `durable_id` was already published.
        Raises RedisError / OSError when Redis is away: the caller keeps the event and retries."""
        return await self.publish_json(channel, type_, protocol.dumps(data), durable_id=durable_id)

    async def publish_json(self, channel: str, type_: str, data_json: str, *, durable_id: int | None = None) -> bool:
        head, tail = _frame_around_id(channel, type_, data_json)
        appended = await self.streams.append(channel, type_, data_json, head, tail, durable_id)
        if appended is not None:
            metrics.events_published.labels(channel.partition(":")[0]).inc()
        return appended is not None

    async def publish_live(self, channel: str, type_: str, data: Any) -> None:
        """A live-only event (presence, conflict): no id, never replayed, dropped if Redis is away."""
        frame = protocol.event(channel, type_, protocol.dumps(data))
        try:
            await self.redis.publish(self.streams.pubsub_key(channel), "\n" + frame)
        except (RedisError, OSError) as exc:
            log.warning("live_event_not_published", channel=channel, type=type_, error=str(exc))

    async def publish_control(self, message_json: str) -> None:
        """Raises when Redis is away: the caller keeps the message and retries."""
        await self.redis.publish(self.control_key, message_json)


def _frame_around_id(channel: str, type_: str, data_json: str) -> tuple[str, str]:
    """The event frame split where the id goes: the Lua script inserts the id Redis assigns."""
    marker = "\x00"
    head, _, tail = protocol.event(channel, type_, data_json, marker).partition(marker)
    return head, tail

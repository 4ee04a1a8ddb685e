"""Per-channel event history in Redis: a capped stream plus a small meta hash, written atomically.

Every kept event is added and published by one Lua script, so on a channel the pub/sub order is
the id order. A stream starts with an origin marker; a `last_id` older than the origin (the
stream was lost, e.g. Redis restarted) or than the newest trimmed id cannot be replayed: resync.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from realtime.protocol import parse_event_id

TTL_SECONDS = 7 * 24 * 3600
TRIM_SLACK = 100

_ENSURE = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  local origin = redis.call('XADD', KEYS[1], '*', 't', '', 'd', '')
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'origin', origin)
end
"""

# ARGV[7], when given, is the event's durable id (its outbox row): an event relayed twice (a
# relay that died before it could mark the row) is appended once. KEYS[4] remembers recent ones.
PUBLISH = (
    _ENSURE
    + """
if ARGV[7] ~= '' then
  if redis.call('ZSCORE', KEYS[4], ARGV[7]) then
    return false
  end
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[7])
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[5]) + TRIM_SLACK + 1))
  redis.call('EXPIRE', KEYS[4], ARGV[6])
end
local id = redis.call('XADD', KEYS[1], '*', 't', ARGV[1], 'd', ARGV[2])
local max = tonumber(ARGV[5])
local len = redis.call('XLEN', KEYS[1])
if len > max + TRIM_SLACK then
  local old = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', len - max)
  redis.call('HSET', KEYS[2], 'trimmed', old[#old][1])
  redis.call('XTRIM', KEYS[1], 'MAXLEN', max)
end
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('PUBLISH', KEYS[3], id .. '\\n' .. ARGV[3] .. id .. ARGV[4])
return id
""".replace("TRIM_SLACK", str(TRIM_SLACK))
)

OPEN = (
    _ENSURE
    + """
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1]
local origin = redis.call('HGET', KEYS[2], 'origin') or ''
local trimmed = redis.call('HGET', KEYS[2], 'trimmed') or ''
local entries = {}
if ARGV[1] ~= '' then
  entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+')
end
return {origin, trimmed, last, entries}
"""
)


@dataclass(frozen=True)
class StoredEvent:
    id: str
    type: str
    data_json: str


@dataclass(frozen=True)
class ChannelHistory:
    origin: str
    trimmed: str
    last: str
    events: list[StoredEvent]

    def can_replay_after(self, last_id: str) -> bool:
        """Every event after `last_id` is still kept (and `last_id` belongs to this stream's life)."""
        seen = parse_event_id(last_id)
        if seen is None:
            return False
        if seen < _id(self.origin) or seen > _id(self.last):
            return False
        return not self.trimmed or seen >= _id(self.trimmed)

    @property
    def newest_event_id(self) -> str | None:
        return None if self.last == self.origin else self.last


def _id(value: str) -> tuple[int, int]:
    parsed = parse_event_id(value)
    assert parsed is not None, value
    return parsed


class Streams:
    def __init__(self, redis: Redis, prefix: str, history: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.history = history
        self._publish = redis.register_script(PUBLISH)
        self._open = redis.register_script(OPEN)

    def stream_key(self, channel: str) -> str:
        return f"{self.prefix}stream:{channel}"

    def meta_key(self, channel: str) -> str:
        return f"{self.prefix}stream-meta:{channel}"

    def pubsub_key(self, channel: str) -> str:
        return f"{self.prefix}ch:{channel}"

    def appended_key(self, channel: str) -> str:
        return f"{self.prefix}stream-appended:{channel}"

    async def append(
        self, channel: str, type_: str, data_json: str, frame_head: str, frame_tail: str, durable_id: int | None = None
    ) -> str | None:
        """The event's stream id; None when `durable_id` was appended before (nothing is sent twice)."""
        keys = [self.stream_key(channel), self.meta_key(channel), self.pubsub_key(channel), self.appended_key(channel)]
        args = [type_, data_json, frame_head, frame_tail, self.history, TTL_SECONDS, durable_id or ""]
        event_id = await self._publish(keys=keys, args=args)
        if event_id is None:
            return None
        return event_id.decode() if isinstance(event_id, bytes) else str(event_id)

    async def open(self, channel: str, after: str | None) -> ChannelHistory:
        keys = [self.stream_key(channel), self.meta_key(channel)]
        origin, trimmed, last, entries = await self._open(keys=keys, args=[after or "", TTL_SECONDS])
        events = []
        for raw_id, fields in entries:
            values = dict(zip(fields[::2], fields[1::2], strict=True))
            if values[b"t"]:  # the origin marker has no type
                events.append(StoredEvent(raw_id.decode(), values[b"t"].decode(), values[b"d"].decode()))
        return ChannelHistory(origin.decode(), trimmed.decode(), last.decode(), events)

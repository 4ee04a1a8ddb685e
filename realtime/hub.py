"""The realtime hub: client protocol, channel authorization, ids, replay, presence, Redis bridge.

No transport lives here: a transport (socketify native or ASGI) owns the sockets and the local
topic fan-out and calls `opened` / `received` / `closed`. Each process keeps one Redis pub/sub
connection, subscribed to the channels its clients read; kept events come through it already
encoded as frames and go to the transport's topic once, whatever the number of local readers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from realtime import metrics, protocol
from realtime.channels import ChannelRule, Channels, UnknownChannel
from realtime.presence import Presence
from realtime.publisher import Publisher
from realtime.streams import ChannelHistory
from realtime.transport import Connection, Transport

log = structlog.get_logger()
EventId = protocol.EventId
RECENT_EVENTS = 512
RECONNECT_DELAYS = (0.05, 0.1, 0.25, 0.5, 1.0)
# A page needs a handful (a week, slots, the feed); the cap bounds what one socket can make us hold.
MAX_CHANNELS_PER_CONNECTION = 100
# Redis refuses a range starting after the greatest id; nothing can be kept after it anyway.
_GREATEST_EVENT_ID = (protocol.STREAM_ID_PART_MAX, protocol.STREAM_ID_PART_MAX)


@dataclass(slots=True)
class ConnState:
    token_id: str | None = None
    channels: set[str] = field(default_factory=set)
    expiry: asyncio.TimerHandle | None = None
    closed: bool = False


@dataclass(slots=True)
class LocalChannel:
    """A channel some local client reads, and what this process has dispatched on it."""

    name: str
    rule: ChannelRule
    members: set[Connection] = field(default_factory=set)
    # Clients whose replay ran ahead of this process's pub/sub stream: joined at the first newer event.
    pending: dict[Connection, EventId] = field(default_factory=dict)
    high: EventId | None = None
    origin: str | None = None
    # Made at the first event: most channels of a process (one per watched instructor) stay quiet.
    recent: deque[tuple[EventId, str]] | None = None
    evicted_upto: EventId | None = None
    ready: asyncio.Future[None] | None = None

    def remember(self, event_id: EventId, frame: str) -> None:
        if self.recent is None:
            self.recent = deque(maxlen=RECENT_EVENTS)
        elif len(self.recent) == RECENT_EVENTS:
            self.evicted_upto = self.recent[0][0]
        self.recent.append((event_id, frame))

    def forget(self, upto: EventId) -> None:
        """Nothing up to `upto` can be replayed from here any more."""
        self.recent = None
        self.evicted_upto = upto

    def missed_since(self, upto: EventId) -> list[str] | None:
        """Frames dispatched here after `upto`; None when some were already evicted."""
        if self.evicted_upto is not None and self.evicted_upto > upto:
            return None
        return [frame for event_id, frame in self.recent or () if event_id > upto]


class Hub:
    def __init__(
        self,
        *,
        redis_url: str,
        prefix: str,
        transport: Transport,
        authenticate: Callable[[str | None], Awaitable[Any]],
        rules: list[ChannelRule],
        history: int = 1000,
        presence_expire_seconds: float = 30,
    ) -> None:
        # Own clients: the pub/sub connection must not share a pool with request traffic.
        self.redis = Redis.from_url(redis_url, health_check_interval=5, socket_keepalive=True)
        self.prefix = prefix
        self.transport = transport
        self.authenticate = authenticate
        self.channels = Channels({rule.kind: rule for rule in rules})
        self.publisher = Publisher(self.redis, prefix, history)
        self.streams = self.publisher.streams
        self.presence = Presence(self.redis, prefix, self.publish_live, presence_expire_seconds)
        self._local: dict[str, LocalChannel] = {}
        self._conns: set[Connection] = set()
        self._pubsub: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._connected = asyncio.Event()
        self._stopping = False

    @property
    def control_key(self) -> str:
        return self.publisher.control_key

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._spawn(self._listen())
        self._spawn(self.presence.keep_alive(self._presence_members))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), 5)

    async def stop(self) -> None:
        self._stopping = True
        for conn in list(self._conns):
            conn.close(1001, "server shutting down")
        self.presence.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(RedisError, OSError):
            await self.redis.aclose()

    def _spawn(self, coro: Awaitable[Any]) -> None:
        # Strong references: an unreferenced task can be garbage-collected mid-flight.
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- publishing (the outbox relay and benchmarks; features record events in their change) -

    async def publish(self, channel: str, type_: str, data: Any) -> None:
        await self.publisher.publish(channel, type_, data)

    async def publish_live(self, channel: str, type_: str, data: Any) -> None:
        await self.publisher.publish_live(channel, type_, data)

    # ---- control messages across processes -------------------------------------------------

    def _apply_control(self, message: dict[str, Any]) -> None:
        for conn in list(self._conns):
            user = conn.user
            if message["kind"] == "token" and conn.state.token_id == message["token_id"]:
                self._refuse(conn, "unauthorized", "Your session ended; log in again")
            elif message["kind"] == "access" and user is not None and user.id == message["user_id"]:
                for channel in list(conn.state.channels):
                    if channel.startswith(message["channel_prefix"]):
                        self._leave(conn, channel)
                        conn.send(protocol.error("forbidden", "Your access to this channel ended", channel))

    # ---- transport callbacks ---------------------------------------------------------------

    async def opened(self, conn: Connection, token: str | None) -> None:
        conn.state = ConnState()
        self._conns.add(conn)
        metrics.ws_connections.inc()
        if token is None:
            return
        user = await self.authenticate(token)
        if conn.state.closed:
            return
        if user is None:
            self._refuse(conn, "unauthorized", "The token is invalid, expired or revoked")
            return
        conn.user = user
        conn.state.token_id = user.token_id
        delay = user.token_expires - time.time()
        conn.state.expiry = asyncio.get_running_loop().call_later(
            max(0.0, delay), self._refuse, conn, "unauthorized", "Your session expired"
        )

    async def received(self, conn: Connection, text: str | bytes) -> None:
        try:
            message = protocol.parse_client_message(text)
        except protocol.BadFrame as why:
            conn.send(protocol.error("bad_request", str(why)))
            return
        if message.op == "ping":
            conn.send(protocol.PONG)
        elif message.op == "subscribe" and message.channel:
            await self._subscribe(conn, message.channel, message.last_id)
        elif message.op == "unsubscribe" and message.channel:
            self._leave(conn, message.channel)
        else:
            conn.send(protocol.error("bad_request", f"Unknown op {protocol.shown(message.op)} or missing channel"))

    def closed(self, conn: Connection) -> None:
        state: ConnState | None = conn.state
        if state is None or state.closed:
            return
        state.closed = True
        if state.expiry:
            state.expiry.cancel()
        for channel in list(state.channels):
            self._leave(conn, channel)
        self._conns.discard(conn)
        metrics.ws_connections.dec()

    def _refuse(self, conn: Connection, code: str, detail: str) -> None:
        conn.send(protocol.error(code, detail))
        conn.close(4401 if code == "unauthorized" else 4403, detail)
        self.closed(conn)

    # ---- subscriptions ---------------------------------------------------------------------

    async def _subscribe(self, conn: Connection, channel: str, last_id: str | None) -> None:
        # Everything is checked before anything exists for the name: no key, no pub/sub, no local channel.
        try:
            rule, parts = self.channels.rule_for(channel)
            if refusal := _last_id_problem(last_id):
                conn.send(protocol.error("bad_request", refusal, channel))
                return
            allowed = await rule.may_read(conn.user, parts)
        except UnknownChannel as why:
            conn.send(protocol.error("unknown_channel", f"No channel named {protocol.shown(channel)}: {why}", channel))
            return
        if not allowed:
            code = "unauthorized" if conn.user is None else "forbidden"
            conn.send(protocol.error(code, "You may not read this channel", channel))
            return
        if conn.state.closed:
            return
        if channel in conn.state.channels:
            self._leave(conn, channel)
        elif len(conn.state.channels) >= MAX_CHANNELS_PER_CONNECTION:
            detail = f"At most {MAX_CHANNELS_PER_CONNECTION} channels per connection; unsubscribe from one first"
            conn.send(protocol.error("bad_request", detail, channel))
            return
        local = await self._open_local(channel, rule)
        local.members.add(conn)
        conn.state.channels.add(channel)
        try:
            history = await self.streams.open(channel, _replay_after(last_id))
        except (RedisError, OSError):
            self._leave(conn, channel)
            conn.send(protocol.error("bad_request", "Live updates are unavailable right now; retry", channel))
            return
        if conn.state.closed or channel not in conn.state.channels:
            return
        self._catch_up(conn, local, history, last_id)
        if local.rule.presence and conn.user is not None:
            await self.presence.enter(channel, conn.id, conn.user.id, conn.user.full_name)

    def _catch_up(self, conn: Connection, local: LocalChannel, history: ChannelHistory, last_id: str | None) -> None:
        """Replay, then hand the client to live delivery with no gap and no duplicate.

        Runs without awaiting, so no pub/sub message is dispatched in between.
        """
        if local.origin is None:
            local.origin = history.origin
        conn.send(protocol.subscribed(local.name, history.newest_event_id))
        if last_id is not None and not history.can_replay_after(last_id):
            conn.send(protocol.resync(local.name, history.newest_event_id))
            upto = _parse(history.last)
        else:
            for stored in history.events:
                conn.send(protocol.event(local.name, stored.type, stored.data_json, stored.id))
            metrics.events_replayed.inc(len(history.events))
            upto = _parse(history.events[-1].id if history.events else (last_id or history.last))
        if local.high is None or local.high <= upto:
            if local.high == upto:
                conn.join(local.name)
            else:
                local.pending[conn] = upto
            return
        missed = local.missed_since(upto)
        if missed is None:
            conn.send(protocol.resync(local.name, protocol.format_event_id(local.high)))
        else:
            for frame in missed:
                conn.send(frame)
        conn.join(local.name)

    def _leave(self, conn: Connection, channel: str) -> None:
        # Leaving a channel one never read is a no-op: it must not announce presence to its editors.
        if channel not in conn.state.channels:
            return
        conn.state.channels.discard(channel)
        local = self._local.get(channel)
        if local is None:
            return
        local.members.discard(conn)
        local.pending.pop(conn, None)
        conn.leave(channel)
        if local.rule.presence and conn.user is not None:
            self._spawn(self.presence.leave(channel, conn.id))
        if not local.members:
            del self._local[channel]
            if self._pubsub is not None:
                self._spawn(self._unsubscribe_redis(channel))

    async def _unsubscribe_redis(self, channel: str) -> None:
        if channel in self._local:  # somebody joined again meanwhile
            return
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.unsubscribe(self.streams.pubsub_key(channel))

    async def _open_local(self, channel: str, rule: ChannelRule) -> LocalChannel:
        local = self._local.get(channel)
        if local is None:
            local = self._local[channel] = LocalChannel(channel, rule)
            local.ready = asyncio.get_running_loop().create_future()
            if self._pubsub is not None and self._connected.is_set():
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.subscribe(self.streams.pubsub_key(channel))
        if local.ready is not None and not local.ready.done():
            # The listener resolves it on Redis's subscribe confirmation; after that nothing is missed.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(local.ready), 5)
        return local

    def _presence_members(self) -> list[tuple[str, str, int, str]]:
        return [
            (local.name, conn.id, conn.user.id, conn.user.full_name)
            for local in self._local.values()
            if local.rule.presence
            for conn in local.members
            if conn.user is not None
        ]

    # ---- the Redis side --------------------------------------------------------------------

    async def _listen(self) -> None:
        attempt = 0
        first = True
        while not self._stopping:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.control_key)
                names = [self.streams.pubsub_key(c) for c in self._local]
                if names:
                    await pubsub.subscribe(*names)
                self._pubsub = pubsub
                attempt = 0
                if not first:
                    self._spawn(self._recover_after_reconnect())
                first = False
                self._connected.set()
                async for message in pubsub.listen():
                    self._on_redis_message(message)
            except (RedisError, OSError) as exc:
                self._connected.clear()
                self._pubsub = None
                delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                attempt += 1
                log.warning("realtime_redis_lost", error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _on_redis_message(self, message: dict[str, Any]) -> None:
        name = message["channel"].decode()
        if message["type"] == "subscribe":
            local = self._local.get(name.removeprefix(f"{self.prefix}ch:"))
            if local and local.ready and not local.ready.done():
                local.ready.set_result(None)
            return
        if message["type"] != "message":
            return
        if name == self.control_key:
            self._apply_control(msgspec.json.decode(message["data"]))
            return
        local = self._local.get(name.removeprefix(f"{self.prefix}ch:"))
        if local is not None:
            event_id, _, frame = message["data"].decode().partition("\n")
            self._dispatch(local, event_id, frame)

    def _dispatch(self, local: LocalChannel, event_id: str, frame: str) -> None:
        if not event_id:
            self.transport.publish(local.name, frame)
            for conn in local.pending:
                conn.send(frame)
            return
        parsed = _parse(event_id)
        if local.high is not None and parsed <= local.high:
            return  # already delivered (catch-up after a reconnect overlaps the live stream)
        local.high = parsed
        local.remember(parsed, frame)
        for conn, upto in list(local.pending.items()):
            if parsed > upto:
                del local.pending[conn]
                conn.join(local.name)
        self.transport.publish(local.name, frame)
        metrics.events_dispatched.inc()

    async def _recover_after_reconnect(self) -> None:
        """Deliver what was published while the pub/sub connection was down, or tell clients to resync."""
        for local in list(self._local.values()):
            if local.ready and not local.ready.done():
                local.ready.set_result(None)
            after = protocol.format_event_id(local.high) if local.high else None
            try:
                history = await self.streams.open(local.name, after)
            except (RedisError, OSError):
                return  # the listener reconnects again and calls us again
            if after and history.origin == local.origin and history.can_replay_after(after):
                for stored in history.events:
                    self._dispatch(
                        local, stored.id, protocol.event(local.name, stored.type, stored.data_json, stored.id)
                    )
                continue
            local.origin = history.origin
            local.high = _parse(history.last)
            local.forget(local.high)
            frame = protocol.resync(local.name, history.newest_event_id)
            for conn in list(local.pending):
                conn.send(frame)
                conn.join(local.name)
            local.pending.clear()
            self.transport.publish(local.name, frame)
            metrics.resyncs_sent.inc()


def _parse(value: str) -> EventId:
    parsed = protocol.parse_event_id(value)
    assert parsed is not None, value
    return parsed


def _last_id_problem(last_id: str | None) -> str | None:
    # Malformed is bad_request (no server ever sent it: a client bug to show, not to paper over);
    # well-formed but unknown, absurd or no longer kept is a resync, as API.md says.
    if last_id is None or protocol.is_event_id_shaped(last_id):
        return None
    return f"last_id {protocol.shown(last_id)} is not an event id: send one the server sent ('<ms>-<seq>') or null"


def _replay_after(last_id: str | None) -> str | None:
    """Where the stream is read from: None when `last_id` names no event Redis could keep."""
    parsed = protocol.parse_event_id(last_id) if last_id else None
    if parsed is None or parsed >= _GREATEST_EVENT_ID:
        return None
    return protocol.format_event_id(parsed)

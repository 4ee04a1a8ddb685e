"""The transactional outbox: a change's side effects are rows written in the change's own transaction.

A service wraps its work in `change(services)`: inside, `effects.event / live / job` record
what others must be told; after the commit the same process relays those topics at once (the
fast path), and the worker's sweep relays whatever a crashed or cut-off process left behind.
A topic (a realtime channel, or one job) is relayed under its own lock, oldest row first, so
events about one object arrive in commit order; a kept event carries its row id to Redis, which
appends it once however often it is relayed; a job is enqueued under an id made of business ids.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import structlog
from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.table import Table
from redis.exceptions import RedisError

from realtime.protocol import dumps

if TYPE_CHECKING:
    from arq.connections import ArqRedis

    from realtime.publisher import Publisher

log = structlog.get_logger()
RETRY_DELAYS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)
BATCH = 500


class EffectKind(StrEnum):
    EVENT = "event"  # kept: stream id, replay
    LIVE = "live"  # live only: presence-like signals such as `conflict`
    JOB = "job"
    CONTROL = "control"  # to every web process's hub: a token revoked, a collaborator removed


class OutboxEntry(Table, tablename="outbox"):
    topic = Text()
    kind = Varchar(length=8, choices=EffectKind)
    name = Text()
    payload = Text()  # JSON
    created_at = Timestamptz()


@dataclass
class Effects:
    """What one change must tell others; written into its transaction, in one statement, as it commits."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)  # topic, kind, name, payload

    @property
    def topics(self) -> list[str]:
        return list(dict.fromkeys(topic for topic, *_ in self.rows))

    async def event(self, channel: str, type_: str, data: Any) -> None:
        self._record(channel, EffectKind.EVENT, type_, dumps(data))

    async def live(self, channel: str, type_: str, data: Any) -> None:
        self._record(channel, EffectKind.LIVE, type_, dumps(data))

    async def control(self, message: dict[str, Any]) -> None:
        self._record("control", EffectKind.CONTROL, "control", dumps(message))

    async def job(self, function: str, *args: Any, job_id: str, defer_until: datetime | None = None) -> None:
        payload = {"args": list(args), "defer_until": defer_until.isoformat() if defer_until else None}
        self._record(f"job:{job_id}", EffectKind.JOB, function, dumps(payload))

    def _record(self, topic: str, kind: EffectKind, name: str, payload: str) -> None:
        self.rows.append((topic, str(kind), name, payload))

    async def write(self) -> None:
        if self.rows:
            # ids follow the order of recording: a topic's rows are relayed in that order
            await OutboxEntry.raw(
                "INSERT INTO outbox (topic, kind, name, payload, created_at) "
                "SELECT topic, kind, name, payload, clock_timestamp() "
                "FROM unnest({}::text[], {}::text[], {}::text[], {}::text[]) WITH ORDINALITY "
                "AS recorded(topic, kind, name, payload, n) ORDER BY n",
                *(list(column) for column in zip(*self.rows, strict=True)),
            )


# Takes the topics' locks in one statement, in key order, so that relays of overlapping topics
# never deadlock. The relay's commit need not wait for the disk: a relay undone by a database
# crash leaves its rows, which are relayed again (Redis appends an outbox row's event once).
_LOCK_TOPICS = (
    "SELECT set_config('synchronous_commit', 'off', true), {aggregate} AS ok FROM ("
    "SELECT {lock}(hashtext('outbox'), key) AS locked FROM ("
    "SELECT DISTINCT hashtext(topic) AS key FROM unnest({{}}::text[]) AS topic ORDER BY key) AS keys) AS locks"
)
LOCK_TOPICS = _LOCK_TOPICS.format(aggregate="count(*) > 0", lock="pg_advisory_xact_lock")
TRY_LOCK_TOPICS = _LOCK_TOPICS.format(aggregate="bool_and(locked)", lock="pg_try_advisory_xact_lock")
TAKE_ROWS = (
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE topic = ANY({}) ORDER BY id LIMIT {}) "
    "RETURNING id, topic, kind, name, payload"
)


class Relay:
    """Moves outbox rows to Redis (events) and arq (jobs), then deletes them."""

    def __init__(
        self, publisher: Publisher, queue: ArqRedis, *, writers: int = 16, kill_before_relay: bool = False
    ) -> None:
        self.publisher = publisher
        self.queue = queue
        self.kill_before_relay = kill_before_relay
        self._behind = asyncio.Event()
        # Changes in flight at once in this process: fewer than its pool's connections, so a burst
        # of writes queueing on one instructor's lock never leaves reads without a connection.
        self.writers = asyncio.Semaphore(writers)

    async def after_commit(self, topics: list[str]) -> None:
        """The fast path. Never raises: the change is committed, and what could not be relayed
        now waits in the outbox for the retry loop or the sweep."""
        if self.kill_before_relay and topics:
            os.kill(os.getpid(), signal.SIGKILL)
        if not topics:
            return
        try:
            await self.relay_topics(topics)
        except (RedisError, OSError) as exc:
            log.warning("outbox_relay_deferred", topics=topics, error=str(exc))
            self._behind.set()

    async def relay_topic(self, topic: str, *, wait: bool = True) -> int:
        return await self.relay_topics([topic], wait=wait)

    async def relay_topics(self, topics: list[str], *, wait: bool = True) -> int:
        """Relays the topics' rows, each topic oldest first, in one transaction holding their locks;
        0 when another relay holds one of them and `wait` is off. A failed send undoes the whole
        relay: its rows stay for the next attempt."""
        async with OutboxEntry._meta.db.transaction():
            locked = await OutboxEntry.raw(LOCK_TOPICS if wait else TRY_LOCK_TOPICS, topics)
            if not locked[0]["ok"]:
                return 0
            rows = await OutboxEntry.raw(TAKE_ROWS, topics, BATCH)
            rows.sort(key=lambda row: row["id"])
            for row in rows:
                await self._send(row["topic"], row)
        return len(rows)

    async def _send(self, topic: str, row: dict[str, Any]) -> None:
        if row["kind"] == EffectKind.EVENT:
            await self.publisher.publish_json(topic, row["name"], row["payload"], durable_id=row["id"])
        elif row["kind"] == EffectKind.LIVE:
            await self.publisher.publish_live(topic, row["name"], json.loads(row["payload"]))
        elif row["kind"] == EffectKind.CONTROL:
            await self.publisher.publish_control(row["payload"])
        else:
            job = json.loads(row["payload"])
            defer_until = datetime.fromisoformat(job["defer_until"]) if job["defer_until"] else None
            # arq refuses a second job with the same id while the first is queued or kept
            await self.queue.enqueue_job(
                row["name"], *job["args"], _job_id=topic.removeprefix("job:"), _defer_until=defer_until
            )

    async def sweep(self, older_than_seconds: float = 2.0) -> int:
        """Relays every topic with rows older than the fast path needs; returns the rows relayed."""
        topics = await OutboxEntry.raw(
            "SELECT topic FROM outbox WHERE created_at < now() - make_interval(secs => {}) "
            "GROUP BY topic ORDER BY min(id) LIMIT {}",
            older_than_seconds,
            BATCH,
        )
        relayed = 0
        for row in topics:
            relayed += await self.relay_topic(row["topic"], wait=False)
        return relayed

    async def retry_forever(self) -> None:
        """Web processes run this: once a fast path failed, drain the outbox as soon as Redis is back."""
        attempt = 0
        while True:
            await self._behind.wait()
            await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            try:
                await self.sweep(older_than_seconds=0)
            except (RedisError, OSError):
                attempt += 1
                continue
            attempt = 0
            if not await OutboxEntry.exists():
                self._behind.clear()


_inside_change: ContextVar[bool] = ContextVar("inside_change", default=False)


@asynccontextmanager
async def _admitted(relay: Relay) -> AsyncIterator[None]:
    """A slot among the process's writers; a change inside a change already holds one."""
    if _inside_change.get():
        yield
        return
    async with relay.writers:
        token = _inside_change.set(True)
        try:
            yield
        finally:
            _inside_change.reset(token)


@asynccontextmanager
async def change(relay: Relay) -> AsyncIterator[Effects]:
    """One transaction for a change and its side effects; relayed right after the commit."""
    effects = Effects()
    async with _admitted(relay), OutboxEntry._meta.db.transaction():
        yield effects
        await effects.write()
    await relay.after_commit(effects.topics)

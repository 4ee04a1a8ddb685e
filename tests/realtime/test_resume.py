"""Resume by last_id: every missed event in order, or a resync once they are gone; never a gap."""

from __future__ import annotations

import asyncio
import subprocess
from itertools import pairwise

import pytest
import redis as sync_redis

from app.core.embedded import _redis_server_binary
from realtime.publisher import Publisher
from tests.support.accounts import Accounts, instructor_slots_channel
from tests.support.calendar import monday_after, week_path
from tests.support.live import SERVERS, WsClient, free_port


def publisher(settings, history: int = 1000) -> Publisher:
    """The same publish path the web and worker processes use, run from the test."""
    return Publisher.connect(settings.redis_url, settings.redis_prefix, history)


def ids_in_order(frames) -> list[tuple[int, int]]:
    return [tuple(int(p) for p in f["id"].split("-")) for f in frames]


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_reconnect_with_last_id_gets_every_missed_event_in_order(live, http_factory, settings, server_kind):
    server = live(server_kind)
    hub = publisher(settings)
    channel = await instructor_slots_channel(http_factory(server))
    ws = await WsClient.connect(server)
    subscribed = await ws.subscribe(channel)
    await hub.publish(channel, "slots.changed", {"start": "2026-11-23", "end": "2026-11-23", "n": 0})
    first = await ws.event("slots.changed", channel)
    last_id = first["id"]
    await ws.close()
    assert subscribed["last_id"] is None

    for n in range(1, 501):
        await hub.publish(channel, "slots.changed", {"start": "2026-11-23", "end": "2026-11-23", "n": n})

    ws = await WsClient.connect(server)
    try:
        resumed = await ws.subscribe(channel, last_id)
        assert resumed["op"] == "subscribed"
        replay = [await ws.event("slots.changed", channel) for _ in range(500)]
        assert [f["data"]["n"] for f in replay] == list(range(1, 501))
        ids = ids_in_order(replay)
        assert ids == sorted(ids) and len(set(ids)) == 500
        assert resumed["last_id"] == replay[-1]["id"]
        await hub.publish(channel, "slots.changed", {"start": "2026-11-23", "end": "2026-11-23", "n": 501})
        live_frame = await ws.event("slots.changed", channel)
        assert live_frame["data"]["n"] == 501, "live events follow the replay with no gap and no duplicate"
        assert [f for f in await ws.quiet(0.5) if f["op"] == "event"] == []
    finally:
        await ws.close()
        await hub.aclose()


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_resume_past_the_kept_history_gets_resync(live, http_factory, settings, server_kind):
    server = live(server_kind)
    hub = publisher(settings, history=100)
    channel = await instructor_slots_channel(http_factory(server))
    quiet_channel = await instructor_slots_channel(http_factory(server))
    await hub.publish(channel, "slots.changed", {"n": 0})
    ws = await WsClient.connect(server)
    try:
        subscribed = await ws.subscribe(channel)
        old_id = subscribed["last_id"]
        for n in range(1, 501):
            await hub.publish(channel, "slots.changed", {"n": n})
        await ws.close()
        ws = await WsClient.connect(server)
        await ws.subscribe(channel, old_id)
        frame = await ws.next(lambda f: f["op"] in ("resync", "event"))
        assert frame["op"] == "resync"
        assert frame["last_id"] is not None
        unknown = await WsClient.connect(server)
        await unknown.subscribe(quiet_channel, "123-0")
        assert (await unknown.next(lambda f: f["op"] in ("resync", "event")))["op"] == "resync"
        await unknown.close()
    finally:
        await ws.close()
        await hub.aclose()


def assert_in_publish_order(events, publishers: int, per_publisher: int | None = None) -> None:
    """Ids strictly increasing; each publisher's events in the order it sent them, none twice, none skipped.

    With `per_publisher`, every event must be there; without it, each publisher's events form a prefix.
    """
    ids = ids_in_order(events)
    backwards = [(a, b) for a, b in pairwise(ids) if a >= b]
    assert not backwards, f"event ids not strictly increasing at {backwards[:3]}"
    sent_by: dict[int, list[int]] = {tag: [] for tag in range(publishers)}
    for f in events:
        sent_by[f["data"]["tag"]].append(f["data"]["n"])
    for tag, ns in sent_by.items():
        expected = list(range(per_publisher if per_publisher is not None else len(ns)))
        assert ns == expected, f"publisher {tag}'s events arrived as {ns}"


async def test_concurrent_publishers_never_break_order_for_a_resuming_client(live, http_factory, settings):
    server = live("uvicorn")
    hubs = [publisher(settings) for _ in range(3)]
    channel = await instructor_slots_channel(http_factory(server))
    await hubs[0].publish(channel, "slots.changed", {"n": -1})
    ws = await WsClient.connect(server)
    base = (await ws.subscribe(channel))["last_id"]
    midway = asyncio.Event()

    async def burst(hub, tag):
        for n in range(100):
            await hub.publish(channel, "slots.changed", {"tag": tag, "n": n})
            if n == 30:
                midway.set()

    async def resubscribe_midway():
        await midway.wait()
        await ws.send({"op": "subscribe", "channel": channel, "last_id": base})

    try:
        await asyncio.gather(*(burst(h, i) for i, h in enumerate(hubs)), resubscribe_midway())
        await ws.next(lambda f: f["op"] in ("subscribed", "resync", "error"))
        resumed_at = len(ws.received)
        assert ws.received[-1]["op"] == "subscribed", ws.received[-1]
        while sum(f["op"] == "event" for f in ws.received[resumed_at:]) < 300:
            await ws.next(lambda f: f["op"] == "event")
        await ws.quiet(0.5)  # anything extra (a duplicate, a late resync) lands in ws.received

        before = [f for f in ws.received[:resumed_at] if f["op"] == "event"]
        after = [f for f in ws.received[resumed_at:] if f["op"] == "event"]
        assert [f["op"] for f in ws.received[resumed_at:] if f["op"] != "event"] == [], "no resync: all is kept"
        assert_in_publish_order(before, publishers=3)
        assert_in_publish_order(after, publishers=3, per_publisher=100)
    finally:
        await ws.close()
        for hub in hubs:
            await hub.aclose()


def start_redis(port: int) -> None:
    subprocess.run(
        [_redis_server_binary(), "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes",
         "--save", "", "--appendonly", "no", "--dir", "/tmp", "--pidfile", f"/tmp/ii-test-redis-{port}.pid"],
        check=True,
    )  # fmt: skip
    client = sync_redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return
        except sync_redis.ConnectionError:
            import time

            time.sleep(0.05)
    raise RuntimeError("test redis did not start")


def stop_redis(port: int) -> None:
    try:
        sync_redis.Redis(port=port).shutdown(nosave=True)
    except sync_redis.ConnectionError:
        pass


async def test_redis_restart_keeps_rest_working_and_clients_recover(live, http_factory, settings):
    port = free_port()
    start_redis(port)
    try:
        redis_url = f"redis://127.0.0.1:{port}/0"
        server = live("uvicorn", REDIS_URL=redis_url)
        http = http_factory(server)
        owner = await Accounts(http).instructor()
        monday = monday_after()
        channel = f"calendar:{owner.id}:{monday}"
        ws = await WsClient.connect(server, owner.token)
        await ws.subscribe(channel)

        async def save(ranges):
            loaded = await http.get(week_path(owner, monday), headers=owner.headers)
            return await http.put(
                week_path(owner, monday), json={"days": {monday.isoformat(): ranges}},
                headers={**owner.headers, "If-Match": loaded.headers["etag"]},
            )  # fmt: skip

        assert (await save([{"start": "09:00", "end": "10:00"}])).status_code == 200
        await ws.event("availability.updated", channel)

        stop_redis(port)
        await asyncio.sleep(0.3)
        during = await save([{"start": "11:00", "end": "12:00"}])
        assert during.status_code == 200, "REST saves keep working while Redis is away"
        start_redis(port)

        frame = await ws.next(
            lambda f: f["op"] == "resync" or (f["op"] == "event" and f["type"] == "availability.updated"),
            timeout=15,
        )
        if frame["op"] == "event":
            assert frame["data"]["version"] == during.json()["version"]
        after = await save([{"start": "13:00", "end": "14:00"}])
        assert after.status_code == 200
        latest = await ws.next(
            lambda f: f["op"] == "event" and f["type"] == "availability.updated"
            and f["data"]["version"] == after.json()["version"], timeout=15,
        )  # fmt: skip
        assert latest["data"]["days"][monday.isoformat()] == [{"start": "13:00", "end": "14:00"}]
        await ws.close()
    finally:
        stop_redis(port)

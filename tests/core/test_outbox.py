"""The outbox: a change's side effects are never lost, doubled or reordered, whatever dies when."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile

import httpx
import pytest

from app.core.embedded import _redis_server_binary
from app.settings import PROJECT_ROOT
from realtime.publisher import Publisher
from tests.bookings.conftest import booking_body
from tests.realtime.test_resume import stop_redis
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week, week_path
from tests.support.live import WsClient, free_port, server_env


@pytest.fixture
def worker(settings):
    """A real `python -m app worker` process (its outbox sweep runs every second)."""
    started = []

    def start(**env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "worker"], env=server_env(settings, **env), cwd=PROJECT_ROOT
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


async def test_an_event_is_appended_once_however_often_it_is_relayed(settings, redis):
    publisher = Publisher.connect(settings.redis_url, settings.redis_prefix, history=100)
    try:
        first = await publisher.publish("slots:7", "slots.changed", {"n": 1}, durable_id=41)
        again = await publisher.publish("slots:7", "slots.changed", {"n": 1}, durable_id=41)
        other = await publisher.publish("slots:7", "slots.changed", {"n": 2}, durable_id=42)
    finally:
        await publisher.aclose()
    assert (first, again, other) == (True, False, True)
    stream = await redis.xrange(f"{settings.redis_prefix}stream:slots:7")
    assert [fields[b"d"] for _, fields in stream if fields[b"t"]] == [b'{"n":1}', b'{"n":2}']


async def test_a_process_killed_between_commit_and_relay_loses_nothing(live, http_factory, worker):
    doomed = live("uvicorn", FAULT_INJECTION="kill_before_relay")
    survivor = live("uvicorn")
    worker()
    http = http_factory(survivor)
    accounts = Accounts(http)
    instructor, student = await accounts.instructor(), await accounts.student()
    service_id = await offer_piano(http, instructor)
    monday = monday_after()
    slots_channel, feed_channel = f"slots:{instructor.id}", f"notifications:{instructor.id}"
    ws = await WsClient.connect(survivor, instructor.token)
    await ws.subscribe(slots_channel)
    await ws.subscribe(feed_channel)
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    before = await ws.event("slots.changed", slots_channel)

    body = booking_body(instructor, service_id, monday)
    async with httpx.AsyncClient(base_url=doomed.url, timeout=30) as to_doomed:
        with pytest.raises(httpx.HTTPError):  # the process dies after its commit, before it answers
            await to_doomed.post("/api/bookings", json=body, headers=student.headers)
    assert doomed.process.wait(10) == -9

    booked = (await http.get("/api/bookings", headers=student.headers)).json()
    assert [b["start"] for b in booked] == [body["start"]], "the booking committed"
    feed = (await http.get("/api/notifications", headers=instructor.headers)).json()["items"]
    booked_types = [n["type"] for n in feed if n["type"].startswith("booking.")]
    assert booked_types == ["booking.created"], "its feed row committed with it"

    # Only the worker's sweep can deliver these: nothing else touches the instructor's feed.
    arrived = {}
    while len(arrived) < 2:
        frame = await ws.next(lambda f: f["op"] == "event", timeout=10)
        arrived.setdefault(frame["channel"], frame)
    created, changed = arrived[feed_channel], arrived[slots_channel]
    assert created["type"] == "notification.created" and created["data"]["id"] == feed[0]["id"]
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "13:00"}]})
    after = await ws.event("slots.changed", slots_channel)
    assert _id(before) < _id(changed) < _id(after), "in commit order with the events around it"
    extra = [f for f in await ws.quiet(3) if f.get("op") == "event" and f["channel"] == feed_channel]
    assert extra == [], "delivered exactly once"
    await ws.close()


def _id(frame: dict) -> tuple[int, int]:
    ms, _, seq = frame["id"].partition("-")
    return int(ms), int(seq)


def start_persistent_redis(port: int, folder: str) -> None:
    """A Redis that keeps its data across a stop (append-only file), so an outage loses nothing of Redis's own."""
    subprocess.run(
        [_redis_server_binary(), "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes", "--save", "",
         "--appendonly", "yes", "--dir", folder, "--pidfile", f"{folder}/redis.pid"],
        check=True,
    )  # fmt: skip


async def _ping_until_up(port: int) -> None:
    import redis as sync_redis

    for _ in range(200):
        try:
            sync_redis.Redis(port=port).ping()
            return
        except sync_redis.ConnectionError:
            await asyncio.sleep(0.05)
    raise RuntimeError("test redis did not start")


async def test_changes_during_a_redis_outage_commit_and_arrive_in_order_once(live, http_factory, settings):
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        start_persistent_redis(port, folder)
        await _ping_until_up(port)
        try:
            server = live("uvicorn", REDIS_URL=f"redis://127.0.0.1:{port}/0")
            http = http_factory(server)
            accounts = Accounts(http)
            owner, student = await accounts.instructor(), await accounts.student()
            service_id = await offer_piano(http, owner)
            monday = monday_after()
            channel = f"calendar:{owner.id}:{monday}"
            ws = await WsClient.connect(server, owner.token)
            await ws.subscribe(channel)
            await save_week(http, owner, owner, monday, {monday.isoformat(): [{"start": "09:00", "end": "10:00"}]})
            await ws.event("availability.updated", channel)

            stop_redis(port)
            await asyncio.sleep(0.3)
            versions = []
            for end in ("11:00", "12:00", "13:00"):
                loaded = await http.get(week_path(owner, monday), headers=owner.headers)
                saved = await http.put(
                    week_path(owner, monday),
                    json={"days": {monday.isoformat(): [{"start": "09:00", "end": end}]}},
                    headers={**owner.headers, "If-Match": loaded.headers["etag"]},
                )
                assert saved.status_code == 200, "every change commits while Redis is away"
                versions.append(saved.json()["version"])
            held = await http.post(
                "/api/bookings", json=booking_body(owner, service_id, monday, hold=True), headers=student.headers
            )
            assert held.status_code == 201, "a job that cannot be enqueued yet never fails the change"
            booking_version = (await http.get(week_path(owner, monday), headers=owner.headers)).json()["version"]

            start_persistent_redis(port, folder)
            events = []
            while len(events) < 4:
                frame = await ws.next(lambda f: f.get("channel") == channel and f["op"] != "subscribed", timeout=15)
                assert frame["op"] == "event", frame
                if frame["type"] == "availability.updated":
                    events.append(frame)
            assert [e["data"]["version"] for e in events] == [*versions, booking_version], "all of them, in order"
            assert [f for f in await ws.quiet(2) if f.get("type") == "availability.updated"] == [], "none twice"
            job = f"{settings.redis_prefix}hold:{held.json()['id']}"
            import redis as sync_redis

            queued = sync_redis.Redis(port=port).zscore(f"{settings.redis_prefix}arq:queue", job)
            assert queued is not None, "the hold's release job was enqueued once Redis was back"
            await ws.close()
        finally:
            stop_redis(port)

"""Hostile /ws input against live servers: every frame gets the documented answer, never a 1011.

Each refused case also checks that the socket still answers a ping and that the refusal created
nothing in Redis (no key and no pub/sub channel under the server's prefix). One server per kind
serves the whole table, so the cases run in seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from tests.conftest import RUN_ID, database_url_for, suite_settings
from tests.support.accounts import Account, Accounts
from tests.support.calendar import monday_after, save_week
from tests.support.live import SERVERS, LiveServer, WsClient, start_server

# Digits Python's int() and str.isdigit() accept but a canonical name never holds.
ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + d) for d in range(10)))
FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# An error names what it refuses by a short prefix; a whole frame stays this small whatever was sent.
SMALL_FRAME = 512
_fresh_weeks = itertools.count(1)


def case_id(value: object) -> str:
    return ascii(value)[:32]


@dataclass
class Stage:
    server: LiveServer
    redis: Redis
    prefix: str
    http: httpx.AsyncClient
    owner: Account  # an instructor
    helper: Account  # a student editing the owner's calendar
    monday: date

    def fresh_week(self) -> date:
        """A week of the owner's calendar no earlier case opened."""
        return self.monday + timedelta(weeks=next(_fresh_weeks))

    async def redis_state(self) -> set[tuple[str, bytes]]:
        """Every key and pub/sub channel under the server's prefix."""
        keys = {("key", key) async for key in self.redis.scan_iter(match=f"{self.prefix}*")}
        return keys | {("pubsub", name) for name in await self.redis.pubsub_channels(f"{self.prefix}*")}

    async def created_since(self, before: set[tuple[str, bytes]]) -> set[tuple[str, bytes]]:
        # Only additions count: an earlier test's socket may still be letting its channels go.
        return await self.redis_state() - before


@pytest.fixture(scope="module", params=SERVERS)
async def stage(request, service_urls, database_clones, stripe_env, s3_env) -> AsyncIterator[Stage]:
    # The suite's `live` fixture is per test; one server per kind for the whole table keeps it fast.
    server_url, redis_url = service_urls
    kind = request.param
    name = await database_clones.take()
    settings = suite_settings(
        database_url_for(server_url, name), redis_url, f"t{RUN_ID}-ws-hostile-{kind}", stripe_env, s3_env
    )
    server = start_server(kind, settings)
    redis = Redis.from_url(redis_url)
    http = httpx.AsyncClient(base_url=server.url, timeout=30)
    try:
        accounts = Accounts(http, database_url=settings.database_url)
        owner = await accounts.instructor(name="Olga Owner")
        helper = await accounts.student(name="Hugo Helper")
        added = await http.post(
            f"/api/instructors/{owner.id}/collaborators", json={"email": helper.email}, headers=owner.headers
        )
        assert added.status_code == 201, added.text
        yield Stage(server, redis, settings.redis_prefix, http, owner, helper, monday_after())
    finally:
        await http.aclose()
        server.stop()
        keys = [key async for key in redis.scan_iter(match=f"{settings.redis_prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        database_clones.drop(name)


@pytest.fixture
async def helper_ws(stage: Stage) -> AsyncIterator[WsClient]:
    ws = await WsClient.connect(stage.server, stage.helper.token)
    yield ws
    await ws.close()


async def raw_answer(ws: WsClient) -> tuple[str, dict[str, Any]]:
    raw = await asyncio.wait_for(ws.socket.recv(), 10)
    return raw, json.loads(raw)


async def assert_still_serving(ws: WsClient) -> None:
    await ws.send({"op": "ping"})
    assert (await ws.next(lambda f: f["op"] == "pong")) == {"op": "pong"}
    assert ws.socket.close_code is None, "the socket survived (never a 1011)"


def names(stage: Stage) -> dict[str, str]:
    owner, me, monday = str(stage.owner.id), str(stage.helper.id), stage.monday
    year, week, _ = monday.isocalendar()
    return {
        "owner": owner,
        "me": me,
        "monday": monday.isoformat(),
        "tuesday": (monday + timedelta(days=1)).isoformat(),
        "iso_week": f"{year}-W{week:02d}",
        "iso_week_day": f"{year}-W{week:02d}-1",
        "compact_monday": monday.strftime("%Y%m%d"),
        "arabic_owner": owner.translate(ARABIC_INDIC),
        "fullwidth_owner": owner.translate(FULLWIDTH),
        "superscript_owner": owner.translate(SUPERSCRIPT),
        "arabic_monday": monday.isoformat().translate(ARABIC_INDIC),
        "slashed_monday": monday.strftime("%Y/%m/%d"),
        "expanded_year_monday": f"+{monday.year:05d}-{monday:%m-%d}",
        "two_digit_year_monday": monday.strftime("%y-%m-%d"),
    }


# Every name is refused as a name: `unknown_channel`, never `forbidden`, even for a real editor.
MALFORMED_NAMES = [
    "slots:0{owner}",
    "slots:00{owner}",
    "slots:{arabic_owner}",
    "slots:{fullwidth_owner}",
    "slots:{superscript_owner}",
    "slots:²",
    "slots:\u0661",
    "slots: {owner}",
    "slots:{owner} ",
    "slots:{owner}\n",
    "slots:{owner}\x00",
    "slots:+{owner}",
    "slots:-{owner}",
    "slots:{owner}.0",
    "slots:{owner}e0",
    "slots:0x1",
    "slots:0",
    "slots:2147483648",
    "slots:99999999999999999999999",
    "slots:",
    "slots:{owner}:",
    "slots:{owner}:1",
    "slots",
    "Slots:{owner}",
    ":slots:{owner}",
    "slots::{owner}",
    "calendar:0{owner}:{monday}",
    "calendar:{arabic_owner}:{monday}",
    "calendar:{owner}:{tuesday}",
    "calendar:{owner}:{iso_week}",
    "calendar:{owner}:{iso_week_day}",
    "calendar:{owner}:{compact_monday}",
    "calendar:{owner}:{arabic_monday}",
    "calendar:{owner}:{slashed_monday}",
    "calendar:{owner}:{expanded_year_monday}",
    "calendar:{owner}:{two_digit_year_monday}",
    "calendar:{owner}:{monday} ",
    "calendar:{owner}:{monday}T00:00",
    "calendar:{owner}:2026-02-30",
    "calendar:{owner}:0000-01-03",
    "calendar:{owner}:0001-01-01",  # a Monday, outside the dates the platform deals in
    "calendar:{owner}:9999-12-27",
    "calendar:{owner}",
    "calendar:{owner}:{monday}:",
    "calendar:{owner}:{monday}:extra",
    "calendar::{monday}",
    "notifications:+{me}",
    "notifications:0{me}",
    "notifications:{me}:",
    "notifications:{me}.0",
    "bogus:1",
    "",
]


@pytest.mark.parametrize("template", MALFORMED_NAMES, ids=case_id)
async def test_malformed_channel_name_is_unknown_and_creates_nothing(stage, helper_ws, template):
    channel = template.format(**names(stage))
    before = await stage.redis_state()
    await helper_ws.send({"op": "subscribe", "channel": channel, "last_id": None})
    raw, frame = await raw_answer(helper_ws)
    if channel == "":
        assert frame["code"] == "bad_request", "an empty name is a missing channel"
    else:
        assert frame == {"op": "error", "channel": channel, "code": "unknown_channel", "detail": frame["detail"]}
    assert len(raw) < SMALL_FRAME
    await assert_still_serving(helper_ws)
    assert await stage.created_since(before) == set()


async def test_a_week_that_is_not_a_monday_is_named_as_such_not_forbidden(stage, helper_ws):
    tuesday = stage.monday + timedelta(days=1)
    refused = await helper_ws.subscribe(f"calendar:{stage.owner.id}:{tuesday}")
    assert refused["code"] == "unknown_channel"
    assert "not a Monday" in refused["detail"]


@pytest.mark.parametrize("length", [65, 1_000, 63_000])
async def test_a_huge_channel_name_is_refused_without_being_echoed(stage, helper_ws, length):
    channel = f"slots:{stage.owner.id}:" + "9" * length
    before = await stage.redis_state()
    await helper_ws.send({"op": "subscribe", "channel": channel, "last_id": None})
    raw, frame = await raw_answer(helper_ws)
    assert frame["code"] == "unknown_channel"
    assert len(raw) < SMALL_FRAME
    await assert_still_serving(helper_ws)
    assert await stage.created_since(before) == set()


async def test_canonical_names_are_subscribed_and_the_redis_check_sees_what_they_create(stage, helper_ws):
    week = f"calendar:{stage.owner.id}:{stage.fresh_week()}"
    before = await stage.redis_state()
    for channel in (f"slots:{stage.owner.id}", week, f"notifications:{stage.helper.id}"):
        assert (await helper_ws.subscribe(channel))["op"] == "subscribed", channel
    created = {name for _, name in await stage.created_since(before)}
    assert f"{stage.prefix}stream:{week}".encode() in created
    assert f"{stage.prefix}ch:{week}".encode() in created


MALFORMED_LAST_IDS = [
    "²-0",
    "\u0661-0",
    "1-²",
    "-1-0",
    "-1",
    "1-",
    "-",
    "1",
    "1-0-0",
    " 1-0",
    "1-0\n",
    "1.0-0",
    "abc",
    "",
    "0x1-0",
    "\u0660-\u0660",
    "9" * 65 + "-0",
    "9" * 5_000 + "-0",
    "ç" * 5_000,
]
# Well-formed ids no stream holds (absurd, before the stream began, past its newest): resync.
UNKNOWN_LAST_IDS = [
    "99999999999999999999999-0",
    "18446744073709551616-0",
    "0-18446744073709551616",
    "18446744073709551615-18446744073709551615",
    "18446744073709551615-0",
    "0-0",
    "1-0",
    "00000000000000000001-0",
    "9" * 64 + "-" + "9" * 64,
]


@pytest.mark.parametrize("last_id", MALFORMED_LAST_IDS, ids=case_id)
async def test_malformed_last_id_is_a_bad_request_and_creates_nothing(stage, helper_ws, last_id):
    channel = f"calendar:{stage.owner.id}:{stage.fresh_week()}"
    before = await stage.redis_state()
    await helper_ws.send({"op": "subscribe", "channel": channel, "last_id": last_id})
    raw, frame = await raw_answer(helper_ws)
    assert frame == {"op": "error", "channel": channel, "code": "bad_request", "detail": frame["detail"]}
    assert "last_id" in frame["detail"]
    assert len(raw) < SMALL_FRAME
    await assert_still_serving(helper_ws)
    assert await stage.created_since(before) == set()


@pytest.mark.parametrize("last_id", UNKNOWN_LAST_IDS, ids=case_id)
async def test_unknown_or_absurd_last_id_gets_resync(stage, helper_ws, last_id):
    channel = f"slots:{stage.owner.id}"
    await save_week(stage.http, stage.owner, stage.owner, stage.monday, {})  # the stream holds an event
    await helper_ws.send({"op": "subscribe", "channel": channel, "last_id": last_id})
    subscribed = await helper_ws.next(lambda f: f.get("channel") == channel)
    assert subscribed["op"] == "subscribed" and subscribed["last_id"]
    resync = await helper_ws.next(lambda f: f.get("channel") == channel)
    assert resync == {"op": "resync", "channel": channel, "last_id": subscribed["last_id"]}
    await assert_still_serving(helper_ws)


@pytest.mark.parametrize("last_id", [5, -1, 1.5, True, [], {}, ["1-0"]])
async def test_last_id_of_another_type_is_a_bad_request(stage, helper_ws, last_id):
    before = await stage.redis_state()
    await helper_ws.send(
        {"op": "subscribe", "channel": f"calendar:{stage.owner.id}:{stage.fresh_week()}", "last_id": last_id}
    )
    raw, frame = await raw_answer(helper_ws)
    assert frame["op"] == "error" and frame["code"] == "bad_request"
    assert "last_id" in frame["detail"]
    assert len(raw) < SMALL_FRAME
    await assert_still_serving(helper_ws)
    assert await stage.created_since(before) == set()


HOSTILE_FRAMES = [
    '{"op": "' + "x" * 63_000 + '"}',
    '{"op": "subscribe", "channel": ' + "[" * 1_000 + "]" * 1_000 + "}",
    '{"op": "ping", "padding": ' + "[" * 5_000 + "]" * 5_000 + "}",
    '{"op": ' + '{"op": ' * 2_000 + "1" + "}" * 2_000 + "}",
    "[]",
    '"ping"',
    "null",
    "42",
    "{}",
    "",
    "not json",
    '{"op": "ping"',
    '{"op": 5}',
    '{"op": null}',
    '{"op": ["ping"]}',
    '{"op": "subscribe"}',
    '{"op": "subscribe", "channel": null}',
    '{"op": "subscribe", "channel": 5}',
    '{"op": "subscribe", "channel": ["slots:1"]}',
    '{"op": "unsubscribe"}',
    '{"op": "unsubscribe", "channel": 1}',
    '{"op": "SUBSCRIBE", "channel": "slots:1"}',
    '{"op": "ping\\u0000"}',
    '{"op": "\\ud800"}',
]


@pytest.mark.parametrize("text", HOSTILE_FRAMES, ids=case_id)
async def test_hostile_frame_gets_a_small_bad_request_and_the_socket_lives(stage, helper_ws, text):
    before = await stage.redis_state()
    await helper_ws.socket.send(text)
    raw, frame = await raw_answer(helper_ws)
    assert frame["op"] == "error" and frame["code"] == "bad_request"
    assert len(raw) < SMALL_FRAME
    await assert_still_serving(helper_ws)
    assert await stage.created_since(before) == set()


@pytest.mark.parametrize("template", ["slots:0{owner}", "calendar:0{owner}:{monday}", "x" * 10_000], ids=case_id)
async def test_unsubscribing_a_hostile_name_is_ignored(stage, helper_ws, template):
    before = await stage.redis_state()
    await helper_ws.send({"op": "unsubscribe", "channel": template.format(**names(stage))})
    await assert_still_serving(helper_ws)
    assert await stage.created_since(before) == set()


async def test_alias_channel_name_is_refused_so_removing_a_collaborator_revokes_everything(stage):
    manager = await Accounts(stage.http).student()
    owner = stage.owner
    added = await stage.http.post(
        f"/api/instructors/{owner.id}/collaborators", json={"email": manager.email}, headers=owner.headers
    )
    assert added.status_code == 201
    week = stage.fresh_week()
    channel = f"calendar:{owner.id}:{week}"
    ws = await WsClient.connect(stage.server, manager.token)
    try:
        assert (await ws.subscribe(channel))["op"] == "subscribed"
        for alias in (f"calendar:0{owner.id}:{week}", f"calendar:{str(owner.id).translate(ARABIC_INDIC)}:{week}"):
            assert (await ws.subscribe(alias))["code"] == "unknown_channel"
        removed = await stage.http.delete(
            f"/api/instructors/{owner.id}/collaborators/{manager.id}", headers=owner.headers
        )
        assert removed.status_code == 204
        revoked = await ws.next(lambda f: f["op"] == "error")
        assert revoked == {"op": "error", "channel": channel, "code": "forbidden", "detail": revoked["detail"]}
        await save_week(stage.http, owner, owner, week, {week.isoformat(): [{"start": "09:00", "end": "10:00"}]})
        assert [f for f in await ws.quiet(1.0) if f["op"] == "event" and f["type"] != "presence"] == []
        await assert_still_serving(ws)
    finally:
        await ws.close()


def editors_named(frame: dict[str, Any]) -> list[str]:
    return [editor["full_name"] for editor in frame["data"]["editors"]]


async def test_subscribe_spam_on_a_week_sends_other_editors_few_presence_events(stage):
    channel = f"calendar:{stage.owner.id}:{stage.fresh_week()}"
    watcher = await WsClient.connect(stage.server, stage.owner.token)
    spammer = await WsClient.connect(stage.server, stage.helper.token)
    try:
        assert (await watcher.subscribe(channel))["op"] == "subscribed"
        await watcher.next(lambda f: f.get("type") == "presence" and editors_named(f) == ["Olga Owner"])
        seen_before = len(watcher.received)
        for _ in range(50):
            await spammer.send({"op": "subscribe", "channel": channel, "last_id": None})
            await spammer.send({"op": "unsubscribe", "channel": channel})
        await assert_still_serving(spammer)
        await watcher.quiet(1.5)
        spam_presence = [f for f in watcher.received[seen_before:] if f.get("type") == "presence"]
        assert 1 <= len(spam_presence) <= 5, f"{len(spam_presence)} presence events for 50 joins and leaves"
        assert editors_named(spam_presence[-1]) == ["Olga Owner"], "the final list has the spammer gone"

        await spammer.send({"op": "subscribe", "channel": channel, "last_id": None})
        joined = await watcher.next(lambda f: f.get("type") == "presence", timeout=2)
        assert editors_named(joined) == ["Hugo Helper", "Olga Owner"], "a real join still shows promptly"
    finally:
        await watcher.close()
        await spammer.close()

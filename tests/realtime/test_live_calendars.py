"""The /ws protocol against real web processes sharing one PostgreSQL and one Redis."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, save_week, week_path
from tests.support.live import SERVERS, WsClient


@pytest.fixture(params=SERVERS)
def server_kind(request) -> str:
    return request.param


async def test_save_on_one_process_reaches_an_editor_on_another(live, http_factory, server_kind):
    a, b = live(server_kind), live(server_kind)
    http_a, http_b = http_factory(a), http_factory(b)
    instructor = await Accounts(http_a).instructor(name="Ada Owner")
    manager = await Accounts(http_a).student(name="Max Manager")
    added = await http_a.post(
        f"/api/instructors/{instructor.id}/collaborators",
        json={"email": manager.email},
        headers=instructor.headers,
    )
    assert added.status_code == 201
    monday = monday_after()
    channel = f"calendar:{instructor.id}:{monday}"

    owner_ws = await WsClient.connect(b, instructor.token)
    manager_ws = await WsClient.connect(a, manager.token)
    try:
        assert (await owner_ws.subscribe(channel))["op"] == "subscribed"
        assert (await manager_ws.subscribe(channel))["op"] == "subscribed"
        presence = await owner_ws.next(lambda f: f.get("type") == "presence" and len(f["data"]["editors"]) == 2)
        assert {e["full_name"] for e in presence["data"]["editors"]} == {"Ada Owner", "Max Manager"}
        assert "id" not in presence, "presence is live only"

        loaded = await http_b.get(week_path(instructor, monday), headers=instructor.headers)
        old_etag = loaded.headers["etag"]
        saved = await http_a.put(
            week_path(instructor, monday),
            json={"days": {monday.isoformat(): [{"start": "09:00", "end": "10:00"}]}},
            headers={**manager.headers, "If-Match": old_etag, "X-Client-Id": "manager-tab"},
        )
        assert saved.status_code == 200
        new_version = saved.json()["version"]

        updated = await owner_ws.event("availability.updated", channel)
        assert updated["data"]["version"] == new_version
        assert updated["data"]["by"] == manager.id
        assert updated["data"]["client_id"] == "manager-tab"
        assert updated["data"]["days"][monday.isoformat()] == [{"start": "09:00", "end": "10:00"}]
        assert updated["id"]
        conflict = await owner_ws.event("conflict", channel)
        assert conflict["data"]["version"] == new_version
        assert "id" not in conflict

        stale = await http_b.put(
            week_path(instructor, monday),
            json={"days": {}},
            headers={**instructor.headers, "If-Match": old_etag},
        )
        assert stale.status_code == 409
        assert stale.json()["current"]["version"] == new_version
    finally:
        await owner_ws.close()
        await manager_ws.close()


async def test_refused_subscriptions_leak_nothing(live, http_factory, server_kind):
    server = live(server_kind)
    http = http_factory(server)
    accounts = Accounts(http)
    owner, intruder = await accounts.instructor(), await accounts.instructor()
    student = await accounts.student()
    monday = monday_after()
    ws = await WsClient.connect(server, intruder.token)
    anonymous = await WsClient.connect(server)
    try:
        refused = await ws.subscribe(f"calendar:{owner.id}:{monday}")
        assert refused == {
            "op": "error",
            "channel": f"calendar:{owner.id}:{monday}",
            "code": "forbidden",
            "detail": refused["detail"],
        }
        assert (await ws.subscribe(f"notifications:{student.id}"))["code"] == "forbidden"
        assert (await ws.subscribe("bogus:1"))["code"] == "unknown_channel"
        assert (await anonymous.subscribe(f"notifications:{student.id}"))["code"] == "unauthorized"
        assert (await anonymous.subscribe(f"slots:{owner.id}"))["op"] == "subscribed", "slots are public"
        assert (await anonymous.subscribe(f"slots:{student.id}"))["code"] == "unknown_channel", "not an instructor"
        assert (await anonymous.subscribe("slots:99999999"))["code"] == "unknown_channel", "nobody"
        await ws.send({"op": "dance"})
        assert (await ws.next(lambda f: f["op"] == "error"))["code"] == "bad_request"
        await ws.send({"op": "ping"})
        assert (await ws.next(lambda f: f["op"] == "pong")) == {"op": "pong"}

        await save_week(http, owner, owner, monday, {monday.isoformat(): [{"start": "09:00", "end": "10:00"}]})
        leaked = [f for f in await ws.quiet(1.0) if f["op"] == "event"]
        assert leaked == []
        public = await anonymous.event("slots.changed", f"slots:{owner.id}")
        assert set(public["data"]) == {"start", "end"}
    finally:
        await ws.close()
        await anonymous.close()


async def test_one_socket_reads_at_most_100_channels(live, http_factory):
    server = live("socketify")
    instructor = await Accounts(http_factory(server)).instructor()
    first = monday_after()
    weeks = [f"calendar:{instructor.id}:{first + timedelta(weeks=k)}" for k in range(101)]
    ws = await WsClient.connect(server, instructor.token)
    try:
        for channel in weeks[:100]:
            assert (await ws.subscribe(channel))["op"] == "subscribed"
        refused = await ws.subscribe(weeks[100])
        assert refused["code"] == "bad_request" and "100 channels" in refused["detail"]
        await ws.send({"op": "unsubscribe", "channel": weeks[0]})
        assert (await ws.subscribe(weeks[100]))["op"] == "subscribed"
        assert (await ws.subscribe(weeks[1]))["op"] == "subscribed", "a channel already read is not a new one"
    finally:
        await ws.close()


async def test_bad_token_is_refused_and_logout_closes_the_socket(live, http_factory, server_kind):
    server = live(server_kind)
    http = http_factory(server)
    account = await Accounts(http).student()
    bad = await WsClient.connect(server, "not-a-token")
    frame = await bad.next()
    assert frame["op"] == "error" and frame["code"] == "unauthorized"
    await bad.close()

    ws = await WsClient.connect(server, account.token)
    assert (await ws.subscribe(f"notifications:{account.id}"))["op"] == "subscribed"
    assert (await http.post("/api/auth/logout", headers=account.headers)).status_code == 204
    frame = await ws.next(lambda f: f["op"] == "error")
    assert frame["code"] == "unauthorized"
    await ws.close()


async def test_removed_collaborator_loses_the_live_subscription(live, http_factory, server_kind):
    server = live(server_kind)
    http = http_factory(server)
    accounts = Accounts(http)
    owner, manager = await accounts.instructor(), await accounts.student()
    await http.post(f"/api/instructors/{owner.id}/collaborators", json={"email": manager.email}, headers=owner.headers)
    monday = monday_after()
    channel = f"calendar:{owner.id}:{monday}"
    ws = await WsClient.connect(server, manager.token)
    try:
        assert (await ws.subscribe(channel))["op"] == "subscribed"
        removed = await http.delete(f"/api/instructors/{owner.id}/collaborators/{manager.id}", headers=owner.headers)
        assert removed.status_code == 204
        frame = await ws.next(lambda f: f["op"] == "error")
        assert frame == {"op": "error", "channel": channel, "code": "forbidden", "detail": frame["detail"]}
        await save_week(http, owner, owner, monday, {})
        assert [f for f in await ws.quiet(1.0) if f["op"] == "event" and f["type"] != "presence"] == []
    finally:
        await ws.close()


async def test_presence_forgets_an_editor_whose_process_died(live, http_factory):
    a = live("uvicorn", PRESENCE_EXPIRE_SECONDS="3")
    b = live("socketify", PRESENCE_EXPIRE_SECONDS="3")
    http = http_factory(a)
    owner = await Accounts(http).instructor(name="Olga Owner")
    helper = await Accounts(http).student(name="Hugo Helper")
    await http.post(f"/api/instructors/{owner.id}/collaborators", json={"email": helper.email}, headers=owner.headers)
    channel = f"calendar:{owner.id}:{monday_after()}"
    watcher = await WsClient.connect(a, owner.token)
    doomed = await WsClient.connect(b, helper.token)
    try:
        await watcher.subscribe(channel)
        await doomed.subscribe(channel)
        await watcher.next(lambda f: f.get("type") == "presence" and len(f["data"]["editors"]) == 2)
        b.process.kill()  # no goodbye: its presence entry is left to expire
        frame = await watcher.next(
            lambda f: f.get("type") == "presence" and [e["full_name"] for e in f["data"]["editors"]] == ["Olga Owner"],
            timeout=15,
        )
        assert frame["data"]["editors"] == [{"user_id": owner.id, "full_name": "Olga Owner"}]
    finally:
        await watcher.close()

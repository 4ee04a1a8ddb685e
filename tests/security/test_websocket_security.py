"""Who may read a calendar's weekly hours live (`calendar:{instructor_id}:template`): its editors
only, as its weeks. A student, another instructor and an anonymous socket are refused and hear
nothing of a save; a removed collaborator is dropped at once and hears nothing after."""

from __future__ import annotations

import pytest

from tests.support.accounts import Accounts
from tests.support.live import SERVERS, WsClient

WEEKLY = {"mon": [{"start": "09:00", "end": "12:00"}]}


@pytest.fixture(params=SERVERS)
def server_kind(request) -> str:
    return request.param


async def save_template(http, editor, instructor, weekdays: dict) -> dict:
    path = f"/api/instructors/{instructor.id}/availability/template"
    current = await http.get(path, headers=editor.headers)
    saved = await http.put(
        path, json={"weekdays": weekdays}, headers={**editor.headers, "If-Match": current.headers["etag"]}
    )
    assert saved.status_code == 200, saved.text
    return saved.json()


def events(frames: list[dict]) -> list[dict]:
    return [f for f in frames if f["op"] == "event"]


async def test_a_student_another_instructor_and_an_anonymous_socket_are_refused_the_weekly_hours(
    live, http_factory, server_kind
):
    server = live(server_kind)
    http = http_factory(server)
    accounts = Accounts(http)
    owner, other = await accounts.instructor(name="Olga Owner"), await accounts.instructor()
    student = await accounts.student()
    channel = f"calendar:{owner.id}:template"
    sockets = {
        "student": await WsClient.connect(server, student.token),
        "instructor": await WsClient.connect(server, other.token),
        "anonymous": await WsClient.connect(server),
    }
    try:
        for who, ws in sockets.items():
            refused = await ws.subscribe(channel)
            code = "unauthorized" if who == "anonymous" else "forbidden"
            assert refused == {"op": "error", "channel": channel, "code": code, "detail": refused["detail"]}, who
            aliases = (
                f"calendar:{owner.id}:Template",
                f"calendar:{owner.id}:template:",
                f"calendar:0{owner.id}:template",
            )
            for alias in aliases:
                assert (await ws.subscribe(alias))["code"] == "unknown_channel", (who, alias)
        await save_template(http, owner, owner, WEEKLY)
        for who, ws in sockets.items():
            assert events(await ws.quiet(1.0)) == [], f"the {who} heard of the save"
            await ws.send({"op": "ping"})
            assert (await ws.next(lambda f: f["op"] == "pong")) == {"op": "pong"}
    finally:
        for ws in sockets.values():
            await ws.close()


async def test_a_removed_collaborator_is_dropped_from_the_weekly_hours(live, http_factory, server_kind):
    server = live(server_kind)
    http = http_factory(server)
    accounts = Accounts(http)
    owner, manager = await accounts.instructor(name="Olga Owner"), await accounts.student(name="Max Manager")
    added = await http.post(
        f"/api/instructors/{owner.id}/collaborators", json={"email": manager.email}, headers=owner.headers
    )
    assert added.status_code == 201, added.text
    channel = f"calendar:{owner.id}:template"
    ws = await WsClient.connect(server, manager.token)
    try:
        assert (await ws.subscribe(channel))["op"] == "subscribed"
        presence = await ws.event("presence", channel)
        assert presence["data"]["editors"] == [{"user_id": manager.id, "full_name": "Max Manager"}]
        first = await save_template(http, owner, owner, WEEKLY)
        heard = await ws.event("template.updated", channel)
        assert heard["data"]["version"] == first["version"] and heard["data"]["by_name"] == "Olga Owner"

        removed = await http.delete(f"/api/instructors/{owner.id}/collaborators/{manager.id}", headers=owner.headers)
        assert removed.status_code == 204
        dropped = await ws.next(lambda f: f["op"] == "error")
        assert dropped == {"op": "error", "channel": channel, "code": "forbidden", "detail": dropped["detail"]}
        await save_template(http, owner, owner, {"tue": WEEKLY["mon"]})
        assert [f for f in events(await ws.quiet(1.0)) if f["type"] != "presence"] == []
        again = await ws.subscribe(channel)
        assert again["op"] == "error" and again["code"] == "forbidden", "and cannot subscribe again"
    finally:
        await ws.close()

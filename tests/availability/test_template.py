"""Recurring weekly hours: weeks without their own snapshot follow the template, live."""

from __future__ import annotations

from datetime import timedelta

from tests.bookings.conftest import booking_body
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week, week_path
from tests.support.live import WsClient

MORNINGS = {"mon": [{"start": "09:00", "end": "12:00"}], "wed": [{"start": "14:00", "end": "16:00"}]}


def template_path(instructor) -> str:
    return f"/api/instructors/{instructor.id}/availability/template"


async def put_template(client, editor, instructor, weekdays: dict):
    current = await client.get(template_path(instructor), headers=editor.headers)
    return await client.put(
        template_path(instructor),
        json={"weekdays": weekdays},
        headers={**editor.headers, "If-Match": current.headers["etag"]},
    )


async def test_a_new_instructor_has_an_empty_template_with_a_version(client, accounts):
    instructor = await accounts.instructor()
    response = await client.get(template_path(instructor), headers=instructor.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["weekdays"] == {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert response.headers["etag"] == f'"{body["version"]}"'


async def test_weeks_without_a_snapshot_follow_the_template_and_saved_weeks_are_exceptions(client, accounts):
    instructor = await accounts.instructor()
    saved = await put_template(client, instructor, instructor, MORNINGS)
    assert saved.status_code == 200, saved.text
    monday = monday_after()
    week = (await client.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert week["source"] == "template"
    assert week["days"][monday.isoformat()] == [{"start": "09:00", "end": "12:00"}]
    assert week["days"][(monday + timedelta(days=2)).isoformat()] == [{"start": "14:00", "end": "16:00"}]

    exception = await save_week(client, instructor, instructor, monday, {monday.isoformat(): []})
    assert exception["source"] == "week" and exception["days"][monday.isoformat()] == []
    following = (
        await client.get(week_path(instructor, monday + timedelta(weeks=1)), headers=instructor.headers)
    ).json()
    assert following["source"] == "template", "only the saved week became an exception"


async def test_a_week_that_has_ended_is_never_governed_by_the_template(client, accounts):
    instructor = await accounts.instructor()
    await put_template(client, instructor, instructor, MORNINGS)
    long_ago = monday_after() - timedelta(weeks=8)
    week = (await client.get(week_path(instructor, long_ago), headers=instructor.headers)).json()
    assert all(ranges == [] for ranges in week["days"].values())


async def test_template_saves_are_checked_like_week_saves(client, accounts):
    instructor, other = await accounts.instructor(), await accounts.instructor()
    path = template_path(instructor)
    assert (await client.put(path, json={"weekdays": MORNINGS}, headers=instructor.headers)).status_code == 428
    stale = await client.put(path, json={"weekdays": MORNINGS}, headers={**instructor.headers, "If-Match": '"0.x"'})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert stale.json()["current"]["weekdays"]["mon"] == []
    bad = await put_template(client, instructor, instructor, {"funday": [], "mon": [{"start": "9", "end": "12:00"}]})
    assert bad.status_code == 400
    assert {p["key"] for p in bad.json()["extra"]} == {"weekdays.funday", "weekdays.mon[0].start"}
    assert (await client.get(path, headers=other.headers)).status_code == 403
    foreign = await client.put(path, json={"weekdays": MORNINGS}, headers={**other.headers, "If-Match": '"0.x"'})
    assert foreign.status_code == 403


async def test_open_slots_come_from_the_template(client, accounts):
    instructor = await accounts.instructor()
    await offer_piano(client, instructor)
    await put_template(client, instructor, instructor, MORNINGS)
    monday = monday_after()
    slots = await client.get(f"/api/instructors/{instructor.id}/slots?start={monday}&end={monday}&duration=60")
    starts = [s["start"][11:16] for s in slots.json()["slots"]]
    assert starts[0] == "09:00" and starts[-1] == "11:00"


async def test_a_template_change_that_would_break_a_booking_is_refused_whole(client, accounts):
    instructor = await accounts.instructor()
    service_id = await offer_piano(client, instructor)
    await put_template(client, instructor, instructor, MORNINGS)
    student = await accounts.student(name="Ada Byron")
    monday = monday_after()
    booked = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    assert booked.status_code == 201, booked.text
    refused = await put_template(client, instructor, instructor, {"wed": MORNINGS["wed"]})
    assert refused.status_code == 409 and refused.json()["code"] == "booked_range"
    assert [(b["booking_id"], b["student_name"], b["service_name"]) for b in refused.json()["bookings"]] == [
        (booked.json()["id"], "Ada Byron", "Piano")
    ]
    kept = (await client.get(template_path(instructor), headers=instructor.headers)).json()
    assert kept["weekdays"]["mon"] == MORNINGS["mon"], "nothing changed"


async def test_deleting_a_week_exception_hands_it_back_to_the_template(client, accounts):
    instructor = await accounts.instructor()
    await put_template(client, instructor, instructor, MORNINGS)
    monday = monday_after()
    exception = await save_week(client, instructor, instructor, monday, {monday.isoformat(): []})
    path = week_path(instructor, monday)
    stale = await client.delete(path, headers={**instructor.headers, "If-Match": '"1.nope"'})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    dropped = await client.delete(path, headers={**instructor.headers, "If-Match": f'"{exception["version"]}"'})
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["source"] == "template"
    assert dropped.json()["days"][monday.isoformat()] == MORNINGS["mon"]


async def test_deleting_a_week_exception_that_would_lose_a_booking_is_refused(client, accounts):
    instructor = await accounts.instructor()
    service_id = await offer_piano(client, instructor)
    await put_template(client, instructor, instructor, MORNINGS)  # Monday 09:00-12:00
    monday = monday_after()
    exception = await save_week(
        client, instructor, instructor, monday, {monday.isoformat(): [{"start": "15:00", "end": "18:00"}]}
    )
    student = await accounts.student(name="Ada Byron")
    body = booking_body(instructor, service_id, monday, at="16:00")
    booked = await accounts.call("POST", "/api/bookings", student, 201, json=body)
    path = week_path(instructor, monday)
    current = (await client.get(path, headers=instructor.headers)).json()
    assert current["version"] != exception["version"], "the booking is part of the week's version"
    refused = await client.delete(path, headers={**instructor.headers, "If-Match": f'"{current["version"]}"'})
    assert refused.status_code == 409 and refused.json()["code"] == "booked_range"
    assert [(b["booking_id"], b["student_name"]) for b in refused.json()["bookings"]] == [(booked["id"], "Ada Byron")]
    kept = (await client.get(path, headers=instructor.headers)).json()
    assert (kept["source"], kept["version"]) == ("week", current["version"]), "nothing changed"


async def test_a_template_change_reaches_editors_and_watchers_live(live, http_factory):
    server = live("uvicorn")
    http = http_factory(server)
    accounts = Accounts(http)
    instructor = await accounts.instructor(name="Ada Keys")
    manager = await accounts.student(name="Max Manager")
    added = await http.post(
        f"/api/instructors/{instructor.id}/collaborators", json={"email": manager.email}, headers=instructor.headers
    )
    assert added.status_code == 201, added.text
    monday = monday_after()
    editor = await WsClient.connect(server, instructor.token)
    await editor.subscribe(f"calendar:{instructor.id}:{monday}")
    weekly = await WsClient.connect(server, instructor.token)
    assert (await weekly.subscribe(f"calendar:{instructor.id}:template"))["op"] == "subscribed"
    watcher = await WsClient.connect(server)
    await watcher.subscribe(f"slots:{instructor.id}")
    current = await http.get(template_path(instructor), headers=manager.headers)
    saved = await http.put(
        template_path(instructor),
        json={"weekdays": MORNINGS},
        headers={**manager.headers, "If-Match": current.headers["etag"], "X-Client-Id": "manager-tab"},
    )
    assert saved.status_code == 200, saved.text
    updated = await editor.event("availability.updated")
    assert updated["data"]["source"] == "template"
    assert updated["data"]["days"][monday.isoformat()] == MORNINGS["mon"]
    changed = await watcher.event("slots.changed")
    assert changed["data"]["start"] <= monday.isoformat() < changed["data"]["end"]
    template_updated = await weekly.event("template.updated", f"calendar:{instructor.id}:template")
    assert template_updated["id"], "kept: a weekly-hours screen that reconnects replays it"
    assert template_updated["data"] == {
        **saved.json(),
        "by": manager.id,
        "by_name": "Max Manager",
        "client_id": "manager-tab",
    }
    assert template_updated["data"]["weekdays"]["mon"] == MORNINGS["mon"]
    # Anyone may watch slots: who saved and the hours themselves never go there.
    assert [f["type"] for f in await watcher.quiet(0.5) if f["op"] == "event"] == []
    assert [f["type"] for f in watcher.received if f["op"] == "event"] == ["slots.changed"]
    await editor.close()
    await weekly.close()
    await watcher.close()

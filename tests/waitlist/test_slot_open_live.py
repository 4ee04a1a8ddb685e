"""A waitlisted student's open websocket is told when a matching slot opens (a week saved, the
weekly hours changed, a booking cancelled), through the outbox and a real arq worker; entries of
another length or another window hear nothing, and an entry is told at most once an hour."""

from __future__ import annotations

from datetime import timedelta

from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week, week_path
from tests.support.live import WsClient
from tests.waitlist.test_waitlist import join, window


async def waiting_student(http, server, instructor, monday):
    """A student waiting for 60 minutes on Monday-Tuesday, its socket on its feed, and the entries
    that must hear nothing: 90 minutes in the same window, 60 minutes later in the week."""
    student = await Accounts(http).student()
    matching = (await join(http, student, instructor.id, window(monday))).json()
    other = await Accounts(http).student()
    longer = (await join(http, other, instructor.id, window(monday, minutes=90))).json()
    later = (await join(http, other, instructor.id, {**window(monday + timedelta(days=3))})).json()
    assert all("id" in e for e in (matching, longer, later))
    sockets = []
    for who in (student, other):
        ws = await WsClient.connect(server, who.token)
        assert (await ws.subscribe(f"notifications:{who.id}"))["op"] == "subscribed"
        sockets.append(ws)
    return student, matching, other, sockets


async def told(ws, entry, run_worker_burst) -> dict:
    await run_worker_burst(max_jobs=20)
    frame = await ws.event("notification.created", timeout=10)
    item = frame["data"]
    assert item["type"] == "waitlist.slot_open"
    assert item["data"]["waitlist_entry_id"] == entry["id"]
    return item


async def nothing_for(ws) -> None:
    frames = await ws.quiet(1.0)
    assert [f for f in frames if f.get("op") == "event"] == []


async def test_a_week_save_that_opens_a_slot_tells_the_waiting_student_live(live, http_factory, run_worker_burst):
    server = live("uvicorn")
    http = http_factory(server)
    instructor = await Accounts(http).instructor()
    await offer_piano(http, instructor)
    monday = monday_after()
    student, entry, _, (ws, other_ws) = await waiting_student(http, server, instructor, monday)
    try:
        hours = {monday.isoformat(): [{"start": "10:00", "end": "11:00"}]}
        await save_week(http, instructor, instructor, monday, hours)
        item = await told(ws, entry, run_worker_burst)
        assert item["data"]["start"] == f"{monday}T10:00:00-05:00"
        assert instructor.full_name in item["title"] and "60-minute" in item["body"] and "10:00 AM" in item["body"]
        await nothing_for(other_ws)
        # Within the hour another opening is held back: still one notification in the feed.
        longer = {monday.isoformat(): [{"start": "10:00", "end": "13:00"}]}
        await save_week(http, instructor, instructor, monday, longer)
        await run_worker_burst(max_jobs=20)
        await nothing_for(ws)
        feed = (await http.get("/api/notifications", headers=student.headers)).json()["items"]
        assert [i["type"] for i in feed] == ["waitlist.slot_open"]
    finally:
        await ws.close()
        await other_ws.close()


async def test_a_weekly_hours_change_that_opens_a_slot_tells_the_waiting_student_live(
    live, http_factory, run_worker_burst
):
    server = live("uvicorn")
    http = http_factory(server)
    instructor = await Accounts(http).instructor()
    await offer_piano(http, instructor)
    monday = monday_after()
    _, entry, _, (ws, other_ws) = await waiting_student(http, server, instructor, monday)
    try:
        path = f"/api/instructors/{instructor.id}/availability/template"
        current = await http.get(path, headers=instructor.headers)
        weekdays = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        weekdays["tue"] = [{"start": "15:00", "end": "16:00"}]
        saved = await http.put(
            path, json={"weekdays": weekdays}, headers={**instructor.headers, "If-Match": current.headers["etag"]}
        )
        assert saved.status_code == 200, saved.text
        item = await told(ws, entry, run_worker_burst)
        assert item["data"]["start"] == f"{monday + timedelta(days=1)}T15:00:00-05:00"
        await nothing_for(other_ws)
    finally:
        await ws.close()
        await other_ws.close()


async def test_a_cancellation_that_opens_a_slot_tells_the_waiting_student_live(live, http_factory, run_worker_burst):
    server = live("uvicorn")
    http = http_factory(server)
    accounts = Accounts(http)
    instructor = await accounts.instructor()
    service_id = await offer_piano(http, instructor)
    monday = monday_after()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "10:00", "end": "11:00"}]})
    booker = await accounts.student()
    body = {"instructor_id": instructor.id, "service_id": service_id, "start": f"{monday}T10:00:00-05:00",
            "duration_minutes": 60}  # fmt: skip
    booking = (await http.post("/api/bookings", json=body, headers=booker.headers)).json()
    _, entry, _, (ws, other_ws) = await waiting_student(http, server, instructor, monday)
    try:
        await run_worker_burst(max_jobs=20)
        await nothing_for(ws)  # the slot is taken: nothing opened yet
        cancelled = await http.post(f"/api/bookings/{booking['id']}/cancel", headers=booker.headers)
        assert cancelled.status_code == 200, cancelled.text
        item = await told(ws, entry, run_worker_burst)
        assert item["data"]["start"] == f"{monday}T10:00:00-05:00"
        await nothing_for(other_ws)
        week = await http.get(week_path(instructor, monday), headers=instructor.headers)
        assert week.json()["booked"] == []
    finally:
        await ws.close()
        await other_ws.close()

"""Next slots for a page of results come from one batch (app/availability/open_slots_batch.py): for each
instructor they are what the public slots endpoint gives one at a time, bookings, buffers, week
exceptions and weekly hours included."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from tests.search.support import search
from tests.search.test_search import weekly_hours
from tests.support.calendar import save_week


async def test_next_slots_of_a_page_equal_the_slots_endpoint_for_each_instructor(client, accounts, open_week):
    booked, service_id, monday = open_week  # a week of its own: Monday 09:00-12:00
    buffer = {"buffer_minutes": 15}
    await accounts.call("PUT", "/api/instructors/me/availability/settings", booked, 200, json=buffer)
    student = await accounts.student()
    lesson = {"instructor_id": booked.id, "service_id": service_id, "start": f"{monday}T10:00:00-05:00"}
    await accounts.call("POST", "/api/bookings", student, 201, json={**lesson, "duration_minutes": 60})
    weekly = await accounts.instructor()
    await weekly_hours(client, weekly, mon=("08:00", "10:30"), tue=("13:00", "14:00"))

    page = await search(client, service="piano", limit=50)
    today = datetime.now(ZoneInfo("America/New_York")).date()
    next_slots = {r["instructor"]["id"]: r["next_slots"] for r in page["results"]}
    for instructor in (booked, weekly):
        params = {"start": today.isoformat(), "end": (today + timedelta(days=13)).isoformat(), "duration": 30}
        one_by_one = (await client.get(f"/api/instructors/{instructor.id}/slots", params=params)).json()["slots"]
        assert next_slots[instructor.id] == [slot["start"] for slot in one_by_one[:3]]
    # The booking 10:00-11:00 with 15 minutes of buffer each side leaves 09:00-09:45 and 11:15-12:00.
    assert [start[11:16] for start in next_slots[booked.id]] == ["09:00", "09:15", "11:15"]


async def test_next_slots_keep_out_an_unexpired_hold_and_not_an_expired_one(client, accounts, open_week, settings):
    held_one, service_id, monday = open_week  # Monday 09:00-12:00, its own week
    expired_one = await accounts.instructor()
    week = {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]}
    await save_week(client, expired_one, expired_one, monday, week)
    holds = []
    for instructor in (held_one, expired_one):
        lesson = {"instructor_id": instructor.id, "service_id": service_id, "start": f"{monday}T09:00:00-05:00"}
        body = {**lesson, "duration_minutes": 60, "hold": True}
        holds.append(await accounts.call("POST", "/api/bookings", await accounts.student(), 201, json=body))
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = $1", holds[1]["id"])
    finally:
        await conn.close()

    page = await search(client, service="piano", limit=50)
    next_slots = {r["instructor"]["id"]: [start[11:16] for start in r["next_slots"]] for r in page["results"]}
    assert next_slots[held_one.id] == ["10:00", "10:15", "10:30"]
    assert next_slots[expired_one.id] == ["09:00", "09:15", "09:30"]

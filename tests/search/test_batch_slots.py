"""Next slots for a page of results come from one batch (app/availability/open_slots_batch.py): for each
instructor they are what the public slots endpoint gives one at a time, bookings, buffers, week
exceptions and weekly hours included."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.search.support import search
from tests.search.test_search import weekly_hours


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

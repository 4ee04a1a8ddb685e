"""Many students, one slot, two web processes: PostgreSQL lets exactly one booking through."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week
from tests.support.live import SERVERS, WsClient


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_200_concurrent_bookings_for_one_slot(live, http_factory, settings, server_kind):
    a, b = live(server_kind), live(server_kind)
    http_a, http_b = http_factory(a), http_factory(b)
    accounts = Accounts(http_a)
    instructor = await accounts.instructor()
    service_id = await offer_piano(http_a, instructor)
    monday = monday_after()
    await save_week(http_a, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    students = await asyncio.gather(*(accounts.student() for _ in range(20)))
    editor = await WsClient.connect(b, instructor.token)
    channel = f"calendar:{instructor.id}:{monday}"
    await editor.subscribe(channel)
    body = {
        "instructor_id": instructor.id,
        "service_id": service_id,
        "start": f"{monday}T10:00:00-05:00",
        "duration_minutes": 60,
    }

    async def attempt(i: int):
        http = (http_a, http_b)[i % 2]
        return await http.post("/api/bookings", json=body, headers=students[i % len(students)].headers)

    results = await asyncio.gather(*(attempt(i) for i in range(200)))
    codes = [r.status_code for r in results]
    unexpected = [(r.status_code, r.text[:300]) for r in results if r.status_code not in (201, 409)]
    assert unexpected == []
    assert codes.count(201) == 1
    assert codes.count(409) == 199
    assert all(r.json()["code"] == "slot_taken" for r in results if r.status_code == 409)
    conn = await asyncpg.connect(settings.database_url)
    assert await conn.fetchval("SELECT count(*) FROM bookings WHERE instructor = $1", instructor.id) == 1
    await conn.close()

    booking_id = next(r.json()["id"] for r in results if r.status_code == 201)
    conflict = await editor.event("conflict", channel)
    assert conflict["data"]["booking_id"] == booking_id, "editors of the week hear about the booking"
    updated = next(f for f in editor.received if f.get("type") == "availability.updated")
    assert updated["data"]["version"] == conflict["data"]["version"]
    assert [b["booking_id"] for b in updated["data"]["booked"]] == [booking_id]
    await editor.close()

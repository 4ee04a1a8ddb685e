from __future__ import annotations

import asyncpg
from arq import create_pool

from app.services import arq_queue_name, arq_settings
from tests.bookings.conftest import booking_body
from tests.support.calendar import week_path


async def enqueue(settings, function: str, *args) -> None:
    pool = await create_pool(arq_settings(settings), default_queue_name=arq_queue_name(settings))
    try:
        await pool.enqueue_job(function, *args)
    finally:
        await pool.aclose()


async def test_worker_releases_an_expired_hold_and_tells_watchers(
    client, accounts, open_week, settings, redis, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    body = booking_body(instructor, service_id, monday, hold=True)
    held = (await client.post("/api/bookings", json=body, headers=student.headers)).json()
    assert held["status"] == "held"
    deferred = await redis.zscore(f"{settings.redis_prefix}arq:queue", f"{settings.redis_prefix}hold:{held['id']}")
    assert deferred is not None, "the release is scheduled for the hold's expiry"

    conn = await asyncpg.connect(settings.database_url)
    await conn.execute("UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = $1", held["id"])
    stream = f"{settings.redis_prefix}stream:slots:{instructor.id}"
    before = await redis.xlen(stream)
    await enqueue(settings, "release_expired_hold", held["id"])
    await run_worker_burst(max_jobs=5)

    row = await conn.fetchrow("SELECT status, cancel_outcome FROM bookings WHERE id = $1", held["id"])
    await conn.close()
    assert (row["status"], row["cancel_outcome"]) == ("cancelled", "hold_expired")
    assert await redis.xlen(stream) == before + 1, "slot watchers were told"
    week = (await client.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert week["booked"] == []


async def test_releasing_twice_is_harmless(client, accounts, open_week, settings, run_worker_burst):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    body = booking_body(instructor, service_id, monday, hold=True)
    held = (await client.post("/api/bookings", json=body, headers=student.headers)).json()
    confirmed = await client.post(f"/api/bookings/{held['id']}/confirm", headers=student.headers)
    assert confirmed.json()["status"] == "confirmed"
    await enqueue(settings, "release_expired_hold", held["id"])
    await run_worker_burst(max_jobs=5)
    conn = await asyncpg.connect(settings.database_url)
    assert await conn.fetchval("SELECT status FROM bookings WHERE id = $1", held["id"]) == "confirmed"
    await conn.close()

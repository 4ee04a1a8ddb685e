from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
import pytest

from tests.bookings.conftest import booking_body
from tests.support.calendar import offer_piano, save_week, week_path


async def test_booking_an_open_slot_confirms_it_and_takes_the_slot_away(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    before = await client.get(week_path(instructor, monday), headers=instructor.headers)
    response = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    assert response.status_code == 201
    booking = response.json()
    assert booking["status"] == "confirmed"
    assert booking["start"] == f"{monday}T10:00:00-05:00"
    assert booking["end"] == f"{monday}T11:00:00-05:00"
    assert (booking["instructor_id"], booking["student_id"], booking["service_id"]) == (
        instructor.id,
        student.id,
        service_id,
    )
    week = await client.get(week_path(instructor, monday), headers=instructor.headers)
    assert week.json()["booked"] == [
        {
            "booking_id": booking["id"],
            "date": monday.isoformat(),
            "start": "10:00",
            "end": "11:00",
            "status": "confirmed",
            "start_at": booking["start"],
            "end_at": booking["end"],
            "student_name": student.full_name,
            "service_name": "Piano",
        }
    ]
    assert week.headers["etag"] != before.headers["etag"], "a booking changes the week's version"
    slots = await client.get(f"/api/instructors/{instructor.id}/slots?start={monday}&end={monday}&duration=60")
    assert f"{monday}T10:00:00-05:00" not in [s["start"] for s in slots.json()["slots"]]
    mine = await client.get("/api/bookings?role=student&when=upcoming", headers=student.headers)
    assert [b["id"] for b in mine.json()] == [booking["id"]]
    theirs = await client.get("/api/bookings?role=instructor&when=upcoming", headers=instructor.headers)
    assert [b["id"] for b in theirs.json()] == [booking["id"]]


async def test_slot_taken_not_open_or_in_the_past_is_409(client, accounts, open_week):
    instructor, service_id, monday = open_week
    first, second = await accounts.student(), await accounts.student()
    assert (
        await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=first.headers)
    ).status_code == 201
    for body in (
        booking_body(instructor, service_id, monday, at="10:30"),  # overlaps
        booking_body(instructor, service_id, monday, at="13:00"),  # outside availability
        booking_body(instructor, service_id, monday, at="09:05"),  # off the grid
        booking_body(instructor, service_id, monday - timedelta(days=21)),  # past
    ):
        response = await client.post("/api/bookings", json=body, headers=second.headers)
        assert response.status_code == 409, body
        assert response.json()["code"] == "slot_taken"


async def test_bad_booking_input_is_400(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    cases = {
        "start": booking_body(instructor, service_id, monday) | {"start": "tomorrow"},
        "duration_minutes": booking_body(instructor, service_id, monday, minutes=45),
        "service_id": booking_body(instructor, service_id + 1, monday),
    }
    for key, body in cases.items():
        response = await client.post("/api/bookings", json=body, headers=student.headers)
        assert response.status_code == 400, key
        assert key in {e["key"] for e in response.json()["extra"]}
    assert (
        await client.post("/api/bookings", json={"instructor_id": instructor.id}, headers=student.headers)
    ).status_code == 400


async def test_only_students_book(client, accounts, open_week):
    instructor, service_id, monday = open_week
    assert (await client.post("/api/bookings", json=booking_body(instructor, service_id, monday))).status_code == 401
    response = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=instructor.headers
    )
    assert response.status_code == 403


async def test_idempotency_key_returns_the_same_booking(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    headers = {**student.headers, "Idempotency-Key": "checkout-1"}
    first = await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=headers)
    again = await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


async def test_a_student_cannot_hold_two_lessons_at_once(client, accounts, open_week):
    instructor, service_id, monday = open_week
    other = await accounts.instructor()
    other_service = await offer_piano(client, other)
    await save_week(client, other, other, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    student = await accounts.student()
    assert (
        await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers)
    ).status_code == 201
    clash = await client.post(
        "/api/bookings", json=booking_body(other, other_service, monday, at="10:30"), headers=student.headers
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "slot_taken"


async def test_hold_then_confirm(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    held = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday, hold=True), headers=student.headers
    )
    assert held.status_code == 201
    assert held.json()["status"] == "held"
    assert held.json()["expires_at"]
    week = (await client.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert week["booked"][0]["status"] == "held", "a hold is visible to editors and takes the slot"
    other = await accounts.student()
    taken = await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=other.headers)
    assert taken.status_code == 409
    confirmed = await client.post(f"/api/bookings/{held.json()['id']}/confirm", headers=student.headers)
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert (await client.post(f"/api/bookings/{held.json()['id']}/confirm", headers=other.headers)).status_code == 404


async def test_expired_hold_releases_the_slot(client, accounts, open_week, settings):
    instructor, service_id, monday = open_week
    student, other = await accounts.student(), await accounts.student()
    held = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday, hold=True), headers=student.headers
    )
    conn = await asyncpg.connect(settings.database_url)
    await conn.execute("UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = $1", held.json()["id"])
    await conn.close()
    week = (await client.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert week["booked"] == []
    retaken = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=other.headers
    )
    assert retaken.status_code == 201
    late = await client.post(f"/api/bookings/{held.json()['id']}/confirm", headers=student.headers)
    assert late.status_code == 409


async def test_cancel_applies_the_policy_once(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = (
        await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers)
    ).json()
    first = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    assert first.json()["policy"]["outcome"] == "free"
    again = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    assert again.json() == first.json()
    stranger = await accounts.student()
    assert (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=stranger.headers)).status_code == 404
    rebook = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=stranger.headers
    )
    assert rebook.status_code == 201, "a cancelled booking frees its slot"


async def test_instructor_cancellation_always_refunds_fully(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = (
        await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers)
    ).json()
    response = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=instructor.headers)
    assert response.json()["policy"]["outcome"] == "full_refund"


async def test_save_that_shrinks_a_booked_range_is_refused_naming_it(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = (
        await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers)
    ).json()
    current = await client.get(week_path(instructor, monday), headers=instructor.headers)
    response = await client.put(
        week_path(instructor, monday),
        json={"days": {monday.isoformat(): [{"start": "09:00", "end": "10:30"}]}},
        headers={**instructor.headers, "If-Match": current.headers["etag"]},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "booked_range"
    assert [b["booking_id"] for b in body["bookings"]] == [booking["id"]]
    assert str(booking["id"]) in body["detail"]
    after = await client.get(week_path(instructor, monday), headers=instructor.headers)
    assert after.headers["etag"] == current.headers["etag"], "nothing changed"
    widened = await client.put(
        week_path(instructor, monday),
        json={"days": {monday.isoformat(): [{"start": "08:00", "end": "12:00"}]}},
        headers={**instructor.headers, "If-Match": current.headers["etag"]},
    )
    assert widened.status_code == 200


async def test_postgres_itself_refuses_overlapping_live_bookings(client, accounts, open_week, settings):
    instructor, service_id, monday = open_week
    student, other = await accounts.student(), await accounts.student()
    await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers)
    conn = await asyncpg.connect(settings.database_url)
    try:
        with pytest.raises(asyncpg.ExclusionViolationError):
            await conn.execute(
                """INSERT INTO bookings (instructor, student, service, start_at, end_at, blocked_until, status,
                                         created_at, updated_at)
                   VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz + interval '1 hour',
                           $4::timestamptz + interval '1 hour', 'confirmed', now(), now())""",
                instructor.id, other.id, service_id, datetime.fromisoformat(f"{monday}T10:30:00-05:00"),
            )  # fmt: skip
    finally:
        await conn.close()


async def test_concurrent_bookings_for_one_slot_give_exactly_one_201(client, accounts, open_week, settings):
    instructor, service_id, monday = open_week
    students = [await accounts.student() for _ in range(8)]
    body = booking_body(instructor, service_id, monday)
    results = await asyncio.gather(*(client.post("/api/bookings", json=body, headers=s.headers) for s in students * 5))
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 1
    assert set(codes) == {201, 409}
    conn = await asyncpg.connect(settings.database_url)
    assert await conn.fetchval("SELECT count(*) FROM bookings WHERE instructor = $1", instructor.id) == 1
    await conn.close()

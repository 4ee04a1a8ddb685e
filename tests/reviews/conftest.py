"""Completed lessons to review: booked through the API, the clock moved past their end, completed
by their instructor."""

from __future__ import annotations

import pytest

from tests.payments.conftest import admin, book, clock, hours, start_of  # noqa: F401
from tests.support.calendar import monday_after, offer_piano, save_week


@pytest.fixture
async def long_week(client, accounts):
    """An instructor offering piano with next week's Monday 08:00-18:00 open."""
    instructor = await accounts.instructor()
    service_id = await offer_piano(client, instructor)
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "08:00", "end": "18:00"}]})
    return instructor, service_id, monday


@pytest.fixture
def completed_lessons(client, accounts, long_week, clock):  # noqa: F811
    """`n` lessons of `n` new students (or the ones given), one an hour from 08:00, all completed."""

    async def make(n: int = 1, students=None) -> list[tuple]:
        instructor, service_id, monday = long_week
        students = students or [await accounts.student() for _ in range(n)]
        booked = [
            await book(client, student, instructor, service_id, monday, at=f"{8 + i:02d}:00")
            for i, student in enumerate(students)
        ]
        clock(max(start_of(b) for b in booked) + hours(1))
        for booking in booked:
            done = await client.post(f"/api/bookings/{booking['id']}/complete", headers=instructor.headers)
            assert done.status_code == 200, done.text
        return [(student, instructor, booking) for student, booking in zip(students, booked, strict=True)]

    return make


async def review(client, who, booking, rating=5, text=None):
    body = {"rating": rating} if text is None else {"rating": rating, "text": text}
    return await client.post(f"/api/bookings/{booking['id']}/review", json=body, headers=who.headers)


async def reviews_of(client, instructor, query=""):
    response = await client.get(f"/api/instructors/{instructor.id}/reviews{query}")
    assert response.status_code == 200, response.text
    return response.json()

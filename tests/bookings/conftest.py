"""An instructor offering piano with Monday 09:00-12:00 open, for the booking tests."""

from __future__ import annotations

import pytest

from tests.support.calendar import monday_after, offer_piano, save_week


@pytest.fixture
async def open_week(client, accounts):
    instructor = await accounts.instructor()
    service_id = await offer_piano(client, instructor)
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    return instructor, service_id, monday


def booking_body(instructor, service_id, monday, at="10:00", minutes=60, **extra):
    return {
        "instructor_id": instructor.id,
        "service_id": service_id,
        "start": f"{monday}T{at}:00-05:00",
        "duration_minutes": minutes,
        **extra,
    }

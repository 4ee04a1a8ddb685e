"""A booking's state columns hold their enum's values and nothing else: the database refuses the
rest, and the API documents exactly those values."""

from __future__ import annotations

import asyncpg
import pytest

from app.bookings.tables import BookingStatus, CancelOutcome
from tests.bookings.conftest import booking_body


async def booked_row(client, accounts, open_week) -> int:
    instructor, service_id, monday = open_week
    student = await accounts.student()
    response = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    return response.json()["id"]


@pytest.mark.parametrize(
    ("column", "enum"), [("status", BookingStatus), ("cancel_outcome", CancelOutcome)], ids=["status", "outcome"]
)
async def test_postgres_takes_every_enum_value_and_refuses_any_other(
    client, accounts, open_week, settings, column, enum
):
    booking_id = await booked_row(client, accounts, open_week)
    conn = await asyncpg.connect(settings.database_url)
    try:
        async with conn.transaction():
            for value in enum:
                await conn.execute(f"UPDATE bookings SET {column} = $1 WHERE id = $2", value.value, booking_id)
        for wrong in ("Cancelled", "refunded", "expired"):
            with pytest.raises(asyncpg.CheckViolationError):
                await conn.execute(f"UPDATE bookings SET {column} = $1 WHERE id = $2", wrong, booking_id)
        assert await conn.fetchval(f"SELECT {column} FROM bookings WHERE id = $1", booking_id) == list(enum)[-1]
    finally:
        await conn.close()


async def test_openapi_lists_the_booking_statuses_and_cancel_outcomes(client):
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    enums = {tuple(sorted(s["enum"])) for s in schemas.values() if "enum" in s}
    enums |= {
        tuple(sorted(p["enum"]))
        for s in schemas.values()
        for p in s.get("properties", {}).values()
        if isinstance(p, dict) and "enum" in p
    }
    assert tuple(sorted(BookingStatus)) in enums
    assert tuple(sorted(CancelOutcome)) in enums

"""Live bookings: the bookings that take an instructor's time (held and unexpired, or confirmed).
Weeks, open slots and new bookings all ask this one question."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.bookings.tables import Booking, BookingStatus
from app.core.time import now as clock_now


def live_bookings_condition():
    now = clock_now()
    return (Booking.status == BookingStatus.confirmed) | (
        (Booking.status == BookingStatus.held) & (Booking.expires_at > now)
    )


async def live_bookings_between(instructor_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    return await Booking.select(
        Booking.id, Booking.start_at, Booking.end_at, Booking.blocked_until, Booking.status, Booking.updated_at
    ).where(
        (Booking.instructor == instructor_id) & (Booking.start_at < end) & (Booking.blocked_until > start)
        & live_bookings_condition()
    ).order_by(Booking.start_at)  # fmt: skip

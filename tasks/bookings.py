from __future__ import annotations

from typing import Any

from app.availability.service import find_instructor
from app.bookings import events
from app.bookings.service import release_stale_holds


async def release_expired_hold(ctx: dict[str, Any], booking_id: int) -> str:
    """Idempotent: a hold already confirmed, cancelled or released is left alone."""
    from app.bookings.tables import Booking

    row = await Booking.select(Booking.student).where(Booking.id == booking_id).first()
    if row is None:
        return "gone"
    released = await release_stale_holds(student_id=row["student"])
    for booking in released:
        instructor = await find_instructor(booking["instructor"])
        await events.booking_changed(ctx["hub"], instructor, booking, by=None)
    return "released" if any(b["id"] == booking_id for b in released) else "not_expired"

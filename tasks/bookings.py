from __future__ import annotations

from typing import Any

from app.bookings.service import release_expired_holds_of
from app.bookings.tables import Booking


async def release_expired_hold(ctx: dict[str, Any], booking_id: int) -> str:
    """Idempotent: a hold already confirmed, cancelled or released is left alone."""
    row = await Booking.select(Booking.student).where(Booking.id == booking_id).first()
    if row is None:
        return "gone"
    released = await release_expired_holds_of(ctx["services"], row["student"])
    return "released" if any(b["id"] == booking_id for b in released) else "not_expired"

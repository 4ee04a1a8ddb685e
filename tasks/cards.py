from __future__ import annotations

from typing import Any

from app.payments.authorization import authorize_booking, failed_authorizations_due_of
from app.payments.cards import retry_failed_authorizations_of


async def retry_failed_authorizations(ctx: dict[str, Any], student_id: int) -> int:
    """A card was added: every failed authorization of the student is due again now, and tried at
    once with the new card (each a new attempt, its own idempotency key). Safe to run twice."""
    await retry_failed_authorizations_of(student_id)
    booking_ids = await failed_authorizations_due_of(student_id)
    for booking_id in booking_ids:
        await authorize_booking(ctx["services"], booking_id)
    return len(booking_ids)

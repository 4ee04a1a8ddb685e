"""Completing a lesson: by its instructor once it has ended, or by the worker AUTO_COMPLETE_HOURS
after its end. The card's share is then captured and the instructor's earning transferred."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.bookings import events
from app.bookings.service import get_booking
from app.bookings.tables import Booking, BookingStatus
from app.core.errors import ApiError
from app.core.outbox import change
from app.core.time import now as clock_now
from app.instructors.service import Instructor, find_instructor
from app.payments import service as payments
from app.referrals.service import reward_referrer
from app.services import Services


async def complete_booking(
    services: Services, user_id: int | None, booking_id: int
) -> tuple[dict[str, Any], Instructor]:
    """`user_id` None: the worker's auto-completion. Completing twice returns the same booking."""
    row = await get_booking(booking_id)
    if user_id is not None and user_id not in (row["student"], row["instructor"]):
        raise ApiError(404, f"No booking with id {booking_id}", code="not_found")
    if user_id is not None and user_id != row["instructor"]:
        raise ApiError(403, "Only the lesson's instructor marks it completed", code="not_the_instructor")
    instructor = await find_instructor(row["instructor"])
    now = clock_now()
    async with change(services.relay) as effects:
        current = await Booking.select().where(Booking.id == booking_id).lock_rows("NO KEY UPDATE").first()
        if current["status"] == BookingStatus.completed:
            return current, instructor
        if current["status"] != BookingStatus.confirmed:
            raise ApiError(409, "Only a confirmed lesson can be completed", code="not_completable")
        if current["end_at"] > now:
            raise ApiError(409, "The lesson has not ended yet", code="lesson_not_ended")
        if await payments.authorization_failed(booking_id):
            raise ApiError(
                409,
                "The student's card was not authorized for this lesson, so it cannot be completed; "
                "it is cancelled as unpaid unless the student adds a card that works",
                code="payment_failed",
            )
        completed = (
            await Booking.update({Booking.status: BookingStatus.completed, Booking.updated_at: now})
            .where(Booking.id == booking_id)
            .returning(*Booking.all_columns())
        )[0]
        await payments.complete_payment(services, effects, completed, now)
        await reward_referrer(services, effects, completed)
        await events.booking_changed(effects, instructor, completed, by=user_id)
    return completed, instructor


async def lessons_to_auto_complete(now: datetime, hours: int, limit: int = 200) -> list[int]:
    """Confirmed lessons ended `hours` ago whose money is in hand: the card authorized, or nothing
    to charge. A failed authorization is the failure deadline's to cancel as `payment_failed`; one
    still scheduled (a worker back from an outage, another sweep's call to Stripe in flight) waits
    for its outcome, so an unpaid lesson is never completed."""
    rows = await Booking.raw(
        "SELECT b.id FROM bookings b LEFT JOIN payments p ON p.booking = b.id "
        "WHERE b.status = 'confirmed' AND b.end_at <= {} "
        "AND (p.status IS NULL OR p.status IN ('authorized', 'not_needed')) "
        "ORDER BY b.end_at LIMIT {}",
        now - timedelta(hours=hours),
        limit,
    )
    return [row["id"] for row in rows]

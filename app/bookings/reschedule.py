"""Moving a confirmed booking to another open slot of the same length: same id, price and payment,
allowed while the lesson starts more than 24 h ahead (API.md "Payments")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from app.availability.open_slots import compute_open_slots, slot_is_open
from app.bookings import events
from app.bookings.schemas import Reschedule
from app.bookings.service import NOT_OPEN, get_booking, overlap_refused, release_stale_holds, slot_taken, with_parties
from app.bookings.tables import Booking, BookingStatus
from app.core.errors import ApiError, bad_input
from app.core.outbox import change
from app.core.parsing import WireFormatError, parse_instant
from app.core.time import now as clock_now
from app.instructors.service import Instructor, find_instructor, lock_instructor, settings_of
from app.payments import service as payments
from app.payments.authorization import notify_authorized
from app.payments.early import payment_before, undo_early_authorization
from app.services import Services

RESCHEDULE_WINDOW = timedelta(hours=24)


def _refuse_unless_movable(row: dict[str, Any], now) -> None:
    if row["status"] != BookingStatus.confirmed:
        raise ApiError(409, "Only a confirmed booking can be rescheduled", code="not_reschedulable")
    if row["start_at"] - now <= RESCHEDULE_WINDOW:
        raise ApiError(
            409,
            "A lesson can be rescheduled only while it starts more than 24 hours ahead; cancel it instead",
            code="reschedule_closed",
        )


async def reschedule_booking(
    services: Services, user_id: int, booking_id: int, data: Reschedule
) -> tuple[dict[str, Any], Instructor]:
    try:
        start = parse_instant(data.start)
    except WireFormatError as exc:
        raise bad_input([{"key": "start", "message": str(exc)}]) from None
    row = await get_booking(booking_id)
    if user_id not in (row["student"], row["instructor"]):
        raise ApiError(404, f"No booking with id {booking_id}", code="not_found")
    _refuse_unless_movable(row, clock_now())
    instructor = await find_instructor(row["instructor"])
    if start == row["start_at"]:
        return row, instructor
    before = None
    if start - clock_now() < payments.AUTHORIZE_AHEAD:
        # Authorized before the move (the amount does not depend on the time); whatever refuses
        # the move after that (a decline, Stripe unreachable, the slot taken meanwhile) puts the
        # payment back as it was and releases what was authorized for it.
        before = await payment_before(booking_id)
        try:
            outcome = await payments.authorize_if_due(services, booking_id, early=True)
        except (payments.CardDeclined, payments.PaymentUnavailable) as refused:
            await undo_early_authorization(services, before)
            raise refused.refusal() from None
        before = before if outcome.status == "authorized" else None
    try:
        moved = await _moved(services, user_id, instructor, row, booking_id, start, authorized_now=before is not None)
    except BaseException:
        if before is not None:
            await undo_early_authorization(services, before)
        raise
    return moved, instructor


async def _moved(
    services: Services,
    user_id: int,
    instructor: Instructor,
    row: dict[str, Any],
    booking_id: int,
    start,
    *,
    authorized_now: bool,
) -> dict[str, Any]:
    try:
        async with change(services.relay) as effects:
            await lock_instructor(instructor.id)
            moved = await _move(services, effects, instructor, booking_id, start)
            await events.booking_changed(effects, instructor, row, by=user_id)
            if moved["start_at"].astimezone(instructor.tz).date() != row["start_at"].astimezone(instructor.tz).date():
                await events.booking_changed(effects, instructor, moved, by=user_id)
            told = await with_parties(moved)
            await events.notify_rescheduled(effects, instructor, told, row["start_at"], by=user_id)
            if authorized_now:
                # Told only now that the move holds (a refused move releases it unannounced).
                await notify_authorized(effects, moved, told["payment"])
    except asyncpg.ExclusionViolationError as exc:
        raise overlap_refused(exc) from None
    return moved


async def _move(services: Services, effects, instructor: Instructor, booking_id: int, start) -> dict[str, Any]:
    """Under the instructor's lock, in the reschedule's transaction."""
    now = clock_now()
    current = await Booking.select().where(Booking.id == booking_id).lock_rows("NO KEY UPDATE").first()
    _refuse_unless_movable(current, now)
    await release_stale_holds(instructor_id=instructor.id)
    settings = await settings_of(instructor.id)
    if start < now + timedelta(minutes=settings["min_notice_minutes"]):
        raise slot_taken("That time is in the past or inside the instructor's minimum notice")
    length = current["end_at"] - current["start_at"]
    # The booking steps out of the live set inside this transaction only (nobody sees it), so its
    # own time counts as free when the open slots are computed; any refusal rolls it back.
    await Booking.update({Booking.status: BookingStatus.cancelled}).where(Booking.id == booking_id)
    local_day = start.astimezone(instructor.tz).date()
    minutes = int(length / timedelta(minutes=1))
    if not slot_is_open(await compute_open_slots(instructor, local_day, local_day, minutes, now), start):
        raise slot_taken(NOT_OPEN)
    moved = (
        await Booking.update(
            {
                Booking.status: BookingStatus.confirmed,
                Booking.start_at: start,
                Booking.end_at: start + length,
                Booking.blocked_until: start + length + timedelta(minutes=settings["buffer_minutes"]),
                Booking.updated_at: now,
            }
        )
        .where(Booking.id == booking_id)
        .returning(*Booking.all_columns())
    )
    await payments.move_authorization(services, effects, booking_id, start, now)
    return moved[0]

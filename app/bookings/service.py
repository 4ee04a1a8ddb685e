"""Booking an open slot (priced, credits first: app.payments), holds and their confirmation.
Cancellation is app/bookings/cancel.py, reschedule app/bookings/reschedule.py."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from app.availability.open_slots import compute_open_slots, slot_is_open
from app.bookings import events
from app.bookings.live import live_bookings_condition
from app.bookings.schemas import BookingCreate, BookingOut
from app.bookings.tables import Booking, BookingStatus, CancelOutcome
from app.catalog.tables import InstructorService
from app.core.errors import ApiError, bad_input
from app.core.outbox import Effects, change
from app.core.parsing import WireFormatError, parse_instant
from app.core.time import now as clock_now
from app.core.time import to_iso
from app.instructors.live import is_live
from app.instructors.service import Instructor, find_instructor, lock_instructor, settings_of
from app.payments import service as payments
from app.payments.money import lesson_price
from app.referrals.service import credit_first_booking
from app.reviews.service import reviews_of_lessons
from app.services import Services


def booking_out(row: dict[str, Any], tz_name: str) -> BookingOut:
    """`row` carries its parties, its payment and its review (with_parties, bookings_of)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    return BookingOut(
        id=row["id"],
        status=BookingStatus(row["status"]),
        instructor_id=row["instructor"],
        student_id=row["student"],
        service_id=row["service"],
        start=to_iso(row["start_at"], tz),
        end=to_iso(row["end_at"], tz),
        student_name=row["student_name"],
        instructor_name=row["instructor_name"],
        service_name=row["service_name"],
        price_cents=row["price_cents"],
        payment=payments.payment_out(row["payment"], tz),
        expires_at=to_iso(row["expires_at"], tz) if row["expires_at"] and row["status"] == BookingStatus.held else None,
        review=row["review"],
    )


# The people and the lesson a booking row names by id, under the names BookingOut gives them.
PARTIES = (
    Booking.student.full_name.as_alias("student_name"),
    Booking.student.timezone.as_alias("student_timezone"),
    Booking.instructor.full_name.as_alias("instructor_name"),
    Booking.service.name.as_alias("service_name"),
)


async def with_parties(row: dict[str, Any]) -> dict[str, Any]:
    parties = await Booking.select(*PARTIES).where(Booking.id == row["id"]).first()
    payment, reviewed = await payments.payment_of(row["id"]), await reviews_of_lessons([row["id"]])
    return {**row, **(parties or {}), "payment": payment, "review": reviewed.get(row["id"])}


async def require_live(instructor_id: int) -> None:
    """After 400 and 404, before slot_taken (API.md's order): only live instructors are bookable."""
    if not await is_live(instructor_id):
        raise ApiError(409, "This instructor is not taking bookings right now", code="instructor_not_live")


def slot_taken(detail: str) -> ApiError:
    return ApiError(409, detail, code="slot_taken")


NOT_OPEN = "That slot is not open: it is outside the availability or already taken"


async def _visibly_taken(instructor_id: int, start: datetime, end: datetime) -> bool:
    """A live booking already overlaps the lesson itself: one read answers the losers of a race
    without queueing them for the instructor's lock (the locked check stays the real one)."""
    return await Booking.exists().where(
        (Booking.instructor == instructor_id)
        & (Booking.start_at < end)
        & (Booking.end_at > start)
        & live_bookings_condition()
    )


@dataclass(frozen=True)
class Booked:
    booking: dict[str, Any]
    instructor: Instructor
    created: bool


async def _offer(instructor_id: int, service_id: int) -> dict[str, Any] | None:
    return (
        await InstructorService.select(InstructorService.durations_minutes, InstructorService.hourly_rate_cents)
        .where((InstructorService.instructor == instructor_id) & (InstructorService.service == service_id))
        .first()
    )


async def _existing(student_id: int, idempotency_key: str | None) -> dict[str, Any] | None:
    if not idempotency_key:
        return None
    return (
        await Booking.select()
        .where((Booking.student == student_id) & (Booking.idempotency_key == idempotency_key))
        .first()
    )


async def release_stale_holds(*, instructor_id: int | None = None, student_id: int | None = None) -> list[dict]:
    """Holds past their expiry stop being live; the exclusion constraint must not count them."""
    now = clock_now()
    condition = (Booking.status == BookingStatus.held) & (Booking.expires_at <= now)
    if instructor_id is not None:
        condition &= Booking.instructor == instructor_id
    if student_id is not None:
        condition &= Booking.student == student_id
    released = (
        await Booking.update(
            {
                Booking.status: BookingStatus.cancelled,
                Booking.cancel_outcome: CancelOutcome.hold_expired,
                Booking.updated_at: now,
            }
        )
        .where(condition)
        .returning(*Booking.all_columns())
    )
    await payments.release_payments_of([b["id"] for b in released], now)
    return released


def booking_fingerprint(data: BookingCreate, start: datetime) -> str:
    """What a booking request asks for, whatever its spelling (the start as an instant)."""
    asked = [data.instructor_id, data.service_id, start.isoformat(), data.duration_minutes, bool(data.hold)]
    return hashlib.sha256(msgspec.json.encode(asked)).hexdigest()


async def _lock_idempotency_key(student_id: int, key: str) -> None:
    # Retries racing with one key queue here, so each finds the booking the first one made.
    # The two-key form keeps these locks apart from lock_instructor's one-key locks.
    await Booking.raw(
        "SELECT pg_advisory_xact_lock(hashtext('booking-idempotency'), hashtext({}))", f"{student_id}:{key}"
    )


def _replayed(previous: dict[str, Any], fingerprint: str, instructor: Instructor) -> Booked:
    if previous["idempotency_fingerprint"] != fingerprint:
        raise ApiError(
            409,
            "This Idempotency-Key was already used for a different booking request; use a new key",
            code="idempotency_key_reused",
        )
    return Booked(previous, instructor, created=False)


def _parse_request(data: BookingCreate, durations: list[int] | None, instructor: Instructor) -> datetime:
    problems = []
    start = None
    try:
        start = parse_instant(data.start)
    except WireFormatError as exc:
        problems.append({"key": "start", "message": str(exc)})
    if durations is None:
        problems.append({"key": "service_id", "message": f"Instructor {instructor.id} does not offer this service"})
    elif data.duration_minutes not in durations:
        problems.append({"key": "duration_minutes", "message": f"Offered durations: {durations}"})
    if problems or start is None:
        raise bad_input(problems)
    return start


async def create_booking(
    services: Services, student_id: int, data: BookingCreate, idempotency_key: str | None
) -> Booked:
    instructor = await find_instructor(data.instructor_id)
    offer = await _offer(instructor.id, data.service_id)
    start = _parse_request(data, offer["durations_minutes"] if offer else None, instructor)
    await require_live(instructor.id)
    fingerprint = booking_fingerprint(data, start)
    end = start + timedelta(minutes=data.duration_minutes)
    now = clock_now()
    try:
        async with change(services.relay) as effects:
            if idempotency_key:
                await _lock_idempotency_key(student_id, idempotency_key)
                previous = await _existing(student_id, idempotency_key)
                if previous is not None:
                    return _replayed(previous, fingerprint, instructor)
            if await _visibly_taken(instructor.id, start, end):
                raise slot_taken(NOT_OPEN)
            await lock_instructor(instructor.id)
            await release_stale_holds(instructor_id=instructor.id)
            await release_stale_holds(student_id=student_id)
            settings = await settings_of(instructor.id)
            if start < now + timedelta(minutes=settings["min_notice_minutes"]):
                raise slot_taken("That time is in the past or inside the instructor's minimum notice")
            local_day = start.astimezone(instructor.tz).date()
            open_now = await compute_open_slots(instructor, local_day, local_day, data.duration_minutes, now)
            if not slot_is_open(open_now, start):
                raise slot_taken(NOT_OPEN)
            held = bool(data.hold)
            price = lesson_price(offer["hourly_rate_cents"], start, end)
            rows = await Booking.insert(
                Booking(
                    instructor=instructor.id,
                    student=student_id,
                    service=data.service_id,
                    start_at=start,
                    end_at=end,
                    blocked_until=end + timedelta(minutes=settings["buffer_minutes"]),
                    status=BookingStatus.held if held else BookingStatus.confirmed,
                    expires_at=now + timedelta(minutes=settings["hold_minutes"]) if held else None,
                    idempotency_key=idempotency_key,
                    idempotency_fingerprint=fingerprint if idempotency_key else None,
                    price_cents=price,
                    created_at=now,
                    updated_at=now,
                )
            ).returning(*Booking.all_columns())
            # A referred student's first booking brings credit that may pay for all of it: count it
            # before asking for a card (a 402 rolls the booking and the credit back together).
            await credit_first_booking(services, effects, rows[0])
            if not held:
                await payments.require_payment_method(student_id, price)
            await payments.open_payment(services, effects, rows[0], now)
            await _booked(services, effects, instructor, rows[0], by=student_id)
    except asyncpg.ExclusionViolationError as exc:
        raise overlap_refused(exc) from None
    if not held:
        try:
            await payments.authorize_if_due(services, rows[0]["id"])
        except payments.CardDeclined as declined:
            await undo_declined_booking(services, rows[0]["id"])
            raise declined.refusal() from None
        except payments.PaymentUnavailable as unavailable:
            await undo_unreachable_booking(services, rows[0]["id"])
            raise unavailable.refusal() from None
    return Booked(rows[0], instructor, created=True)


def overlap_refused(exc: asyncpg.ExclusionViolationError) -> ApiError:
    # The database is the last word on overlaps: the student's own lessons, or a race we lost.
    who = "You already have a lesson" if "student" in (exc.constraint_name or "") else "Another booking holds"
    return slot_taken(f"{who} at that time")


async def _booked(
    services: Services, effects: Effects, instructor: Instructor, booking: dict[str, Any], *, by: int
) -> None:
    await events.booking_changed(effects, instructor, booking, by=by)
    if booking["status"] == BookingStatus.held:
        job_id = services.job_id("hold", booking["id"])
        await effects.job("release_expired_hold", booking["id"], job_id=job_id, defer_until=booking["expires_at"])
    else:
        await events.notify_booked(effects, instructor, await with_parties(booking))


async def get_booking(booking_id: int) -> dict[str, Any]:
    row = await Booking.select().where(Booking.id == booking_id).first()
    if row is None:
        raise ApiError(404, f"No booking with id {booking_id}", code="not_found")
    return row


async def booking_for(user: Any, booking_id: int) -> dict[str, Any]:
    """A booking as its student, its instructor or an admin may read it; anyone else gets a 404."""
    row = await get_booking(booking_id)
    if user.id not in (row["student"], row["instructor"]) and user.role != "admin":
        raise ApiError(404, f"No booking with id {booking_id}", code="not_found")
    zone = (
        await Booking.select(Booking.instructor.timezone.as_alias("instructor_timezone"))
        .where(Booking.id == booking_id)
        .first()
    )
    return {**await with_parties(row), **zone}


async def confirm_booking(services: Services, student_id: int, booking_id: int) -> tuple[dict[str, Any], Instructor]:
    row = await get_booking(booking_id)
    if row["student"] != student_id:
        raise ApiError(404, f"No booking with id {booking_id}", code="not_found")
    instructor = await find_instructor(row["instructor"])
    if row["status"] == BookingStatus.confirmed:
        return row, instructor
    now = clock_now()
    if row["status"] != BookingStatus.held or row["expires_at"] <= now:
        raise ApiError(409, "This hold expired or was cancelled; book the slot again", code="hold_expired")
    await require_live(instructor.id)
    async with change(services.relay) as effects:
        updated = (
            await Booking.update(
                {Booking.status: BookingStatus.confirmed, Booking.expires_at: None, Booking.updated_at: now}
            )
            .where((Booking.id == booking_id) & (Booking.status == BookingStatus.held) & (Booking.expires_at > now))
            .returning(*Booking.all_columns())
        )
        if not updated:
            raise ApiError(409, "This hold expired or was cancelled; book the slot again", code="hold_expired")
        await credit_first_booking(services, effects, updated[0])
        await payments.require_payment_method(student_id, updated[0]["price_cents"])
        await payments.apply_credits(services, effects, updated[0], now)
        await events.booking_changed(effects, instructor, updated[0], by=student_id)
        await events.notify_booked(effects, instructor, await with_parties(updated[0]))
    try:
        await payments.authorize_if_due(services, booking_id)
    except (payments.CardDeclined, payments.PaymentUnavailable) as refused:
        await undo_declined_confirm(services, booking_id, row["expires_at"])
        raise refused.refusal() from None
    return updated[0], instructor


async def undo_declined_booking(services: Services, booking_id: int) -> None:
    """The card refused the authorization the student waited for: no live booking is left (cancelled
    as payment_failed, credits back), and the 402 says why."""
    from app.bookings.cancel import cancel_unpaid_booking

    await cancel_unpaid_booking(services, booking_id, at_once=True)


async def undo_unreachable_booking(services: Services, booking_id: int) -> None:
    """Stripe unreachable for the authorization the student waited for: as for a decline, but its
    Idempotency-Key is freed so the same request, retried after the outage, books again."""
    from app.bookings.cancel import cancel_unreachable_booking

    await cancel_unreachable_booking(services, booking_id)


async def undo_declined_confirm(services: Services, booking_id: int, expires_at: datetime) -> None:
    """A hold's confirm refused by the card: the hold is back as it was until it expires, its
    credits returned, so the student can add another card and confirm again."""
    now = clock_now()
    async with change(services.relay) as effects:
        rows = await (
            Booking.update(
                {Booking.status: BookingStatus.held, Booking.expires_at: expires_at, Booking.updated_at: now}
            )
            .where((Booking.id == booking_id) & (Booking.status == BookingStatus.confirmed))
            .returning(*Booking.all_columns())
        )
        if not rows:
            return
        await payments.reopen_hold_payment(rows[0], now)
        await events.booking_changed(effects, await find_instructor(rows[0]["instructor"]), rows[0], by=None)


async def release_expired_holds_of(services: Services, student_id: int) -> list[dict[str, Any]]:
    """The worker's side of a hold: released once expired, watchers told in the same change."""
    async with change(services.relay) as effects:
        released = await release_stale_holds(student_id=student_id)
        for booking in released:
            await events.booking_changed(effects, await find_instructor(booking["instructor"]), booking, by=None)
    return released


async def bookings_of(user_id: int, role: str, when: str) -> list[dict[str, Any]]:
    """upcoming: live and not ended, soonest first; past: ended and not cancelled; cancelled: the
    cancelled ones (held that expired included); both newest first."""
    now = clock_now()
    mine = (Booking.student == user_id) if role == "student" else (Booking.instructor == user_id)
    if when == "upcoming":
        which = (Booking.end_at > now) & live_bookings_condition()
    elif when == "past":
        which = (Booking.end_at <= now) & Booking.status.is_in([BookingStatus.confirmed, BookingStatus.completed])
    else:
        which = Booking.status == BookingStatus.cancelled
    query = Booking.select(*Booking.all_columns(), Booking.instructor.timezone, *PARTIES).where(mine & which)
    rows = await query.order_by(Booking.start_at, ascending=when == "upcoming").limit(500)
    ids = [row["id"] for row in rows]
    paid, reviewed = await payments.payments_of(ids), await reviews_of_lessons(ids)
    return [{**row, "payment": paid[row["id"]], "review": reviewed.get(row["id"])} for row in rows]

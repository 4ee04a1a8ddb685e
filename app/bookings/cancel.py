"""Cancelling a booking under the automated policy (app.payments.policy), money included, and the
quote of what cancelling now would do."""

from __future__ import annotations

from typing import Any

import msgspec

from app.bookings import events
from app.bookings.schemas import CancelPolicy, CancelResult
from app.bookings.service import booking_out, get_booking, with_parties
from app.bookings.tables import Booking, BookingStatus, CancelOutcome
from app.core.errors import ApiError
from app.core.outbox import change
from app.core.time import now as clock_now
from app.instructors.service import Instructor, find_instructor
from app.payments import service as payments
from app.payments.early import undo_early_authorization
from app.payments.policy import CREDIT_CANCELLATION, Cancellation, Canceller, cancellation, unreachable
from app.payments.tables import PaymentStatus
from app.services import Services


async def _party_booking(user_id: int, booking_id: int) -> dict[str, Any]:
    row = await get_booking(booking_id)
    if user_id not in (row["student"], row["instructor"]):
        raise ApiError(404, f"No booking with id {booking_id}", code="not_found")
    if row["status"] == BookingStatus.completed:
        raise ApiError(409, "A completed lesson cannot be cancelled", code="already_completed")
    return row


def _by(row: dict[str, Any], user_id: int) -> Canceller:
    return Canceller.instructor if user_id == row["instructor"] else Canceller.student


def _what_cancelling_does(row: dict[str, Any], user_id: int, payment: dict[str, Any]) -> Cancellation:
    held = row["status"] == BookingStatus.held
    return cancellation(_by(row, user_id), clock_now(), row["start_at"], held, payments.state_of(payment))


def _policy(
    outcome: CancelOutcome, by: int | None, refund: int, credit: int, charged: int, detail: str
) -> CancelPolicy:
    return CancelPolicy(outcome, by, detail, refund_cents=refund, credit_cents=credit, charged_cents=charged)


async def quote_cancellation(user_id: int, booking_id: int) -> CancelPolicy:
    """What cancelling now would do; a cancelled booking answers what its cancellation did."""
    row = await _party_booking(user_id, booking_id)
    payment = await payments.payment_of(booking_id)
    if row["status"] == BookingStatus.cancelled:
        return policy_of(row, payment)
    quote = _what_cancelling_does(row, user_id, payment)
    return _policy(quote.outcome, user_id, quote.refund_cents, quote.credit_cents, quote.charged_cents, quote.detail)


async def cancel_booking(services: Services, user_id: int, booking_id: int) -> tuple[dict[str, Any], Instructor]:
    """The cancelled booking; a repeat returns the same result and tells nobody again."""
    row = await _party_booking(user_id, booking_id)
    instructor = await find_instructor(row["instructor"])
    if row["status"] == BookingStatus.cancelled:
        return row, instructor
    before = await _collect_first(services, row, user_id)
    try:
        return await _cancel(services, user_id, booking_id, instructor), instructor
    except BaseException:
        if before is not None:
            await undo_early_authorization(services, before)
        raise


async def _collect_first(services: Services, row: dict[str, Any], user_id: int) -> dict[str, Any] | None:
    """A late cancel charges the card, which may not be authorized yet (its T-24 h trigger lost and
    the sweep late, or a transient retry pending): it is authorized now, while the canceller waits,
    so the policy charges only what the card really gives. A decline leaves the payment `failed`
    (charged nothing, credits back, as API.md says); Stripe unreachable is a 503 and nothing changes.
    Returns the payment as it was when an authorization may have been made (undone if the cancel fails)."""
    if row["status"] != BookingStatus.confirmed:
        return None
    payment = await payments.payment_of(row["id"])
    if payment["status"] != PaymentStatus.scheduled or not _what_cancelling_does(row, user_id, payment).charged_cents:
        return None
    try:
        outcome = await payments.authorize_if_due(services, row["id"], early=True)
    except payments.CardDeclined:
        return None
    except payments.PaymentUnavailable as unavailable:
        await undo_early_authorization(services, payment)
        raise unavailable.refusal() from None
    return payment if outcome.status == "authorized" else None


async def _cancel(services: Services, user_id: int, booking_id: int, instructor: Instructor) -> dict[str, Any]:
    now = clock_now()
    async with change(services.relay) as effects:
        # The booking, then its payment, locked before the policy reads them: a confirm or a
        # worker's authorization racing this cancel waits for it (and finds it cancelled).
        current = await Booking.select().where(Booking.id == booking_id).lock_rows("NO KEY UPDATE").first()
        if current is None or current["status"] not in (BookingStatus.held, BookingStatus.confirmed):
            return await get_booking(booking_id)
        payment = await payments.payment_of(booking_id, for_update=True)
        result = _what_cancelling_does(current, user_id, payment)
        if result.charged_cents and payment["status"] == PaymentStatus.scheduled:
            # Its authorization is still out (another process's attempt): never charge what nobody collected.
            raise payments.PaymentUnavailable().refusal()
        changes = {
            Booking.status: BookingStatus.cancelled,
            Booking.cancelled_by: user_id,
            Booking.cancel_outcome: result.outcome,
            Booking.updated_at: now,
        }
        cancelled = (await Booking.update(changes).where(Booking.id == booking_id).returning(*Booking.all_columns()))[0]
        await payments.settle_cancellation(services, effects, cancelled, result, now)
        await events.booking_changed(effects, instructor, cancelled, by=user_id)
        told = await with_parties(cancelled)
        await events.notify_cancelled(effects, instructor, told, by=user_id, outcome=result.detail)
    return cancelled


async def cancel_unpaid_booking(services: Services, booking_id: int, *, at_once: bool = False) -> dict[str, Any] | None:
    """The worker's: an authorization still `failed` 12 h before the start cancels the booking
    (`payment_failed`, cancelled_by null, credits returned). None when it is not due (any more).
    `at_once`: a booking whose card refused the authorization the student waited for."""
    now = clock_now()
    async with change(services.relay) as effects:
        current = await Booking.select().where(Booking.id == booking_id).lock_rows("NO KEY UPDATE").first()
        if current is None or current["status"] != BookingStatus.confirmed:
            return None
        payment = await payments.payment_of(booking_id, for_update=True)
        due = at_once or current["start_at"] - now <= CREDIT_CANCELLATION
        if payment["status"] != PaymentStatus.failed or not due:
            return None
        result = cancellation(Canceller.system, now, current["start_at"], False, payments.state_of(payment))
        return await _cancelled_unpaid(services, effects, booking_id, result, {})


async def cancel_unreachable_booking(services: Services, booking_id: int) -> dict[str, Any] | None:
    """A booking whose authorization could not reach Stripe while the student waited (their 503):
    cancelled as unpaid, nothing held, credits back, and its Idempotency-Key freed so the same
    request retried after the outage books again."""
    async with change(services.relay) as effects:
        current = await Booking.select().where(Booking.id == booking_id).lock_rows("NO KEY UPDATE").first()
        if current is None or current["status"] != BookingStatus.confirmed:
            return None
        payment = await payments.payment_of(booking_id, for_update=True)
        if payment["payment_intent_id"] is not None:
            return None  # authorized after all (a racing sweep): the booking stands
        result = unreachable(payments.state_of(payment))
        key_freed = {Booking.idempotency_key: None, Booking.idempotency_fingerprint: None}
        return await _cancelled_unpaid(services, effects, booking_id, result, key_freed)


async def _cancelled_unpaid(
    services: Services, effects, booking_id: int, result: Cancellation, more: dict
) -> dict[str, Any]:
    now = clock_now()
    changes = {
        Booking.status: BookingStatus.cancelled,
        Booking.cancel_outcome: result.outcome,
        Booking.updated_at: now,
        **more,
    }
    cancelled = (await Booking.update(changes).where(Booking.id == booking_id).returning(*Booking.all_columns()))[0]
    await payments.settle_cancellation(services, effects, cancelled, result, now)
    instructor = await find_instructor(cancelled["instructor"])
    await events.booking_changed(effects, instructor, cancelled, by=None)
    await events.notify_unpaid_cancelled(effects, instructor, await with_parties(cancelled), result.detail)
    return cancelled


def policy_of(row: dict[str, Any], payment: dict[str, Any]) -> CancelPolicy:
    outcome = CancelOutcome(row["cancel_outcome"])
    refund, credit, charged, detail = payments.settled(outcome, payment)
    return _policy(outcome, row["cancelled_by"], refund, credit, charged, detail)


def cancel_result(row: dict[str, Any], tz_name: str) -> CancelResult:
    """`row` as booking_out wants it (with_parties)."""
    policy = policy_of(row, row["payment"])
    return CancelResult(**msgspec.structs.asdict(booking_out(row, tz_name)), policy=policy)

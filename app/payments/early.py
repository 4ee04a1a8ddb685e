"""Authorizations made before the change that needs them, while the student waits: a reschedule into
the next 24 h, a late cancel of a lesson not authorized yet. When that change is then refused (the
slot taken meanwhile, a 409, Stripe unreachable), the payment goes back to what it was and the
authorization made for it is released under a key of its own, `booking:{id}:authorize:{attempt}:release`
(one per authorization: a later one of the same booking is a different call at Stripe)."""

from __future__ import annotations

from typing import Any

import stripe
import structlog

from app.bookings.tables import Booking, BookingStatus
from app.core.outbox import change
from app.core.time import now as clock_now
from app.payments.tables import Payment
from app.services import Services

log = structlog.get_logger()
RELEASE_FUNCTION = "release_unused_authorization"


async def payment_before(booking_id: int) -> dict[str, Any]:
    row = await Payment.select().where(Payment.booking == booking_id).first()
    if row is None:
        raise LookupError(f"booking {booking_id} has no payment row")
    return row


async def undo_early_authorization(services: Services, before: dict[str, Any]) -> None:
    """The payment as it was before the early attempt; only its attempt number moves on, so the next
    authorization is a new call at Stripe rather than a replay of the one released here."""
    async with change(services.relay) as effects:
        booking = await Booking.select().where(Booking.id == before["booking"]).lock_rows("NO KEY UPDATE").first()
        current = await Payment.select().where(Payment.id == before["id"]).lock_rows("NO KEY UPDATE").first()
        if booking is None or booking["status"] != BookingStatus.confirmed:
            return  # cancelled meanwhile: the cancel's own release covers what was authorized
        made = current["payment_intent_id"] if current["payment_intent_id"] != before["payment_intent_id"] else None
        # An authorization that succeeded was recorded without moving its attempt on; a refused one was.
        attempt = current["authorize_attempt"] + 1 if made else current["authorize_attempt"]
        await Payment.update(
            {
                Payment.status: before["status"],
                Payment.payment_intent_id: before["payment_intent_id"],
                Payment.authorize_at: before["authorize_at"],
                Payment.next_attempt_at: before["next_attempt_at"],
                Payment.authorize_attempt: attempt,
                Payment.updated_at: clock_now(),
            }
        ).where(Payment.id == before["id"])
        if made:
            used = current["authorize_attempt"]
            job_id = services.job_id("booking", before["booking"], "authorize", used, "release")
            await effects.job(RELEASE_FUNCTION, before["booking"], made, used, job_id=job_id)


async def release_unused_authorization(services: Services, booking_id: int, intent_id: str, attempt: int) -> str:
    """The worker's: cancels an authorization no payment uses (safe to run twice: Stripe replays it)."""
    payment = await Payment.select(Payment.payment_intent_id).where(Payment.booking == booking_id).first()
    if payment is not None and payment["payment_intent_id"] == intent_id:
        return "in_use"
    try:
        key = services.stripe.idempotency_key("booking", booking_id, "authorize", attempt, "release")
        await services.stripe.client.v1.payment_intents.cancel_async(intent_id, options={"idempotency_key": key})
    except stripe.InvalidRequestError as exc:
        intent = await services.stripe.client.v1.payment_intents.retrieve_async(intent_id)
        if intent.status != "canceled":
            log.error("unused_authorization_release_refused", booking_id=booking_id, error=str(exc))
            return "refused"
    return "released"

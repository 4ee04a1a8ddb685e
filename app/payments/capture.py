"""The card's steps after authorization: capture (a completed lesson, or a late cancel), release
(cancel the PaymentIntent) and refund (an instructor's cancel after a capture). Each is one Stripe
call under `booking:{id}:<step>`, made holding no lock; a rerun after a crash makes the same call,
which Stripe replays. A capture of a delivered lesson records the instructor's transfer job."""

from __future__ import annotations

import os
import signal
from datetime import datetime
from typing import Any

import stripe
import structlog

from app.bookings.tables import Booking, BookingStatus, CancelOutcome
from app.core.outbox import Effects, change
from app.core.time import now as clock_now
from app.notifications.service import notify
from app.payments.authorization import authorize_booking
from app.payments.money import dollars
from app.payments.tables import Payment, PaymentStatus
from app.services import Services

log = structlog.get_logger()
TRANSFER_FUNCTION = "transfer_earning"


async def _payment(booking_id: int) -> dict[str, Any] | None:
    return await Payment.select().where(Payment.booking == booking_id).first()


async def capture_payment(services: Services, booking_id: int) -> str:
    payment = await _payment(booking_id)
    if payment is None or payment["capture_due_at"] is None:
        return "nothing_due"
    if payment["payment_intent_id"] is None:
        # Completed before any authorization happened (the trigger was lost): authorize now.
        await authorize_booking(services, booking_id, for_capture=True)
        payment = await _payment(booking_id)
        if payment["payment_intent_id"] is None:
            return "not_authorized"
    amount = payment["captured_cents"] if payment["status"] == PaymentStatus.captured else payment["card_amount_cents"]
    try:
        intent = await services.stripe.capture(booking_id, payment["payment_intent_id"], amount)
    except stripe.InvalidRequestError as exc:
        intent = await services.stripe.client.v1.payment_intents.retrieve_async(payment["payment_intent_id"])
        if intent.status != "succeeded":
            log.error("capture_refused", booking_id=booking_id, error=str(exc), intent_status=intent.status)
            return "refused"
    if services.settings.fault_injection == "kill_after_capture":
        os.kill(os.getpid(), signal.SIGKILL)
    async with change(services.relay) as effects:
        await record_capture(services, effects, booking_id, intent.amount_received, clock_now())
    return "captured"


async def record_capture(
    services: Services, effects: Effects, booking_id: int, amount: int, now: datetime
) -> dict[str, Any] | None:
    """In a change: the payment is captured (once), the student told, and a delivered lesson's
    earning goes to the transfer job. Also the capture webhook's effect, whichever comes first."""
    rows = await Payment.raw(
        "UPDATE payments SET status = 'captured', captured_cents = {}, capture_due_at = NULL, updated_at = {} "
        "WHERE booking = {} AND capture_due_at IS NOT NULL AND status IN ('authorized', 'captured') RETURNING *",
        amount,
        now,
        booking_id,
    )
    if not rows:
        return None
    booking = await Booking.select().where(Booking.id == booking_id).first()
    await notify(
        effects,
        booking["student"],
        "payment.captured",
        "Card charged",
        f"{dollars(amount)} was charged to your card for booking #{booking_id}.",
        {"booking_id": booking_id, "amount_cents": amount},
    )
    delivered = (
        booking["status"] == BookingStatus.completed or booking["cancel_outcome"] == CancelOutcome.charged_in_full
    )
    if delivered:
        await effects.job(TRANSFER_FUNCTION, booking_id, job_id=services.job_id("booking", booking_id, "transfer"))
    return rows[0]


async def release_payment(services: Services, booking_id: int) -> str:
    payment = await _payment(booking_id)
    if payment is None or payment["payment_intent_id"] is None:
        return "no_payment_intent"
    if payment["status"] not in (PaymentStatus.released, PaymentStatus.failed):
        return "not_released"
    try:
        await services.stripe.release(booking_id, payment["payment_intent_id"])
    except stripe.InvalidRequestError as exc:
        intent = await services.stripe.client.v1.payment_intents.retrieve_async(payment["payment_intent_id"])
        if intent.status != "canceled":
            log.error("release_refused", booking_id=booking_id, error=str(exc), intent_status=intent.status)
            return "refused"
    return "released"


async def refund_payment(services: Services, booking_id: int) -> str:
    payment = await _payment(booking_id)
    if payment is None or payment["payment_intent_id"] is None:
        return "no_payment_intent"
    if payment["status"] != PaymentStatus.refunded or not payment["refunded_cents"]:
        return "not_refunded"
    await services.stripe.refund(booking_id, payment["payment_intent_id"], payment["refunded_cents"], 1)
    return "refunded"

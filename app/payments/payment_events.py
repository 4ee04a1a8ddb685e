"""Webhook handlers of a booking's PaymentIntent (payment_intent.*), registered with
app.payments.webhooks; each runs in its event's transaction. They record what the worker's own
call would have recorded had it lived to (a worker killed after Stripe answered): a payment only
moves forward, so duplicates, replays and any order end in the state the latest step implies."""

from __future__ import annotations

from typing import Any

import structlog

from app.bookings.tables import Booking, BookingStatus
from app.core.outbox import Effects
from app.core.time import now
from app.payments.authorization import notify_authorization_failed, notify_authorized
from app.payments.capture import record_capture
from app.payments.tables import Payment, PaymentStatus
from app.payments.webhooks import handles
from app.services import Services

log = structlog.get_logger()


def _booking_id(intent: dict[str, Any]) -> int | None:
    raw = (intent.get("metadata") or {}).get("booking_id")
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 10 else None


async def _payment_of(intent: dict[str, Any]) -> dict[str, Any] | None:
    """The payment this intent is about, locked; None for an intent of no booking of ours (or one
    of an earlier attempt the payment no longer follows)."""
    booking_id = _booking_id(intent)
    if booking_id is None:
        return None
    await Booking.select(Booking.id).where(Booking.id == booking_id).lock_rows("NO KEY UPDATE")
    payment = await Payment.select().where(Payment.booking == booking_id).lock_rows("NO KEY UPDATE").first()
    if payment is None or payment["payment_intent_id"] not in (None, intent["id"]):
        return None
    customer_amount = payment["card_amount_cents"]
    return payment if intent.get("amount") == customer_amount else None


@handles("payment_intent.amount_capturable_updated")
async def intent_authorized(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    intent = event["data"]["object"]
    payment = await _payment_of(intent)
    if payment is None or payment["payment_intent_id"] is not None:
        return  # already recorded (by the worker, or this event before)
    booking = await Booking.select().where(Booking.id == payment["booking"]).first()
    changes: dict[Any, Any] = {Payment.payment_intent_id: intent["id"], Payment.next_attempt_at: None}
    wanted = booking["status"] in (BookingStatus.confirmed, BookingStatus.completed)
    if wanted and payment["status"] in (PaymentStatus.scheduled, PaymentStatus.failed):
        changes[Payment.status] = PaymentStatus.authorized
    # The attempt the worker made is over: its next one (if any) takes a new key.
    changes[Payment.authorize_attempt] = payment["authorize_attempt"] + 1
    changes[Payment.updated_at] = now()
    await Payment.update(changes).where(Payment.id == payment["id"])
    if Payment.status in changes:
        await notify_authorized(effects, booking, payment)
    elif payment["status"] == PaymentStatus.released:
        job_id = services.job_id("booking", booking["id"], "release", intent["id"])
        await effects.job("release_card_authorization", booking["id"], job_id=job_id)


@handles("payment_intent.succeeded")
async def intent_captured(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    intent = event["data"]["object"]
    payment = await _payment_of(intent)
    if payment is None or payment["payment_intent_id"] is None:
        return
    await record_capture(services, effects, payment["booking"], int(intent.get("amount_received") or 0), now())


@handles("payment_intent.payment_failed")
async def intent_declined(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    """The attempt the payment is making was declined (the worker died before recording it)."""
    intent = event["data"]["object"]
    payment = await _payment_of(intent)
    attempt = (intent.get("metadata") or {}).get("attempt")
    if payment is None or payment["payment_intent_id"] is not None or attempt != str(payment["authorize_attempt"]):
        return
    booking = await Booking.select().where(Booking.id == payment["booking"]).first()
    if booking["status"] != BookingStatus.confirmed or payment["status"] != PaymentStatus.scheduled:
        return
    await Payment.update(
        {
            Payment.status: PaymentStatus.failed,
            Payment.authorize_attempt: payment["authorize_attempt"] + 1,
            Payment.next_attempt_at: None,
            Payment.updated_at: now(),
        }
    ).where(Payment.id == payment["id"])
    error = intent.get("last_payment_error") or {}
    await notify_authorization_failed(effects, booking, payment, error.get("code"))


@handles("payment_intent.canceled")
async def intent_cancelled(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    """A cancel we asked for was recorded when we asked (released). One Stripe made by itself
    (capture_before passed) leaves an authorized payment that cannot be captured: logged loudly."""
    intent = event["data"]["object"]
    if intent.get("cancellation_reason") != "automatic":
        return
    payment = await _payment_of(intent)
    if payment is not None and payment["status"] == PaymentStatus.authorized:
        log.error("authorization_expired_at_stripe", booking_id=payment["booking"], intent=intent["id"])

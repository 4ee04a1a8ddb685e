"""A booking's money: its payment row, credits paying first, what a cancellation moves, and the
seams where the Stripe calls go (authorize, capture, release, refund). Money moves only through here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from app.bookings.tables import BookingStatus, CancelOutcome
from app.core.errors import ApiError
from app.core.outbox import Effects
from app.core.time import to_iso
from app.payments import credits
from app.payments.money import dollars, platform_fee
from app.payments.policy import Cancellation, PaymentState, in_words
from app.payments.schemas import PaymentOut
from app.payments.tables import CreditKind, Payment, PaymentStatus
from app.services import Services

log = structlog.get_logger()
AUTHORIZE_AHEAD = timedelta(hours=24)


def _card_status(card_amount_cents: int) -> PaymentStatus:
    return PaymentStatus.scheduled if card_amount_cents else PaymentStatus.not_needed


async def open_payment(booking: dict[str, Any], now: datetime) -> dict[str, Any]:
    """In the booking's transaction. A confirmed booking spends the student's credits first, the
    card pays the rest; a hold spends nothing until its confirm (apply_credits)."""
    price = booking["price_cents"]
    held = booking["status"] == BookingStatus.held
    applied = 0 if held else await _spend(booking, price)
    rows = await Payment.insert(
        Payment(
            booking=booking["id"],
            status=_card_status(price - applied),
            amount_cents=price,
            credits_applied_cents=applied,
            card_amount_cents=price - applied,
            authorize_at=booking["start_at"] - AUTHORIZE_AHEAD if price - applied else None,
            created_at=now,
            updated_at=now,
        )
    ).returning(*Payment.all_columns())
    return rows[0]


async def apply_credits(booking: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A hold's confirm: what a booking does at once, done now, in the confirm's transaction."""
    payment = await payment_of(booking["id"], for_update=True)
    applied = await _spend(booking, payment["amount_cents"])
    card = payment["amount_cents"] - applied
    rows = await (
        Payment.update(
            {
                Payment.credits_applied_cents: applied,
                Payment.card_amount_cents: card,
                Payment.status: _card_status(card),
                Payment.authorize_at: booking["start_at"] - AUTHORIZE_AHEAD if card else None,
                Payment.updated_at: now,
            }
        )
        .where(Payment.id == payment["id"])
        .returning(*Payment.all_columns())
    )
    return rows[0]


async def _spend(booking: dict[str, Any], price_cents: int) -> int:
    try:
        return await credits.spend_for_booking(booking["student"], booking["id"], price_cents)
    except credits.CreditsShort as short:
        # Another booking spent the same balance between our read and our spend: the database
        # refused, this whole booking is undone; booking again reads the new balance.
        raise ApiError(
            409,
            "Your credit balance changed while booking (another booking used it); book again",
            code="credit_balance_changed",
            body=short.body,
        ) from None


async def authorize_if_due(services: Services, booking_id: int) -> None:
    """THE STRIPE SEAM for authorization at booking, confirm and reschedule: called after the
    booking's transaction commits (no Stripe call may hold the instructor's lock). A lesson whose
    authorize_at has passed (less than 24 h ahead) is authorized here, off-session, before the
    response, with the idempotency key `booking:{id}:authorize:{attempt}`; a decline cancels the
    booking and answers 402 (API.md). Until the Stripe client exists (services.stripe), nothing is
    called: the payment stays `scheduled` with its authorize_at due, for the worker's sweep."""
    return None


async def payment_of(booking_id: int, *, for_update: bool = False) -> dict[str, Any]:
    query = Payment.select().where(Payment.booking == booking_id)
    if for_update:
        query = query.lock_rows("NO KEY UPDATE")
    row = await query.first()
    if row is None:
        raise LookupError(f"booking {booking_id} has no payment row")
    return row


async def payments_of(booking_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not booking_ids:
        return {}
    rows = await Payment.select().where(Payment.booking.is_in(booking_ids))
    return {row["booking"]: row for row in rows}


def payment_out(row: dict[str, Any], tz: ZoneInfo) -> PaymentOut:
    return PaymentOut(
        status=PaymentStatus(row["status"]),
        amount_cents=row["amount_cents"],
        credits_applied_cents=row["credits_applied_cents"],
        card_amount_cents=row["card_amount_cents"],
        authorize_at=to_iso(row["authorize_at"], tz) if row["authorize_at"] else None,
        captured_cents=row["captured_cents"],
        refunded_cents=row["refunded_cents"],
        credited_cents=row["credited_cents"],
    )


def state_of(payment: dict[str, Any]) -> PaymentState:
    return PaymentState(
        status=PaymentStatus(payment["status"]),
        credits_applied_cents=payment["credits_applied_cents"],
        card_amount_cents=payment["card_amount_cents"],
        captured_cents=payment["captured_cents"],
    )


def settled(outcome: CancelOutcome, payment: dict[str, Any]) -> tuple[int, int, int, str]:
    """A cancelled booking's refund, credit, charged cents and sentence, read back from its payment."""
    refund, credit = payment["refunded_cents"], payment["credited_cents"]
    charged = payment["captured_cents"] - refund
    return refund, credit, charged, in_words(outcome, refund, credit, charged)


async def settle_cancellation(
    services: Services, effects: Effects, booking: dict[str, Any], result: Cancellation, now: datetime
) -> dict[str, Any]:
    """In the cancel's transaction: the payment moves as the policy says, credits come back as
    entries, and the card's side (release, capture, refund) is recorded as an outbox job."""
    before = await payment_of(booking["id"], for_update=True)
    delivered = result.outcome is CancelOutcome.charged_in_full and result.charged_cents
    changes = {
        Payment.status: result.payment_status,
        Payment.captured_cents: result.charged_cents or before["captured_cents"],
        Payment.refunded_cents: result.refund_cents,
        Payment.credited_cents: result.credit_cents,
        # A late cancel is a delivered lesson: the instructor earns price - fee (API.md).
        Payment.fee_cents: platform_fee(before["amount_cents"], services.settings.platform_fee_percent)
        if delivered
        else 0,
        Payment.capture_due_at: now if result.payment_status is PaymentStatus.captured else None,
        Payment.next_attempt_at: None,
        Payment.updated_at: now,
    }
    rows = await Payment.update(changes).where(Payment.id == before["id"]).returning(*Payment.all_columns())
    student, booking_id = booking["student"], booking["id"]
    if result.returned_cents:
        reason = f"Credits back from cancelled booking #{booking_id}"
        await credits.add_entry(
            student, result.returned_cents, CreditKind.return_, booking_id=booking_id, reason=reason
        )
    if result.cancellation_credit_cents:
        reason = f"The card's {dollars(result.cancellation_credit_cents)} of booking #{booking_id}, as credit"
        await credits.add_entry(
            student, result.cancellation_credit_cents, CreditKind.cancellation, booking_id=booking_id, reason=reason
        )
    await _record_card_job(services, effects, before, result.payment_status, booking_id)
    return rows[0]


CARD_JOBS = {
    PaymentStatus.released: ("release_card_authorization", "release"),
    PaymentStatus.captured: ("capture_card_payment", "capture"),
    PaymentStatus.refunded: ("refund_card_payment", "refund"),
}


async def _record_card_job(
    services: Services, effects: Effects, before: dict[str, Any], status: PaymentStatus, booking_id: int
) -> None:
    if status == before["status"] or status not in CARD_JOBS or not before["card_amount_cents"]:
        return
    function, step = CARD_JOBS[status]
    await effects.job(function, booking_id, job_id=services.job_id("booking", booking_id, step))


async def release_payments_of(booking_ids: list[int], now: datetime) -> None:
    """Expired holds: they spent no credits, so releasing is the whole of it."""
    if booking_ids:
        await Payment.update({Payment.status: PaymentStatus.released, Payment.updated_at: now}).where(
            Payment.booking.is_in(booking_ids) & (Payment.status == PaymentStatus.scheduled)
        )


async def move_authorization(booking_id: int, new_start: datetime, now: datetime) -> None:
    """A reschedule: the same payment, authorized 24 h before the new start."""
    await Payment.update(
        {Payment.authorize_at: new_start - AUTHORIZE_AHEAD, Payment.next_attempt_at: None, Payment.updated_at: now}
    ).where((Payment.booking == booking_id) & (Payment.status == PaymentStatus.scheduled))


# The worker's card steps (tasks/payments.py), recorded by cancellations. Each acts only on a
# payment Stripe knows (payment_intent_id set), and none is set until the Stripe wiring lands:
# then each becomes one idempotent call keyed `booking:{id}:<step>` (payment_intents cancel,
# capture with amount_to_capture=captured_cents, refunds create). No fake calls meanwhile.


async def _intent_of(booking_id: int) -> str | None:
    row = await Payment.select(Payment.payment_intent_id).where(Payment.booking == booking_id).first()
    return row["payment_intent_id"] if row else None


async def card_step(services: Services, booking_id: int, step: str) -> str:
    intent = await _intent_of(booking_id)
    if intent is None:
        return "no_payment_intent"
    log.warning("stripe_not_wired", booking_id=booking_id, step=step, payment_intent_id=intent)
    return "stripe_not_wired"


async def unpaid_bookings_due(now: datetime) -> list[int]:
    """Bookings whose authorization is still `failed` 12 h before their start: the worker cancels them."""
    rows = await Payment.raw(
        "SELECT p.booking FROM payments p JOIN bookings b ON b.id = p.booking "
        "WHERE p.status = 'failed' AND b.status = 'confirmed' AND b.start_at - interval '12 hours' <= {} "
        "ORDER BY b.start_at LIMIT 500",
        now,
    )
    return [row["booking"] for row in rows]

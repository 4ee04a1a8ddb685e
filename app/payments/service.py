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
from app.payments import authorization, capture, credits
from app.payments.cards import default_card
from app.payments.money import dollars, platform_fee
from app.payments.policy import Cancellation, PaymentState, in_words
from app.payments.schemas import PaymentOut
from app.payments.tables import CreditKind, Payment, PaymentStatus
from app.services import Services

log = structlog.get_logger()
AUTHORIZE_AHEAD = timedelta(hours=24)


def _card_status(card_amount_cents: int) -> PaymentStatus:
    return PaymentStatus.scheduled if card_amount_cents else PaymentStatus.not_needed


async def open_payment(services: Services, effects: Effects, booking: dict[str, Any], now: datetime) -> dict[str, Any]:
    """In the booking's transaction. A confirmed booking spends the student's credits first, the
    card pays the rest, authorized at authorize_at (a job deferred to then); a hold spends nothing
    until its confirm (apply_credits)."""
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
    await _schedule(services, effects, rows[0], held)
    return rows[0]


async def _schedule(services: Services, effects: Effects, payment: dict[str, Any], held: bool) -> None:
    if not held and payment["authorize_at"] is not None and payment["status"] == PaymentStatus.scheduled:
        await authorization.schedule_authorization(services, effects, payment["booking"], payment["authorize_at"])


async def apply_credits(services: Services, effects: Effects, booking: dict[str, Any], now: datetime) -> dict[str, Any]:
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
    await _schedule(services, effects, rows[0], held=False)
    return rows[0]


async def reopen_hold_payment(booking: dict[str, Any], now: datetime) -> None:
    """A confirm the card refused: the hold spends nothing again (its credits come back)."""
    payment = await payment_of(booking["id"], for_update=True)
    if payment["credits_applied_cents"]:
        await credits.add_entry(
            booking["student"],
            payment["credits_applied_cents"],
            CreditKind.return_,
            booking_id=booking["id"],
            reason=f"Credits back: the card refused booking #{booking['id']}'s confirm",
        )
    price = payment["amount_cents"]
    await Payment.update(
        {
            Payment.credits_applied_cents: 0,
            Payment.card_amount_cents: price,
            Payment.status: _card_status(price),
            Payment.authorize_at: booking["start_at"] - AUTHORIZE_AHEAD if price else None,
            Payment.next_attempt_at: None,
            Payment.updated_at: now,
        }
    ).where(Payment.id == payment["id"])


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


async def authorize_if_due(services: Services, booking_id: int, *, early: bool = False) -> authorization.Outcome:
    """Called after the booking's transaction commits (no Stripe call may hold the instructor's
    lock): a lesson whose authorize_at has passed (less than 24 h ahead) is authorized now, before
    the response. A decline raises the 402, Stripe unreachable (after the SDK's retries) the 503,
    that the caller turns into its own undo (API.md)."""
    outcome = await authorization.authorize_booking(services, booking_id, at_booking=True, early=early)
    if outcome.status == "declined":
        raise CardDeclined(outcome.code or "card_declined")
    if outcome.status == "transient":
        raise PaymentUnavailable()
    return outcome


class CardDeclined(Exception):
    """The card refused an authorization made while the student waits: a 402 once the booking is undone."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def refusal(self) -> ApiError:
        words = {
            "authentication_required": "Your bank asks you to confirm this payment; add another card",
            "payment_method_required": "Add a card: your credits do not cover the price",
            authorization.PROCESSING_ERROR: "The payment could not be processed; try again or add another card",
        }
        return ApiError(402, words.get(self.code, "The card was declined; add another card"), code=self.code)


RETRY_AFTER_SECONDS = 10


class PaymentUnavailable(Exception):
    """Stripe could not be reached (5xx, connection, rate limit) while the student waits: a 503 once
    the request is undone, so a retry after the outage does it all again."""

    def refusal(self) -> ApiError:
        return ApiError(
            503,
            "The payment service is briefly unavailable; nothing was changed, retry in a few seconds",
            code="payment_unavailable",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


async def require_payment_method(student_id: int, price_cents: int) -> None:
    """In the booking's transaction, after the slot check (API.md's order): a card, or credits for all of it."""
    if price_cents <= await credits.balance_of(student_id):
        return
    if await default_card(student_id) is None:
        raise CardDeclined("payment_method_required").refusal()


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


async def move_authorization(
    services: Services, effects: Effects, booking_id: int, new_start: datetime, now: datetime
) -> None:
    """A reschedule: the same payment, authorized 24 h before the new start (or already, early)."""
    rows = await (
        Payment.update(
            {Payment.authorize_at: new_start - AUTHORIZE_AHEAD, Payment.next_attempt_at: None, Payment.updated_at: now}
        )
        .where(
            (Payment.booking == booking_id)
            & Payment.status.is_in([PaymentStatus.scheduled, PaymentStatus.authorized])
            & Payment.authorize_at.is_not_null()
        )
        .returning(*Payment.all_columns())
    )
    if rows:
        await _schedule(services, effects, rows[0], held=False)


CARD_STEPS = {"release": capture.release_payment, "capture": capture.capture_payment, "refund": capture.refund_payment}


async def card_step(services: Services, booking_id: int, step: str) -> str:
    """The worker's card steps (tasks/payments.py), recorded by cancellations and completions: one
    idempotent Stripe call keyed `booking:{id}:<step>`, acting only on a payment Stripe knows."""
    return await CARD_STEPS[step](services, booking_id)


async def complete_payment(services: Services, effects: Effects, booking: dict[str, Any], now: datetime) -> None:
    """In the completion's transaction: the lesson is delivered, the instructor earns price - fee;
    the card's share is captured by the worker (then the transfer), or, credits having paid it
    all, the transfer goes at once."""
    payment = await payment_of(booking["id"], for_update=True)
    fee = platform_fee(payment["amount_cents"], services.settings.platform_fee_percent)
    changes: dict[Any, Any] = {Payment.fee_cents: fee, Payment.updated_at: now}
    booking_id = booking["id"]
    if payment["card_amount_cents"] and payment["status"] in (PaymentStatus.authorized, PaymentStatus.scheduled):
        changes[Payment.capture_due_at] = now
        await effects.job("capture_card_payment", booking_id, job_id=services.job_id("booking", booking_id, "capture"))
    elif payment["status"] == PaymentStatus.not_needed:
        await effects.job(
            capture.TRANSFER_FUNCTION, booking_id, job_id=services.job_id("booking", booking_id, "transfer")
        )
    await Payment.update(changes).where(Payment.id == payment["id"])


async def captures_due(now: datetime, limit: int = 200) -> list[int]:
    """Captures recorded but not yet made at Stripe (the sweep's half for a lost trigger)."""
    rows = await Payment.raw(
        "SELECT booking FROM payments WHERE capture_due_at <= {}::timestamptz - interval '30 seconds' "
        "AND status IN ('authorized', 'captured', 'scheduled') "
        "ORDER BY capture_due_at LIMIT {}",
        now,
        limit,
    )
    return [row["booking"] for row in rows]


async def authorization_failed(booking_id: int) -> bool:
    return await Payment.exists().where((Payment.booking == booking_id) & (Payment.status == PaymentStatus.failed))


async def unpaid_bookings_due(now: datetime) -> list[int]:
    """Bookings whose authorization is still `failed` 12 h before their start: the worker cancels them."""
    rows = await Payment.raw(
        "SELECT p.booking FROM payments p JOIN bookings b ON b.id = p.booking "
        "WHERE p.status = 'failed' AND b.status = 'confirmed' AND b.start_at - interval '12 hours' <= {} "
        "ORDER BY b.start_at LIMIT 500",
        now,
    )
    return [row["booking"] for row in rows]

"""Authorizing a booking's card share (PaymentIntent, manual capture, off-session) 24 h before the
start, at once for lessons booked closer than that.

An attempt is claimed in one transaction (its number, hence its idempotency key
`booking:{id}:authorize:{attempt}`, committed before the call, with a short lease), the call is made
holding no lock, and its outcome recorded in a second transaction that bumps the attempt for the
next call. A process killed between the call and the record leaves the attempt number unchanged:
the rerun makes the same call, which Stripe replays, so Stripe holds one PaymentIntent per attempt.
"""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import stripe
import structlog

from app.bookings.tables import Booking, BookingStatus
from app.core.outbox import Effects, change
from app.core.time import now as clock_now
from app.notifications.service import notify
from app.payments.cards import default_card
from app.payments.money import dollars
from app.payments.tables import Payment, PaymentStatus
from app.services import Services

log = structlog.get_logger()
AUTHORIZE_FUNCTION = "authorize_booking_payment"
# A claimed attempt whose worker vanished is claimed again (the same key) after this long.
LEASE = timedelta(seconds=30)
BACKOFF = (timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
SWEEP_BATCH = 200
SWEEP_CONCURRENCY = 20
# Stripe errors worth trying again later; anything else about the card is a decline. Not
# IdempotencyError: a key reused with other parameters is our bug, and the same key never heals.
TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
# Stripe's own decline code for a payment that could not be processed: what a second reused key ends as.
PROCESSING_ERROR = "processing_error"


@dataclass(frozen=True)
class Outcome:
    status: str  # authorized, declined, transient, key_reused, not_due
    code: str | None = None  # a decline's Stripe code: card_declined, authentication_required, ...


NOT_DUE = Outcome("not_due")


def authorize_job_id(services: Services, booking_id: int, authorize_at: datetime) -> str:
    """One trigger per scheduled time: a reschedule's new time gets a job of its own."""
    return services.job_id("booking", booking_id, "authorize", int(authorize_at.timestamp()))


async def schedule_authorization(services: Services, effects: Effects, booking_id: int, authorize_at: datetime) -> None:
    """In the booking's transaction: arq's trigger at authorize_at (the sweep is the safety net)."""
    await effects.job(
        AUTHORIZE_FUNCTION,
        booking_id,
        job_id=authorize_job_id(services, booking_id, authorize_at),
        defer_until=authorize_at,
    )


def _due_condition(*, early: bool = False) -> str:
    """Three `{}` for now. Scheduled and due, or failed/retrying with its next attempt due; never one
    waiting for a card. `early`: whatever authorize_at says (a reschedule into the next 24 h)."""
    scheduled = "p.authorize_at <= {}" if not early else "{}::timestamptz IS NOT NULL"
    return (
        "b.status = 'confirmed' AND p.card_amount_cents > 0 AND p.payment_intent_id IS NULL "
        f"AND {scheduled} AND ((p.status = 'scheduled' AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= {{}})) "
        "OR (p.status = 'failed' AND p.next_attempt_at <= {}))"
    )


# A capture is due but no authorization was ever made (its trigger lost before the lesson was
# completed, or a late cancel before T-24 h): authorized now, then captured.
CAPTURE_WITHOUT_AUTHORIZATION = (
    "{}::timestamptz IS NOT NULL AND p.card_amount_cents > 0 AND p.payment_intent_id IS NULL "
    "AND p.capture_due_at IS NOT NULL AND p.status IN ('scheduled', 'captured') "
    "AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= {}) AND {}::timestamptz IS NOT NULL"
)


async def _claim(booking_id: int, now: datetime, *, early: bool, for_capture: bool) -> dict[str, Any] | None:
    """The attempt to make, committed before the call; None when nothing is due (any more).
    `early`: a reschedule authorizing before its move, whatever authorize_at says."""
    condition = CAPTURE_WITHOUT_AUTHORIZATION if for_capture else _due_condition(early=early)
    async with Payment._meta.db.transaction():
        rows = await Payment.raw(
            "SELECT p.id, p.authorize_attempt, p.card_amount_cents, b.student FROM payments p "
            "JOIN bookings b ON b.id = p.booking WHERE p.booking = {} AND " + condition + " FOR NO KEY UPDATE OF b, p",
            booking_id,
            now,
            now,
            now,
        )
        if not rows:
            return None
        row = rows[0]
        attempt = max(row["authorize_attempt"], 1)
        await Payment.update(
            {Payment.authorize_attempt: attempt, Payment.next_attempt_at: now + LEASE, Payment.updated_at: now}
        ).where(Payment.id == row["id"])
    return {**row, "authorize_attempt": attempt}


async def authorize_booking(
    services: Services, booking_id: int, *, at_booking: bool = False, early: bool = False, for_capture: bool = False
) -> Outcome:
    """One attempt when due. `at_booking`: the student is waiting for the answer (a decline is their
    402, not a notification). `early`: a reschedule's, told to the student only once the move holds.
    A key Stripe refuses as reused moves on to the next attempt number once; twice is a failure."""
    for second_key in (False, True):
        claimed = await _claim(booking_id, clock_now(), early=early, for_capture=for_capture)
        if claimed is None:
            return NOT_DUE
        attempt = claimed["authorize_attempt"]
        card = await default_card(claimed["student"])
        if card is None:
            outcome, intent = Outcome("declined", "payment_method_required"), None
        else:
            outcome, intent = await _call(services, booking_id, attempt, claimed["card_amount_cents"], card)
        if outcome.status == "key_reused" and second_key:
            outcome = Outcome("declined", PROCESSING_ERROR)
        if services.settings.fault_injection == "kill_after_authorize" and outcome.status == "authorized":
            os.kill(os.getpid(), signal.SIGKILL)
        await _record(
            services, booking_id, attempt, outcome, intent, notify_failure=not at_booking, notify_success=not early
        )
        if outcome.status != "key_reused":
            return outcome
    raise AssertionError("unreachable: the second reused key is recorded as a failure")


async def _call(
    services: Services, booking_id: int, attempt: int, amount: int, card: dict[str, Any]
) -> tuple[Outcome, str | None]:
    try:
        intent = await services.stripe.authorize(
            booking_id,
            attempt,
            amount_cents=amount,
            customer_id=card["customer_id"],
            payment_method_id=card["stripe_payment_method_id"],
        )
    except stripe.CardError as exc:
        # Off-session, a card that needs its holder (authentication_required) is a decline too.
        return Outcome("declined", exc.code or "card_declined"), None
    except stripe.IdempotencyError as exc:
        # Our bug (one key, other parameters): said loudly, then a new attempt number, hence a new key.
        log.error("authorization_idempotency_key_reused", booking_id=booking_id, attempt=attempt, error=str(exc))
        return Outcome("key_reused"), None
    except TRANSIENT as exc:
        log.warning("authorization_deferred", booking_id=booking_id, attempt=attempt, error=str(exc))
        return Outcome("transient"), None
    except stripe.StripeError as exc:
        log.warning("authorization_refused", booking_id=booking_id, attempt=attempt, error=str(exc))
        return Outcome("declined", exc.code or "card_declined"), None
    if intent.status != "requires_capture":
        return Outcome(
            "declined", "authentication_required" if intent.status == "requires_action" else "card_declined"
        ), None
    return Outcome("authorized"), intent.id


async def _record(
    services: Services,
    booking_id: int,
    attempt: int,
    outcome: Outcome,
    intent: str | None,
    *,
    notify_failure: bool,
    notify_success: bool = True,
) -> None:
    now = clock_now()
    async with change(services.relay) as effects:
        booking = await Booking.select().where(Booking.id == booking_id).lock_rows("NO KEY UPDATE").first()
        payment = await Payment.select().where(Payment.booking == booking_id).lock_rows("NO KEY UPDATE").first()
        if payment["authorize_attempt"] != attempt:
            return  # another run recorded this attempt already
        still_wanted = booking["status"] in (BookingStatus.confirmed, BookingStatus.completed) and payment[
            "status"
        ] in (
            PaymentStatus.scheduled,
            PaymentStatus.failed,
        )
        if outcome.status == "authorized":
            await _authorized(services, effects, booking, payment, intent, still_wanted, now, tell=notify_success)
        elif outcome.status == "key_reused":
            # Due again at once under the next attempt number (its own key).
            await Payment.update(
                {Payment.authorize_attempt: attempt + 1, Payment.next_attempt_at: now, Payment.updated_at: now}
            ).where(Payment.id == payment["id"])
        elif outcome.status == "transient":
            backoff = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
            await Payment.update(
                {
                    Payment.authorize_attempt: attempt + 1,
                    Payment.next_attempt_at: now + backoff,
                    Payment.updated_at: now,
                }
            ).where(Payment.id == payment["id"])
        else:
            changes = {Payment.authorize_attempt: attempt + 1, Payment.next_attempt_at: None, Payment.updated_at: now}
            if still_wanted:
                changes[Payment.status] = PaymentStatus.failed
            await Payment.update(changes).where(Payment.id == payment["id"])
            if still_wanted and notify_failure:
                await notify_authorization_failed(effects, booking, payment, outcome.code)


async def _authorized(
    services: Services,
    effects: Effects,
    booking: dict[str, Any],
    payment: dict[str, Any],
    intent: str | None,
    still_wanted: bool,
    now: datetime,
    *,
    tell: bool = True,
) -> None:
    changes: dict[Any, Any] = {
        Payment.payment_intent_id: intent,
        Payment.next_attempt_at: None,
        Payment.updated_at: now,
    }
    if still_wanted:
        changes[Payment.status] = PaymentStatus.authorized
    await Payment.update(changes).where(Payment.id == payment["id"])
    if still_wanted:
        if tell:
            await notify_authorized(effects, booking, payment)
    elif payment["status"] == PaymentStatus.released:
        # Cancelled while the call was out: the authorization it made goes back at once.
        await effects.job(
            "release_card_authorization",
            booking["id"],
            job_id=services.job_id("booking", booking["id"], "release", intent),
        )
    elif payment["status"] == PaymentStatus.captured and payment["capture_due_at"] is not None:
        # A late cancel (charged) while the call was out: its capture can go now.
        await effects.job(
            "capture_card_payment", booking["id"], job_id=services.job_id("booking", booking["id"], "capture", intent)
        )


async def notify_authorized(effects: Effects, booking: dict[str, Any], payment: dict[str, Any]) -> None:
    await notify(
        effects,
        booking["student"],
        "payment.authorized",
        "Card authorized",
        f"{dollars(payment['card_amount_cents'])} is held on your card for booking #{booking['id']}; "
        "it is charged after the lesson.",
        {"booking_id": booking["id"], "amount_cents": payment["card_amount_cents"]},
    )


async def notify_authorization_failed(
    effects: Effects, booking: dict[str, Any], payment: dict[str, Any], code: str | None
) -> None:
    why = {
        "authentication_required": "your bank asks you to confirm it, which cannot happen while you are away",
        "payment_method_required": "there is no saved card",
        PROCESSING_ERROR: "an error on our side stopped it (we are looking into it)",
    }.get(code or "", "it was declined")
    await notify(
        effects,
        booking["student"],
        "payment.failed",
        "Card authorization failed",
        f"We could not authorize {dollars(payment['card_amount_cents'])} for booking #{booking['id']}: {why}. "
        "Add another card: the booking is cancelled if it is still unpaid 12 hours before it starts.",
        {"booking_id": booking["id"], "code": code or "card_declined"},
    )


async def authorizations_due(now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """The database is the schedule: every authorization due by now that no live worker holds."""
    rows = await Payment.raw(
        "SELECT p.booking FROM payments p JOIN bookings b ON b.id = p.booking WHERE "
        + _due_condition()
        + " ORDER BY p.authorize_at LIMIT {} FOR UPDATE OF p SKIP LOCKED",
        now,
        now,
        now,
        limit,
    )
    return [row["booking"] for row in rows]


async def sweep_authorizations(services: Services) -> int:
    """Authorizes everything due, the calls overlapping (bounded); returns how many were attempted."""
    async with Payment._meta.db.transaction():
        due = await authorizations_due(clock_now())
    gate = asyncio.Semaphore(SWEEP_CONCURRENCY)

    async def one(booking_id: int) -> None:
        async with gate:
            try:
                await authorize_booking(services, booking_id)
            except Exception:
                # Left claimed: its lease runs out and the next sweep makes the same call again.
                log.exception("authorization_sweep_step_failed", booking_id=booking_id)

    await asyncio.gather(*(one(booking_id) for booking_id in due))
    return len(due)


async def failed_authorizations_due_of(student_id: int) -> list[int]:
    """A student's failed authorizations due again (a card was just added)."""
    rows = await Payment.raw(
        "SELECT p.booking FROM payments p JOIN bookings b ON b.id = p.booking WHERE b.student = {} AND "
        + _due_condition()
        + " ORDER BY p.authorize_at",
        student_id,
        clock_now(),
        clock_now(),
        clock_now(),
    )
    return [row["booking"] for row in rows]

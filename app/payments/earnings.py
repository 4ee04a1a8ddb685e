"""An instructor's earnings: price - fee for each delivered lesson (completed, or cancelled with
`charged_in_full`), whatever share credits paid, transferred to its connected account.

The transfer is safe to run twice and to be killed at any instruction: the earning moves to
`transferring` (with its destination) in a commit before the Stripe call, whose idempotency key
is `booking:{id}:transfer`, so a retry is the same call and gets the same transfer back; the
transfer id is written after. An earning whose instructor has no active account waits as
`pending`; account.updated (active) records the transfer jobs of every waiting earning.
"""

from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta
from typing import Any

import stripe
import structlog

from app.bookings.tables import Booking, BookingStatus, CancelOutcome
from app.core.outbox import Effects, change
from app.core.time import now
from app.payments import connect_events
from app.payments.earning_tables import Earning, EarningStatus
from app.payments.money import platform_fee
from app.payments.stripe_tables import ConnectedAccount, ConnectedAccountStatus
from app.payments.tables import Payment, PaymentStatus
from app.payments.webhooks import handles
from app.services import Services

log = structlog.get_logger()
# Registered first, so its account.updated handler runs before this module's: the account is active by then.
HANDLERS_BEFORE = (connect_events,)
TRANSFER_JOB = "transfer_earning"
# A claim older than this was left by a killed run (a live one finishes in seconds).
STUCK_AFTER = timedelta(minutes=1)
# Payment statuses of a delivered lesson whose money is in (an admin refund comes after the earning).
PAID = (PaymentStatus.captured, PaymentStatus.not_needed, PaymentStatus.refunded)


def transfer_job_id(services: Services, booking_id: int) -> str:
    return services.job_id("booking", booking_id, "transfer")


def is_delivered(booking: dict[str, Any], payment: dict[str, Any]) -> bool:
    if payment["status"] not in PAID:
        return False
    if booking["status"] == BookingStatus.completed:
        return True
    return booking["cancel_outcome"] == CancelOutcome.charged_in_full and payment["captured_cents"] > 0


def earning_of_price(payment: dict[str, Any], fee_percent: int) -> int:
    fee = payment["fee_cents"] or platform_fee(payment["amount_cents"], fee_percent)
    return payment["amount_cents"] - fee


async def ensure_earning(services: Services, booking_id: int) -> dict[str, Any] | None:
    """Inside the caller's transaction: the booking's earning, recorded now if the lesson was
    delivered and paid; None when it earns nothing (yet)."""
    existing = await Earning.select().where(Earning.booking == booking_id).lock_rows("NO KEY UPDATE").first()
    if existing is not None:
        return existing
    booking = await Booking.select().where(Booking.id == booking_id).first()
    payment = await Payment.select().where(Payment.booking == booking_id).first()
    if booking is None or payment is None or not is_delivered(booking, payment):
        return None
    amount = earning_of_price(payment, services.settings.platform_fee_percent)
    if amount <= 0:
        return None
    at = now()
    await Earning.raw(
        "INSERT INTO earnings (booking, instructor, amount_cents, status, created_at, updated_at) "
        "VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT (booking) DO NOTHING",
        booking_id, booking["instructor"], amount, EarningStatus.pending.value, at, at,
    )  # fmt: skip
    return await Earning.select().where(Earning.booking == booking_id).lock_rows("NO KEY UPDATE").first()


async def active_account_of(instructor_id: int) -> str | None:
    row = (
        await ConnectedAccount.select(ConnectedAccount.account_id)
        .where(
            (ConnectedAccount.instructor == instructor_id) & (ConnectedAccount.status == ConnectedAccountStatus.active)
        )
        .first()
    )
    return row["account_id"] if row else None


async def _claim(services: Services, booking_id: int) -> dict[str, Any] | str:
    """Commit 1: the earning (recorded if due) set `transferring` to its account; or why not."""
    async with change(services.relay):
        earning = await ensure_earning(services, booking_id)
        if earning is None:
            return "nothing_earned"
        if earning["status"] == EarningStatus.transferred:
            return "already_transferred"
        if earning["amount_cents"] - earning["reversed_cents"] <= 0:
            return "nothing_to_transfer"
        if earning["status"] == EarningStatus.transferring:
            return earning  # a run killed after its claim: the same call again
        destination = await active_account_of(earning["instructor"])
        if destination is None:
            return "waiting_for_account"
        rows = await (
            Earning.update(
                {
                    Earning.status: EarningStatus.transferring,
                    Earning.destination: destination,
                    Earning.updated_at: now(),
                }
            )
            .where(Earning.id == earning["id"])
            .returning(*Earning.all_columns())
        )
        return rows[0]


async def transfer_earning_of(services: Services, booking_id: int) -> str:
    claimed = await _claim(services, booking_id)
    if isinstance(claimed, str):
        return claimed
    amount = claimed["amount_cents"] - claimed["reversed_cents"]
    try:
        transfer = await services.stripe.transfer(booking_id, amount, claimed["destination"])
    except stripe.InvalidRequestError as exc:
        # Refused (the account cannot take transfers): nothing was made; wait for account.updated.
        log.warning("transfer_refused", booking_id=booking_id, code=exc.code, error=str(exc))
        await Earning.update({Earning.status: EarningStatus.pending, Earning.updated_at: now()}).where(
            (Earning.id == claimed["id"]) & (Earning.status == EarningStatus.transferring)
        )
        return "refused"
    if services.settings.fault_injection == "kill_after_transfer":
        os.kill(os.getpid(), signal.SIGKILL)
    await Earning.update(
        {
            Earning.status: EarningStatus.transferred,
            Earning.transfer_id: transfer.id,
            Earning.transferred_cents: transfer.amount,
            Earning.updated_at: now(),
        }
    ).where((Earning.id == claimed["id"]) & Earning.transfer_id.is_null())
    log.info("earning_transferred", booking_id=booking_id, transfer_id=transfer.id, amount_cents=transfer.amount)
    return "transferred"


async def earnings_due(at: datetime) -> list[int]:
    """For the sweep: earnings left `transferring` by a killed run, waiting ones whose instructor
    now has an active account, credits-only completed lessons nobody recorded yet, and captured
    delivered lessons whose transfer job Redis lost (captured over a minute ago, no earning)."""
    rows = await Earning.raw(
        "SELECT e.booking FROM earnings e WHERE e.status = 'transferring' "
        "AND e.updated_at < {} "
        "UNION SELECT e.booking FROM earnings e JOIN connected_accounts a ON a.instructor = e.instructor "
        "WHERE e.status = 'pending' AND a.status = 'active' AND e.reversed_cents < e.amount_cents "
        "UNION SELECT p.booking FROM payments p JOIN bookings b ON b.id = p.booking "
        "LEFT JOIN earnings e ON e.booking = p.booking "
        "WHERE e.id IS NULL AND b.status = 'completed' AND p.status = 'not_needed' "
        "UNION SELECT p.booking FROM payments p JOIN bookings b ON b.id = p.booking "
        "LEFT JOIN earnings e ON e.booking = p.booking "
        "WHERE e.id IS NULL AND p.status = 'captured' AND p.capture_due_at IS NULL AND p.captured_cents > 0 "
        "AND (b.status = 'completed' OR b.cancel_outcome = 'charged_in_full') AND p.updated_at < {} LIMIT 500",
        at - STUCK_AFTER,
        at - STUCK_AFTER,
    )
    return [row["booking"] for row in rows]


@handles("account.updated")
async def account_activated(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    """Runs after connect_events.account_updated in the same transaction: once the account is
    active, every earning waiting for it is transferred (a job each, keyed by its booking)."""
    account_id = event["data"]["object"].get("id")
    rows = await Earning.raw(
        "SELECT e.booking FROM earnings e JOIN connected_accounts a ON a.instructor = e.instructor "
        "WHERE a.account_id = {} AND a.status = 'active' AND e.status = 'pending'",
        account_id,
    )
    for row in rows:
        # Not the capture's job id: arq keeps that one's result, and would refuse the same id again.
        job_id = services.job_id("booking", row["booking"], "transfer", "account_active")
        await effects.job(TRANSFER_JOB, row["booking"], job_id=job_id)

"""Admin refunds of completed lessons (API.md `POST /api/admin/bookings/{id}/refund`): the card is
refunded up to what was captured, and the instructor's earning loses the same share (reversed at
Stripe once transferred; never sent if not yet). The refund and its reversal are written first,
each call carries its key (`booking:{id}:refund:{n}`, `booking:{id}:refund:{n}:reversal`), and
the Stripe ids are written after; a refund a crash left `requested` is finished by a deferred job."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import msgspec
import stripe
import structlog

from app.bookings.tables import Booking, BookingStatus
from app.core.errors import ApiError
from app.core.outbox import change
from app.core.time import now
from app.notifications.service import notify
from app.payments.earning_tables import AdminRefund, Earning, EarningStatus, RefundStatus
from app.payments.earnings import ensure_earning
from app.payments.money import divide_half_up, dollars
from app.payments.schemas import PaymentOut
from app.payments.service import payment_out
from app.payments.stripe_api import refusal
from app.payments.tables import Payment, PaymentStatus
from app.services import Services

log = structlog.get_logger()
FINISH_JOB = "finish_admin_refund"
FINISH_AFTER = timedelta(minutes=1)


class RefundRequest(msgspec.Struct, forbid_unknown_fields=True):
    amount_cents: Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class RefundOut(msgspec.Struct):
    refund_id: int
    booking_id: int
    amount_cents: int
    # What the instructor's earning lost: the same share of it as this refund is of the captured amount.
    reversal_cents: int
    payment: PaymentOut


def reversal_share(earning_cents: int, refunded_cents: int, captured_cents: int) -> int:
    return divide_half_up(earning_cents * refunded_cents, captured_cents)


async def _record(
    services: Services, admin_id: int, booking_id: int, data: RefundRequest
) -> tuple[dict[str, Any], int]:
    """The refund, and the share of the earning it takes (reversed at Stripe only when the earning
    was already transferred: the row's reversal_cents)."""
    async with change(services.relay) as effects:
        booking = await Booking.select().where(Booking.id == booking_id).first()
        if booking is None:
            raise ApiError(404, f"No booking with id {booking_id}", code="not_found")
        if booking["status"] != BookingStatus.completed:
            raise ApiError(409, "Only a completed lesson can be refunded", code="not_completed")
        payment = await Payment.select().where(Payment.booking == booking_id).lock_rows("NO KEY UPDATE").first()
        refundable = payment["captured_cents"] - payment["refunded_cents"]
        if not payment["payment_intent_id"] or payment["captured_cents"] <= 0:
            raise ApiError(409, "Nothing was captured from the card for this lesson", code="nothing_captured")
        if data.amount_cents > refundable:
            raise ApiError(
                409,
                f"At most {dollars(refundable)} can still be refunded",
                code="amount_too_large",
                body={"refundable_cents": max(refundable, 0)},
            )
        earning = await ensure_earning(services, booking_id)
        if earning is not None and earning["status"] == EarningStatus.transferring:
            raise ApiError(
                409, "The instructor's transfer is being made; retry in a moment", code="transfer_in_progress"
            )
        refunded = payment["refunded_cents"] + data.amount_cents
        reversal = 0
        if earning is not None:
            owed = reversal_share(earning["amount_cents"], refunded, payment["captured_cents"])
            reversal = max(0, min(owed, earning["amount_cents"]) - earning["reversed_cents"])
            await Earning.update(
                {Earning.reversed_cents: earning["reversed_cents"] + reversal, Earning.updated_at: now()}
            ).where(Earning.id == earning["id"])
        number = await AdminRefund.count().where(AdminRefund.booking == booking_id) + 1
        at = now()
        rows = await AdminRefund.insert(
            AdminRefund(
                booking=booking_id, number=number, admin=admin_id, amount_cents=data.amount_cents,
                reversal_cents=reversal if earning and earning["status"] == EarningStatus.transferred else 0,
                reason=data.reason, status=RefundStatus.requested, created_at=at, updated_at=at,
            )
        ).returning(*AdminRefund.all_columns())  # fmt: skip
        await Payment.update(
            {Payment.refunded_cents: refunded, Payment.status: PaymentStatus.refunded, Payment.updated_at: at}
        ).where(Payment.id == payment["id"])
        refund = rows[0]
        await effects.job(
            FINISH_JOB, refund["id"], job_id=services.job_id("refund", refund["id"]), defer_until=at + FINISH_AFTER
        )
        amount = dollars(data.amount_cents)
        await notify(
            effects, booking["student"], "payment.refunded", "Refund issued",
            f"{amount} of your lesson #{booking_id} is being refunded to your card: {data.reason}",
            {"booking_id": booking_id, "amount_cents": data.amount_cents},
        )  # fmt: skip
        if reversal:
            await notify(
                effects, booking["instructor"], "earning.reversed", "Earning reduced by a refund",
                f"The student of lesson #{booking_id} was refunded {amount}; your earning is "
                f"{dollars(reversal)} less.",
                {"booking_id": booking_id, "reversal_cents": reversal},
            )  # fmt: skip
    return refund, reversal


async def finish_refund(services: Services, refund_id: int) -> str:
    """The Stripe side of a recorded refund: safe to run twice (each call under its own key)."""
    refund = await AdminRefund.select().where(AdminRefund.id == refund_id).first()
    if refund is None or refund["status"] == RefundStatus.done:
        return "done"
    booking_id, number = refund["booking"], refund["number"]
    payment = await Payment.select().where(Payment.booking == booking_id).first()
    made = await services.stripe.refund(booking_id, payment["payment_intent_id"], refund["amount_cents"], number)
    reversal_id = None
    if refund["reversal_cents"]:
        earning = await Earning.select().where(Earning.booking == booking_id).first()
        reversal = await services.stripe.client.v1.transfers.reversals.create_async(
            earning["transfer_id"],
            {"amount": refund["reversal_cents"], "metadata": {"booking_id": str(booking_id), "refund": str(number)}},
            {"idempotency_key": services.stripe.idempotency_key("booking", booking_id, "refund", number, "reversal")},
        )
        reversal_id = reversal.id
    await AdminRefund.update(
        {
            AdminRefund.stripe_refund_id: made.id,
            AdminRefund.stripe_reversal_id: reversal_id,
            AdminRefund.status: RefundStatus.done,
            AdminRefund.updated_at: now(),
        }
    ).where((AdminRefund.id == refund_id) & (AdminRefund.status == RefundStatus.requested))
    return "refunded"


async def refund_booking(services: Services, admin_id: int, booking_id: int, data: RefundRequest) -> RefundOut:
    refund, reversal = await _record(services, admin_id, booking_id, data)
    try:
        await finish_refund(services, refund["id"])
    except stripe.StripeError as exc:
        # Recorded: the deferred job finishes it with the same keys.
        log.warning("admin_refund_deferred", refund_id=refund["id"], error=str(exc))
        raise refusal(exc) from None
    payment = await Payment.select().where(Payment.booking == booking_id).first()
    return RefundOut(
        refund_id=refund["id"],
        booking_id=booking_id,
        amount_cents=refund["amount_cents"],
        reversal_cents=reversal,
        payment=payment_out(payment, ZoneInfo("UTC")),
    )

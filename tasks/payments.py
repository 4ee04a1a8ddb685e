"""The card's side of a booking as arq jobs: authorization at T-24 h, capture, release, refund, and
the crons for what is due in the database (a lost trigger, auto-completion, the failure deadline).
Every job is keyed by business ids (`booking:{id}:<step>`) and safe to run twice or be killed."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import structlog

from app.bookings.cancel import cancel_unpaid_booking
from app.bookings.complete import complete_booking, lessons_to_auto_complete
from app.core.time import now
from app.payments import early
from app.payments.authorization import authorize_booking, sweep_authorizations
from app.payments.service import captures_due, card_step, unpaid_bookings_due

log = structlog.get_logger()


async def authorize_booking_payment(ctx: dict[str, Any], booking_id: int) -> str:
    """The trigger at authorize_at; does nothing when the payment is not due (any more)."""
    return (await authorize_booking(ctx["services"], booking_id)).status


async def release_card_authorization(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "release")


async def release_unused_authorization(ctx: dict[str, Any], booking_id: int, intent_id: str, attempt: int) -> str:
    """An early authorization whose reschedule or cancel was then refused (app.payments.early)."""
    return await early.release_unused_authorization(ctx["services"], booking_id, intent_id, attempt)


async def capture_card_payment(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "capture")


async def refund_card_payment(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "refund")


async def sweep_payments_due(ctx: dict[str, Any]) -> int:
    """Cron: the database is the schedule. Authorizations and captures due that no trigger ran
    (Redis lost them, a worker died), and lessons nobody marked completed."""
    services = ctx["services"]
    done = await sweep_authorizations(services)
    for booking_id in await lessons_to_auto_complete(now(), services.settings.auto_complete_hours):
        done += await _one(complete_booking(services, None, booking_id), "auto_complete", booking_id)
    for booking_id in await captures_due(now()):
        done += await _one(card_step(services, booking_id, "capture"), "capture", booking_id)
    return done


async def _one(step: Awaitable[Any], what: str, booking_id: int) -> int:
    """One booking's trouble (a Stripe outage, a race lost) never stops the sweep for the others."""
    try:
        await step
    except Exception:
        log.exception("payment_sweep_step_failed", step=what, booking_id=booking_id)
        return 0
    return 1


async def cancel_unpaid_bookings(ctx: dict[str, Any]) -> int:
    """Cron: every booking whose authorization is still `failed` 12 h before its start is cancelled
    (`payment_failed`, credits returned); returns how many."""
    services = ctx["services"]
    cancelled = 0
    for booking_id in await unpaid_bookings_due(now()):
        if await cancel_unpaid_booking(services, booking_id) is not None:
            cancelled += 1
    return cancelled

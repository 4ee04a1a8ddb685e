"""The card's side of a cancellation, recorded as outbox jobs under `booking:{id}:<step>` ids.

Each job acts only on a payment Stripe knows (payment_intent_id set). None is set until the
Stripe wiring lands (app.payments.service.card_step says where each call goes), so today they
report `no_payment_intent` and change nothing: no fake Stripe calls. Safe to run twice.
"""

from __future__ import annotations

from typing import Any

from app.bookings.cancel import cancel_unpaid_booking
from app.core.time import now
from app.payments.service import card_step, unpaid_bookings_due


async def release_card_authorization(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "release")


async def capture_card_payment(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "capture")


async def refund_card_payment(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "refund")


async def cancel_unpaid_bookings(ctx: dict[str, Any]) -> int:
    """Cron: the database is the schedule. Every booking whose authorization is still `failed` 12 h
    before its start is cancelled (`payment_failed`, credits returned); returns how many."""
    services = ctx["services"]
    cancelled = 0
    for booking_id in await unpaid_bookings_due(now()):
        if await cancel_unpaid_booking(services, booking_id) is not None:
            cancelled += 1
    return cancelled

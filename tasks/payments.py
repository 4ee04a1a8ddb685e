"""The card's side of a cancellation, recorded as outbox jobs under `booking:{id}:<step>` ids.

Each job acts only on a payment Stripe knows (payment_intent_id set). None is set until the
Stripe wiring lands (app.payments.service.card_step says where each call goes), so today they
report `no_payment_intent` and change nothing: no fake Stripe calls. Safe to run twice.
"""

from __future__ import annotations

from typing import Any

from app.payments.service import card_step


async def release_card_authorization(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "release")


async def capture_card_payment(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "capture")


async def refund_card_payment(ctx: dict[str, Any], booking_id: int) -> str:
    return await card_step(ctx["services"], booking_id, "refund")

"""Instructors' earnings: the transfer after a capture (job id `booking:{id}:transfer`), the sweep
that finds what Redis lost or a killed run left, and the Stripe side of admin refunds. Each is safe
to run twice and to be killed at any instruction (app/payments/earnings.py, refunds.py)."""

from __future__ import annotations

from typing import Any

from app.core.time import now
from app.payments.earnings import earnings_due, transfer_earning_of
from app.payments.refunds import finish_refund


async def transfer_earning(ctx: dict[str, Any], booking_id: int) -> str:
    return await transfer_earning_of(ctx["services"], booking_id)


async def transfer_due_earnings(ctx: dict[str, Any]) -> int:
    """Cron: the database is the schedule; returns how many earnings it transferred."""
    done = 0
    for booking_id in await earnings_due(now()):
        if await transfer_earning_of(ctx["services"], booking_id) == "transferred":
            done += 1
    return done


async def finish_admin_refund(ctx: dict[str, Any], refund_id: int) -> str:
    return await finish_refund(ctx["services"], refund_id)

"""The credits ledger: append-only entries; the balance is their sum, kept by the database, which
refuses any entry that would take it below zero (piccolo_migrations/instainstru_0008_payments.py)."""

from __future__ import annotations

from typing import Any

import asyncpg

from app.accounts.tables import User
from app.core.errors import ApiError, bad_input
from app.core.outbox import change
from app.core.time import now
from app.notifications.service import notify
from app.payments.money import dollars
from app.payments.schemas import CreditEntryOut, Credits, GoodwillCredit
from app.payments.tables import CreditBalance, CreditEntry, CreditKind
from app.services import Services

NEVER_NEGATIVE = "credit_balances_never_negative"
ENTRY_COLUMNS = (
    CreditEntry.id, CreditEntry.amount_cents, CreditEntry.kind, CreditEntry.booking, CreditEntry.reason,
    CreditEntry.created_at,
)  # fmt: skip


class CreditsShort(ApiError):
    def __init__(self, balance_cents: int) -> None:
        super().__init__(
            409,
            "The credit balance cannot go below zero",
            code="insufficient_credits",
            body={"balance_cents": balance_cents},
        )


async def balance_of(user_id: int) -> int:
    row = await CreditBalance.select(CreditBalance.balance_cents).where(CreditBalance.user == user_id).first()
    return row["balance_cents"] if row else 0


async def add_entry(
    user_id: int, amount_cents: int, kind: CreditKind, *, booking_id: int | None = None, reason: str = ""
) -> dict[str, Any]:
    """Inside the caller's transaction. A refusal by the database (the balance would go negative,
    e.g. two bookings spending one balance at once) aborts that transaction: nothing is half-written."""
    try:
        rows = await CreditEntry.insert(
            CreditEntry(
                user=user_id, amount_cents=amount_cents, kind=kind, booking=booking_id, reason=reason,
                created_at=now(),
            )
        ).returning(*ENTRY_COLUMNS)  # fmt: skip
    except asyncpg.CheckViolationError as exc:
        if exc.constraint_name != NEVER_NEGATIVE:
            raise
        raise CreditsShort(await _committed_balance(user_id)) from None
    return rows[0]


async def _committed_balance(user_id: int) -> int:
    # The caller's transaction is aborted: read on a connection of its own, outside the pool (a
    # full pool must not keep a refusal waiting while its own connection is held).
    connection = await CreditBalance._meta.db.get_new_connection()
    try:
        row = await connection.fetchrow('SELECT balance_cents FROM credit_balances WHERE "user" = $1', user_id)
    finally:
        await connection.close()
    return row["balance_cents"] if row else 0


async def entries_of(user_id: int, limit: int = 1000) -> list[dict[str, Any]]:
    return (
        await CreditEntry.select(*ENTRY_COLUMNS)
        .where(CreditEntry.user == user_id)
        .order_by(CreditEntry.id, ascending=False)
        .limit(limit)
    )


async def spend_for_booking(user_id: int, booking_id: int, price_cents: int) -> int:
    """Credits pay first: the smaller of the balance and the price, spent in the caller's transaction."""
    applied = min(await balance_of(user_id), price_cents)
    if applied:
        await add_entry(user_id, -applied, CreditKind.spend, booking_id=booking_id, reason="Paid a booking")
    return applied


def entry_out(row: dict[str, Any]) -> CreditEntryOut:
    return CreditEntryOut(
        id=row["id"],
        amount_cents=row["amount_cents"],
        kind=CreditKind(row["kind"]),
        booking_id=row["booking"],
        reason=row["reason"],
        created_at=row["created_at"].isoformat(),
    )


async def credits_of(user_id: int) -> Credits:
    return Credits(
        balance_cents=await balance_of(user_id), entries=[entry_out(row) for row in await entries_of(user_id)]
    )


async def grant_goodwill(services: Services, user_id: int, data: GoodwillCredit) -> CreditEntryOut:
    """An admin's credit (or, negative, taking credit back); the user is told in its feed."""
    if data.amount_cents == 0:
        raise bad_input([{"key": "amount_cents", "message": "A credit of 0 changes nothing"}])
    if not await User.exists().where(User.id == user_id):
        raise ApiError(404, f"No user with id {user_id}", code="not_found")
    async with change(services.relay) as effects:
        entry = await add_entry(user_id, data.amount_cents, CreditKind.goodwill, reason=data.reason)
        amount = dollars(abs(data.amount_cents))
        title = f"{amount} of credit added" if data.amount_cents > 0 else f"{amount} of credit removed"
        await notify(effects, user_id, "credits.changed", title, data.reason, {"entry_id": entry["id"]})
    return entry_out(entry)

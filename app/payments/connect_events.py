"""Webhook handlers of Connect: an instructor's connected account (account.updated) and its payouts
(payout.*). Registered with app.payments.webhooks; each runs in its event's transaction."""

from __future__ import annotations

from typing import Any

from app.core.outbox import Effects
from app.core.time import now
from app.notifications.service import notify
from app.payments.money import dollars
from app.payments.stripe_tables import ConnectedAccount, ConnectedAccountStatus, Payout, PayoutStatus
from app.payments.webhooks import event_time, handles, move_forward
from app.services import Services

ACCOUNT_ORDER = [member.value for member in ConnectedAccountStatus]


def account_status(account: dict[str, Any]) -> ConnectedAccountStatus:
    if account.get("charges_enabled") and account.get("payouts_enabled"):
        return ConnectedAccountStatus.active
    if account.get("details_submitted"):
        return ConnectedAccountStatus.restricted
    return ConnectedAccountStatus.pending


def _instructor_of(account: dict[str, Any]) -> int | None:
    raw = (account.get("metadata") or {}).get("instructor_id")
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@handles("account.updated")
async def account_updated(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    """The account as this event saw it, unless a later event already said more. Events are
    ordered by their `created`; within one second the further status wins (an account seen active
    and pending in the same second ends active), so any delivery order ends in the same state."""
    account = event["data"]["object"]
    status, at = account_status(account), event_time(event)
    state = {
        "status": status.value,
        "charges_enabled": bool(account.get("charges_enabled")),
        "payouts_enabled": bool(account.get("payouts_enabled")),
        "details_submitted": bool(account.get("details_submitted")),
        "currently_due": ",".join((account.get("requirements") or {}).get("currently_due") or []),
        "state_at": at,
        "updated_at": now(),
    }
    set_sql = ", ".join(f"{column} = {{}}" for column in state)
    updated = await ConnectedAccount.raw(
        f"UPDATE connected_accounts SET {set_sql} WHERE account_id = {{}} AND (state_at IS NULL OR state_at < {{}} "
        "OR (state_at = {} AND array_position({}::text[], status) < array_position({}::text[], {}))) RETURNING id",
        *state.values(), account["id"], at, at, ACCOUNT_ORDER, ACCOUNT_ORDER, status.value,
    )  # fmt: skip
    instructor = _instructor_of(account)
    if updated or instructor is None:
        return
    # An account the onboarding feature has not recorded yet: its metadata names the instructor.
    columns = ", ".join(["instructor", "account_id", *state, "created_at"])
    await ConnectedAccount.raw(
        f"INSERT INTO connected_accounts ({columns}) SELECT {{}}, {{}}, {', '.join('{}' for _ in state)}, {{}} "
        "WHERE EXISTS (SELECT 1 FROM users WHERE id = {} AND role = 'instructor') ON CONFLICT DO NOTHING",
        instructor, account["id"], *state.values(), now(), instructor,
    )  # fmt: skip


PAYOUT_NOTICES = {
    PayoutStatus.paid: ("payout.sent", "Payout sent", "Your payout of {amount} is on its way to your bank."),
    PayoutStatus.failed: ("payout.failed", "Payout failed", "Your payout of {amount} failed; the money is back "
                          "in your available balance."),
}  # fmt: skip


@handles("payout.created", "payout.updated", "payout.paid", "payout.failed")
async def payout_changed(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    payout = event["data"]["object"]
    if payout.get("status") not in PayoutStatus.__members__.values():
        return  # e.g. canceled: not a state our payouts take
    status = PayoutStatus(payout["status"])
    moved = await move_forward(
        Payout,
        {"stripe_payout_id": payout["id"]},
        status,
        list(PayoutStatus),
        {"failure_code": payout.get("failure_code"), "updated_at": now()},
    )
    if moved and status in PAYOUT_NOTICES:
        type_, title, body = PAYOUT_NOTICES[status]
        await notify(
            effects,
            moved["instructor"],
            type_,
            title,
            body.format(amount=dollars(moved["amount_cents"] - moved["fee_cents"])),
            {"payout_id": moved["id"], "status": status.value},
        )

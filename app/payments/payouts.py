"""Earnings balances and payouts (API.md `GET /api/instructors/me/earnings`, `POST
/api/instructors/me/payouts`).

Balances come from our rows: `pending` = earnings not yet transferred, `available` = what was
transferred (less reversals) less every payout not failed and its fee (Stripe takes an instant
payout's fee from the connected account's balance, on top of the amount), `paid` = payouts Stripe
says are paid. A payout in flight is in none of them until it is paid (or failed: available
again). A payout row is written, with its idempotency key `payout:{row id}`, before the Stripe
call; one left without its Stripe id (a crash, Stripe unreachable) is sent again, with the same
key, by the instructor's next payout request.
"""

from __future__ import annotations

from typing import Any

import msgspec
import stripe
import structlog

from app.core.errors import ApiError
from app.core.outbox import Effects, change
from app.core.time import now
from app.payments.connect_events import payout_changed
from app.payments.money import divide_half_up
from app.payments.stripe_api import refusal
from app.payments.stripe_tables import (
    ConnectedAccount,
    ConnectedAccountStatus,
    Payout,
    PayoutMethod,
    PayoutStatus,
)
from app.payments.webhooks import handles, move_forward
from app.services import Services

log = structlog.get_logger()
INSTANT_PAYOUT_MIN_FEE_CENTS = 50


class PayoutOut(msgspec.Struct):
    id: int
    # What reaches the bank: the available balance less fee_cents.
    amount_cents: int
    fee_cents: int
    method: PayoutMethod
    status: PayoutStatus
    created_at: str


class Earnings(msgspec.Struct):
    pending_cents: int
    available_cents: int
    paid_cents: int
    payouts: list[PayoutOut]


class PayoutRequest(msgspec.Struct, forbid_unknown_fields=True):
    method: PayoutMethod


def instant_fee(amount_cents: int, percent: int) -> int:
    """Stripe's fee for an instant payout of `amount_cents`, which it takes from the connected
    account's balance on top of the amount."""
    return max(INSTANT_PAYOUT_MIN_FEE_CENTS, divide_half_up(amount_cents * percent, 100))


def instant_split(available_cents: int, percent: int) -> tuple[int, int]:
    """(amount, fee): the largest instant payout whose amount and fee both fit in the balance; a cent
    the fee's rounding leaves over stays available."""
    amount = min(available_cents * 100 // (100 + percent) + 1, available_cents - INSTANT_PAYOUT_MIN_FEE_CENTS)
    while amount > 0 and amount + instant_fee(amount, percent) > available_cents:
        amount -= 1
    return (amount, instant_fee(amount, percent)) if amount > 0 else (0, 0)


async def balances_of(instructor_id: int) -> dict[str, int]:
    rows = await Payout.raw(
        "SELECT "
        "(SELECT coalesce(sum(amount_cents - reversed_cents), 0) FROM earnings "
        " WHERE instructor = {} AND status <> 'transferred') AS pending, "
        "(SELECT coalesce(sum(amount_cents - reversed_cents), 0) "
        " FROM earnings WHERE instructor = {} AND status = 'transferred') AS transferred, "
        "(SELECT coalesce(sum(amount_cents + fee_cents), 0) FROM payouts "
        " WHERE instructor = {} AND status <> 'failed') AS paid_out, "
        "(SELECT coalesce(sum(amount_cents + fee_cents), 0) FROM payouts "
        " WHERE instructor = {} AND status = 'paid') AS paid",
        instructor_id, instructor_id, instructor_id, instructor_id,
    )  # fmt: skip
    row = rows[0]
    return {
        "pending": int(row["pending"]),
        "available": int(row["transferred"]) - int(row["paid_out"]),
        "paid": int(row["paid"]),
    }


def payout_out(row: dict[str, Any]) -> PayoutOut:
    return PayoutOut(
        id=row["id"],
        amount_cents=row["amount_cents"],
        fee_cents=row["fee_cents"],
        method=PayoutMethod(row["method"]),
        status=PayoutStatus(row["status"]),
        created_at=row["created_at"].isoformat(),
    )


async def earnings_of(instructor_id: int) -> Earnings:
    # One snapshot for the balances and the list: a payout event committing between the two reads
    # would otherwise show a failed payout beside balances that still count it as paid out.
    async with Payout._meta.db.transaction():
        await Payout.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        balances = await balances_of(instructor_id)
        payouts = await Payout.select().where(Payout.instructor == instructor_id).order_by(Payout.id, ascending=False)
    return Earnings(
        pending_cents=balances["pending"],
        available_cents=balances["available"],
        paid_cents=balances["paid"],
        payouts=[payout_out(row) for row in payouts],
    )


async def _record_payout(services: Services, instructor_id: int, method: PayoutMethod) -> tuple[dict, str]:
    async with change(services.relay):
        # One payout request of an instructor at a time: the balance read below stays true.
        account = (
            await ConnectedAccount.select()
            .where(ConnectedAccount.instructor == instructor_id)
            .lock_rows("NO KEY UPDATE")
            .first()
        )
        if account is None or account["status"] != ConnectedAccountStatus.active:
            raise ApiError(
                409, "Set up payouts first: finish your payouts account's onboarding", code="payouts_not_set_up"
            )
        available = (await balances_of(instructor_id))["available"]
        amount, fee = (
            instant_split(available, services.settings.instant_payout_fee_percent)
            if method == "instant"
            else (available, 0)
        )
        if amount <= 0:
            raise ApiError(
                409,
                "Nothing is available to pay out" + (" after the instant payout fee" if available > 0 else ""),
                code="nothing_available",
                body={"available_cents": available},
            )
        at = now()
        rows = await Payout.insert(
            Payout(
                instructor=instructor_id, amount_cents=amount, fee_cents=fee, method=method,
                status=PayoutStatus.pending, created_at=at, updated_at=at,
            )
        ).returning(*Payout.all_columns())  # fmt: skip
    return rows[0], account["account_id"]


async def _create_at_stripe(services: Services, payout: dict[str, Any], account_id: str) -> dict[str, Any]:
    sent = await services.stripe.client.v1.payouts.create_async(
        {
            "amount": payout["amount_cents"],
            "currency": "usd",
            "method": payout["method"],
            "metadata": {"payout_id": str(payout["id"]), "instructor_id": str(payout["instructor"])},
        },
        {"idempotency_key": services.stripe.idempotency_key("payout", payout["id"]), "stripe_account": account_id},
    )
    return sent.to_dict()


async def _send(services: Services, payout: dict[str, Any], account_id: str) -> dict[str, Any]:
    try:
        sent = await _create_at_stripe(services, payout, account_id)
    except stripe.InvalidRequestError as exc:
        # Refused, so nothing was paid out: the money is available again (a retry would replay the refusal).
        await move_forward(
            Payout, {"id": payout["id"]}, PayoutStatus.failed, list(PayoutStatus),
            {"failure_code": exc.code or "refused", "updated_at": now()},
        )  # fmt: skip
        raise
    fee = await _fee_at_stripe(services, sent, account_id, payout)
    async with change(services.relay) as effects:
        recorded = {Payout.stripe_payout_id: sent["id"], Payout.fee_cents: fee, Payout.updated_at: now()}
        await Payout.update(recorded).where((Payout.id == payout["id"]) & Payout.stripe_payout_id.is_null())
        await _follow(services, effects, sent)
    return await Payout.select().where(Payout.id == payout["id"]).first()


async def _fee_at_stripe(services: Services, sent: dict[str, Any], account_id: str, payout: dict[str, Any]) -> int:
    """What Stripe took for the payout (its balance transaction's fee): our record says the same."""
    if payout["method"] != PayoutMethod.instant or not sent.get("balance_transaction"):
        return payout["fee_cents"]
    transaction = await services.stripe.client.v1.balance_transactions.retrieve_async(
        sent["balance_transaction"], options={"stripe_account": account_id}
    )
    if transaction.fee != payout["fee_cents"]:
        log.error(
            "instant_payout_fee_differs", payout_id=payout["id"], ours=payout["fee_cents"], stripe=transaction.fee
        )
    return transaction.fee


async def _follow(services: Services, effects: Effects, payout: dict[str, Any]) -> None:
    # Events about this payout may have arrived before its id was written: catch up with Stripe's state.
    if payout.get("status") in PayoutStatus.__members__.values() and payout["status"] != PayoutStatus.pending:
        await payout_changed(services, effects, {"data": {"object": payout}})


async def _resend_unsent(services: Services, instructor_id: int, account_id: str) -> None:
    unsent = await Payout.select().where(
        (Payout.instructor == instructor_id)
        & Payout.stripe_payout_id.is_null()
        & (Payout.status != PayoutStatus.failed)
    )
    for payout in unsent:
        await _send(services, payout, account_id)


async def request_payout(services: Services, instructor_id: int, method: PayoutMethod) -> PayoutOut:
    try:
        account = await ConnectedAccount.select().where(ConnectedAccount.instructor == instructor_id).first()
        if account is not None:
            await _resend_unsent(services, instructor_id, account["account_id"])
        payout, account_id = await _record_payout(services, instructor_id, method)
        return payout_out(await _send(services, payout, account_id))
    except stripe.InvalidRequestError as exc:
        log.error("payout_refused", instructor_id=instructor_id, code=exc.code, error=str(exc))
        raise refusal(exc) from None
    except stripe.StripeError as exc:
        raise refusal(exc) from None


@handles("payout.created", "payout.updated", "payout.paid", "payout.failed")
async def payout_event_before_its_id(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    """Runs after connect_events.payout_changed: an event that came before we wrote the payout's
    Stripe id (its metadata names our row) fills the id in and applies the status then."""
    payout = event["data"]["object"]
    raw_id = (payout.get("metadata") or {}).get("payout_id")
    if not (isinstance(raw_id, str) and raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 10):
        return
    # Metadata alone is not proof: the payout must also be on the connected account of the row's
    # instructor (a payout of another deployment sharing the Stripe account names its own row ids).
    owner = (
        await ConnectedAccount.select(ConnectedAccount.instructor)
        .where(ConnectedAccount.account_id == (event.get("account") or ""))
        .first()
    )
    if owner is None:
        return
    filled = (
        await Payout.update({Payout.stripe_payout_id: payout["id"], Payout.updated_at: now()})
        .where(
            (Payout.id == int(raw_id)) & (Payout.instructor == owner["instructor"]) & Payout.stripe_payout_id.is_null()
        )
        .returning(Payout.id)
    )
    if filled:
        await payout_changed(services, effects, event)

"""Payouts from a connected account's balance (`Stripe-Account`), `standard` or `instant`.

An instant payout costs its account Stripe's fee (`instant_payout_fee_percent` of the amount, at
least `instant_payout_min_fee_cents`), taken from the balance on top of the amount: the payout's
balance transaction says so (`fee`, `net` = -(amount + fee)), and a failed payout gives both back.

With the `payout_auto` switch on (default) a payout goes pending → in_transit → paid by itself,
`payout_standard_seconds` / `payout_instant_seconds` of stand-in time after it was made (so moving
the clock forward pays it); with it off, only POST /_standin/payouts/{id} moves it (to
`in_transit`, `paid` or `failed`; a failed payout's amount is available again).
"""

from __future__ import annotations

from typing import Any

from standins.stripe.connect import account_or_404
from standins.stripe.core import Call, list_page
from standins.stripe.errors import invalid_request, no_such
from standins.stripe.store import new_id
from standins.stripe.transfers import available_balance

NEXT_STATUS = {"pending": ("in_transit", "paid", "failed", "canceled"), "in_transit": ("paid", "failed")}


def payout_or_404(call: Call, payout_id: str) -> dict[str, Any]:
    payout = call.store.get(payout_id, call.account)
    if payout is None or payout["object"] != "payout":
        raise no_such("payout", payout_id)
    return payout


def create_payout(call: Call) -> dict[str, Any]:
    p = call.params
    amount = p.int("amount", required=True, minimum=1)
    currency = p.str("currency", required=True).lower()
    method = p.str("method", choices=("standard", "instant")) or "standard"
    metadata = p.metadata()
    description = p.str("description")
    p.raw("statement_descriptor")
    p.raw("destination")
    p.done()
    destination = None
    if call.account:
        account = account_or_404(call, call.account)
        if not account["payouts_enabled"]:
            raise invalid_request(
                "Your account cannot currently make payouts. Please complete onboarding.", code="payouts_not_allowed"
            )
        destination = account["external_accounts"]["data"][0]["id"]
    fee = instant_payout_fee(call, amount) if method == "instant" else 0
    available = available_balance(call, call.account)
    if amount + fee > available:
        raise invalid_request(
            "You have insufficient funds in your Stripe account for this transfer. Your card balance is too low.",
            code="balance_insufficient",
            replayable=True,
        )
    now = call.now()
    delay = int(call.standin.setting(f"payout_{method}_seconds"))
    payout_id = new_id("po")
    transaction = _balance_transaction(payout_id, amount, fee, currency, now)
    payout = {
        "id": payout_id,
        "object": "payout",
        "amount": amount,
        "arrival_date": now + delay,
        "automatic": False,
        "balance_transaction": transaction["id"],
        "created": now,
        "currency": currency,
        "description": description,
        "destination": destination,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": metadata,
        "method": method,
        "source_type": "card",
        "statement_descriptor": None,
        "status": "pending",
        "type": "bank_account",
    }
    call.store.put(transaction, call.account)
    call.store.put(payout, call.account)
    call.emit("payout.created", payout)
    return payout


def instant_payout_fee(call: Call, amount: int) -> int:
    percent = int(call.standin.setting("instant_payout_fee_percent"))
    minimum = int(call.standin.setting("instant_payout_min_fee_cents"))
    quotient, remainder = divmod(amount * percent, 100)
    return max(minimum, quotient + (1 if 2 * remainder >= 100 else 0))


def _balance_transaction(payout_id: str, amount: int, fee: int, currency: str, now: int) -> dict[str, Any]:
    details = [{"amount": fee, "application": None, "currency": currency, "description": "Instant Payouts fee",
                "type": "stripe_fee"}] if fee else []  # fmt: skip
    return {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": -amount,
        "available_on": now,
        "created": now,
        "currency": currency,
        "description": None,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": details,
        "net": -(amount + fee),
        "reporting_category": "payout",
        "source": payout_id,
        "status": "available",
        "type": "payout",
    }


def retrieve_balance_transaction(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    transaction = call.store.get(id, call.account)
    if transaction is None or transaction["object"] != "balance_transaction":
        raise no_such("balance_transaction", id)
    return transaction


def retrieve_payout(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    return payout_or_404(call, id)


def list_payouts(call: Call) -> dict[str, Any]:
    return list_page(call, "/v1/payouts", "payout", status=call.params.str("status"))


def move_payout(call: Call, payout: dict[str, Any], status: str, failure_code: str | None = None) -> dict[str, Any]:
    """The one way a payout's status changes (the sweep and the control endpoint both use it)."""
    if status not in NEXT_STATUS.get(payout["status"], ()):
        raise invalid_request(f"A payout in status {payout['status']} cannot become {status}.", param="status")
    previous = {"status": payout["status"]}
    payout["status"] = status
    if status == "failed":
        payout["failure_code"] = failure_code or "account_closed"
        payout["failure_message"] = "The bank account has been closed."
    account = call.store.account_of(payout["id"]) or ""
    call.store.put(payout, account)
    call.standin.emit("payout.updated", payout, account, previous, call)
    if status in ("paid", "failed", "canceled"):
        call.standin.emit(f"payout.{status}", payout, account, None, call)
    return payout


def advance_due_payouts(call: Call) -> None:
    if not call.standin.setting("payout_auto"):
        return
    now = call.now()
    for status in ("pending", "in_transit"):
        for payout in call.store.find("payout", None, status=status):
            halfway = (payout["created"] + payout["arrival_date"]) / 2
            if now >= payout["arrival_date"]:
                if status == "pending":
                    move_payout(call, payout, "in_transit")
                move_payout(call, payout, "paid")
            elif status == "pending" and now >= halfway:
                move_payout(call, payout, "in_transit")


ROUTES = [
    ("POST", "/v1/payouts", create_payout),
    ("GET", "/v1/payouts", list_payouts),
    ("GET", "/v1/payouts/{id}", retrieve_payout),
    ("GET", "/v1/balance_transactions/{id}", retrieve_balance_transaction),
]

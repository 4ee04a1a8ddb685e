"""Transfers to connected accounts, their reversals, and balances derived from the records:

- a connected account's available balance = transfers to it - reversals - payouts not failed and
  their instant payout fees (transferred funds are available at once; nothing is ever pending);
- the platform's = captured - refunded - transferred + reversed (not enforced: Stripe test mode
  lets a platform transfer before its charges settle only with special cards, so the stand-in
  does not refuse a transfer for want of platform funds).
"""

from __future__ import annotations

from typing import Any

from standins.stripe.connect import account_or_404
from standins.stripe.core import Call, list_object, list_page
from standins.stripe.errors import invalid_request, no_such
from standins.stripe.store import new_id


def transfer_or_404(call: Call, transfer_id: str) -> dict[str, Any]:
    transfer = call.store.get(transfer_id, "")
    if transfer is None or transfer["object"] != "transfer":
        raise no_such("transfer", transfer_id)
    return transfer


def create_transfer(call: Call) -> dict[str, Any]:
    p = call.params
    amount = p.int("amount", required=True, minimum=1)
    currency = p.str("currency", required=True).lower()
    destination_id = p.str("destination", required=True)
    transfer = {
        "id": new_id("tr"),
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": new_id("txn"),
        "created": call.now(),
        "currency": currency,
        "description": p.str("description"),
        "destination": destination_id,
        "destination_payment": new_id("py"),
        "livemode": False,
        "metadata": p.metadata(),
        "reversals": {"object": "list", "data": [], "has_more": False, "url": ""},
        "reversed": False,
        "source_transaction": p.str("source_transaction"),
        "source_type": "card",
        "transfer_group": p.str("transfer_group"),
    }
    p.done()
    if call.account:
        raise invalid_request("Transfers are made by the platform: do not pass Stripe-Account.")
    destination = account_or_404(call, destination_id, param="destination")
    if destination["capabilities"].get("transfers") != "active":
        raise invalid_request(
            "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments",
            param="destination",
            code="insufficient_capabilities_for_transfer",
            replayable=True,
        )
    transfer["reversals"]["url"] = f"/v1/transfers/{transfer['id']}/reversals"
    call.store.put(transfer)
    call.emit("transfer.created", transfer)
    return transfer


def retrieve_transfer(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    return transfer_or_404(call, id)


def list_transfers(call: Call) -> dict[str, Any]:
    filters = {name: call.params.str(name) for name in ("destination", "transfer_group")}
    return list_page(call, "/v1/transfers", "transfer", **filters)


def create_reversal(call: Call, id: str) -> dict[str, Any]:
    p = call.params
    transfer = transfer_or_404(call, id)
    amount = p.int("amount", minimum=1)
    metadata = p.metadata()
    p.raw("description")
    p.raw("refund_application_fee")
    p.done()
    remaining = transfer["amount"] - transfer["amount_reversed"]
    amount = remaining if amount is None else amount
    if remaining <= 0 or amount > remaining:
        raise invalid_request(
            f"You have requested a reversal of {amount} but this transfer only has {remaining} remaining "
            "available for reversal.",
            param="amount",
        )
    reversal = {
        "id": new_id("trr"),
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": new_id("txn"),
        "created": call.now(),
        "currency": transfer["currency"],
        "destination_payment_refund": new_id("pyr"),
        "metadata": metadata,
        "transfer": transfer["id"],
    }
    previous = {"amount_reversed": transfer["amount_reversed"], "reversed": transfer["reversed"]}
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    transfer["reversals"]["data"].insert(0, reversal)
    call.store.put(reversal)
    call.store.put(transfer)
    call.emit("transfer.reversed", transfer, previous)
    return reversal


def list_reversals(call: Call, id: str) -> dict[str, Any]:
    transfer = transfer_or_404(call, id)
    return list_object(f"/v1/transfers/{id}/reversals", transfer["reversals"]["data"], call.params)


LIVE_PAYOUT = (
    "json_extract(data, '$.type') = 'payout' AND json_extract(data, '$.source') IN (SELECT id FROM objects "
    "WHERE object = 'payout' AND json_extract(data, '$.status') NOT IN ('failed', 'canceled'))"
)


def payout_fees(call: Call, account: str) -> int:
    """Stripe's fees of the account's payouts not failed (a failed payout gives its fee back)."""
    return call.store.total("balance_transaction", "json_extract(data, '$.fee')", account, LIVE_PAYOUT)


def available_balance(call: Call, account: str) -> int:
    return _before_fees(call, account) - payout_fees(call, account)


def _before_fees(call: Call, account: str) -> int:
    store = call.store
    if account:
        transferred = store.total(
            "transfer",
            "json_extract(data, '$.amount') - json_extract(data, '$.amount_reversed')",
            "",
            "json_extract(data, '$.destination') = ?",
            account,
        )
        paid_out = store.total(
            "payout",
            "json_extract(data, '$.amount')",
            account,
            "json_extract(data, '$.status') NOT IN ('failed', 'canceled')",
        )
        return transferred - paid_out
    captured = store.total(
        "charge", "json_extract(data, '$.amount_captured') - json_extract(data, '$.amount_refunded')", ""
    )
    transferred = store.total(
        "transfer", "json_extract(data, '$.amount') - json_extract(data, '$.amount_reversed')", ""
    )
    paid_out = store.total(
        "payout", "json_extract(data, '$.amount')", "", "json_extract(data, '$.status') NOT IN ('failed', 'canceled')"
    )
    return captured - transferred - paid_out


def retrieve_balance(call: Call) -> dict[str, Any]:
    call.params.done()
    if call.account:
        account_or_404(call, call.account)
    amount = available_balance(call, call.account)
    funds = [{"amount": amount, "currency": "usd", "source_types": {"card": amount}}]
    balance = {
        "object": "balance",
        "available": funds,
        "livemode": False,
        "pending": [{"amount": 0, "currency": "usd", "source_types": {"card": 0}}],
    }
    if call.account:
        balance["instant_available"] = funds
    return balance


ROUTES = [
    ("POST", "/v1/transfers", create_transfer),
    ("GET", "/v1/transfers", list_transfers),
    ("GET", "/v1/transfers/{id}", retrieve_transfer),
    ("POST", "/v1/transfers/{id}/reversals", create_reversal),
    ("GET", "/v1/transfers/{id}/reversals", list_reversals),
    ("GET", "/v1/balance", retrieve_balance),
]

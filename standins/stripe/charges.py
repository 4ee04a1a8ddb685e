"""Charges: the record of one authorization attempt of a PaymentIntent (made by payment_intents.py),
retrieved and listed here. A successful card authorization must be captured before
`payment_method_details.card.capture_before`, 7 days after it (stand-in time)."""

from __future__ import annotations

from typing import Any

from standins.stripe.core import Call, list_page
from standins.stripe.errors import no_such
from standins.stripe.store import new_id

AUTHORIZATION_SECONDS = 7 * 24 * 3600


def new_charge(
    call: Call, pi: dict[str, Any], pm: dict[str, Any], *, succeeded: bool, **failure: str
) -> dict[str, Any]:
    now = call.now()
    card = dict(pm["card"])
    card["capture_before"] = now + AUTHORIZATION_SECONDS
    return {
        "id": new_id("ch"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": 0,
        "amount_refunded": 0,
        "balance_transaction": None,
        "captured": False,
        "created": now,
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "failure_code": failure.get("failure_code"),
        "failure_message": failure.get("failure_message"),
        "livemode": False,
        "metadata": dict(pi["metadata"]),
        "outcome": {
            "network_status": "approved_by_network" if succeeded else "declined_by_network",
            "reason": None if succeeded else failure.get("failure_code"),
            "risk_level": "normal",
            "seller_message": "Payment complete." if succeeded else "The bank did not return any further details.",
            "type": "authorized" if succeeded else "issuer_declined",
        },
        "paid": succeeded,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": {"type": "card", "card": card},
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"},
        "status": "succeeded" if succeeded else "failed",
        "transfer_group": pi["transfer_group"],
    }


def retrieve_charge(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    charge = call.store.get(id, call.account)
    if charge is None or charge["object"] != "charge":
        raise no_such("charge", id)
    return charge


def list_charges(call: Call) -> dict[str, Any]:
    filters = {name: call.params.str(name) for name in ("customer", "payment_intent", "transfer_group")}
    return list_page(call, "/v1/charges", "charge", **filters)


ROUTES = [
    ("GET", "/v1/charges", list_charges),
    ("GET", "/v1/charges/{id}", retrieve_charge),
]

"""Refunds of captured PaymentIntents (full or partial), by `payment_intent` or `charge`."""

from __future__ import annotations

from typing import Any

from standins.stripe.core import Call, list_page
from standins.stripe.errors import invalid_request, no_such
from standins.stripe.store import new_id


def create_refund(call: Call) -> dict[str, Any]:
    p = call.params
    pi_id, charge_id = p.str("payment_intent"), p.str("charge")
    amount = p.int("amount", minimum=1)
    reason = p.str("reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
    metadata = p.metadata()
    p.done()
    charge = _charge_to_refund(call, pi_id, charge_id)
    refundable = charge["amount_captured"] - charge["amount_refunded"]
    if refundable <= 0:
        raise invalid_request(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded", replayable=True
        )
    amount = refundable if amount is None else amount
    if amount > refundable:
        raise invalid_request(
            f"Refund amount (${amount / 100:.2f}) is greater than unrefunded amount on charge "
            f"(${refundable / 100:.2f})",
            param="amount",
            code="amount_too_large",
        )
    refund = {
        "id": new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn"),
        "charge": charge["id"],
        "created": call.now(),
        "currency": charge["currency"],
        "metadata": metadata,
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "status": "succeeded",
    }
    call.store.put(refund, call.account)
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    call.store.put(charge, call.account)
    call.emit("refund.created", refund)
    call.emit("charge.refunded", charge, previous)
    return refund


def _charge_to_refund(call: Call, pi_id: str | None, charge_id: str | None) -> dict[str, Any]:
    if pi_id:
        pi = call.store.get(pi_id, call.account)
        if pi is None or pi["object"] != "payment_intent":
            raise no_such("payment_intent", pi_id, param="payment_intent")
        charge_id = pi["latest_charge"]
        if pi["status"] != "succeeded":
            raise invalid_request(
                f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                param="payment_intent",
                code="charge_not_refundable"
                if pi["status"] == "requires_capture"
                else "payment_intent_unexpected_state",
            )
    if not charge_id:
        raise invalid_request(
            "One of the following params should be provided for this request: payment_intent or charge."
        )
    charge = call.store.get(charge_id, call.account)
    if charge is None or charge["object"] != "charge":
        raise no_such("charge", charge_id, param="charge")
    return charge


def retrieve_refund(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    refund = call.store.get(id, call.account)
    if refund is None or refund["object"] != "refund":
        raise no_such("refund", id)
    return refund


def list_refunds(call: Call) -> dict[str, Any]:
    filters = {name: call.params.str(name) for name in ("payment_intent", "charge")}
    return list_page(call, "/v1/refunds", "refund", **filters)


ROUTES = [
    ("POST", "/v1/refunds", create_refund),
    ("GET", "/v1/refunds", list_refunds),
    ("GET", "/v1/refunds/{id}", retrieve_refund),
]

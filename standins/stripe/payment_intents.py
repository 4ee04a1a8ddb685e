"""PaymentIntents: create, confirm, retrieve, list, capture (incl. partial), cancel; each
authorization attempt leaves a Charge (charges.py).

A manual-capture authorization holds `amount_capturable` until captured, cancelled, or its
charge's `capture_before` (7 days after authorization, stand-in time) passes, when it is cancelled
with `cancellation_reason: "automatic"` as Stripe does. Released (uncaptured) amounts are not
refunds here: a charge's `amount_refunded` counts Refund objects only.
"""

from __future__ import annotations

import json
from typing import Any

from standins.stripe.cards import card_of
from standins.stripe.charges import new_charge
from standins.stripe.core import Call, list_page
from standins.stripe.customers import customer_or_404
from standins.stripe.errors import card_error, invalid_request, no_such
from standins.stripe.payment_methods import resolve_payment_method
from standins.stripe.store import new_id

CANCELLABLE = ("requires_payment_method", "requires_confirmation", "requires_action", "requires_capture", "processing")
DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
}
AUTHENTICATION_MESSAGE = "Your card was declined. This transaction requires authentication."


def payment_intent_or_404(call: Call, pi_id: str) -> dict[str, Any]:
    pi = call.store.get(pi_id, call.account)
    if pi is None or pi["object"] != "payment_intent":
        raise no_such("payment_intent", pi_id)
    return expire_if_due(call, pi)


def expire_if_due(call: Call, pi: dict[str, Any]) -> dict[str, Any]:
    """An authorization past its charge's capture_before is cancelled (read, capture or sweep)."""
    if pi["status"] != "requires_capture":
        return pi
    charge = call.store.get(pi["latest_charge"])
    if charge and call.now() > charge["payment_method_details"]["card"]["capture_before"]:
        _cancel(call, pi, "automatic")
    return pi


def due_for_expiry(call: Call) -> list[dict[str, Any]]:
    """Authorizations whose charge's capture_before has passed (one SQL scan, for the sweep)."""
    rows = call.store.db.execute(
        "SELECT pi.data FROM objects pi JOIN objects ch ON ch.id = json_extract(pi.data, '$.latest_charge') "
        "WHERE pi.object = 'payment_intent' AND json_extract(pi.data, '$.status') = 'requires_capture' "
        "AND json_extract(ch.data, '$.payment_method_details.card.capture_before') < ?",
        (call.now(),),
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def create_payment_intent(call: Call) -> dict[str, Any]:
    p = call.params
    amount = p.int("amount", required=True, minimum=1)
    if amount < 50:
        raise invalid_request("Amount must be at least $0.50 usd", param="amount", code="amount_too_small")
    currency = p.str("currency", required=True).lower()
    customer_id = p.str("customer")
    if customer_id:
        customer_or_404(call, customer_id, param="customer")
    confirm = p.bool("confirm") or False
    off_session = p.bool("off_session")
    if off_session is not None and not confirm:
        raise invalid_request("You can only pass in off_session when confirm is set to true.", param="off_session")
    pi = {
        "id": new_id("pi"),
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": 0,
        "application_fee_amount": p.int("application_fee_amount"),
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": p.str("capture_method", choices=("automatic", "automatic_async", "manual"))
        or "automatic_async",
        "client_secret": None,
        "confirmation_method": "automatic",
        "created": call.now(),
        "currency": currency,
        "customer": customer_id,
        "description": p.str("description"),
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": p.metadata(),
        "next_action": None,
        "on_behalf_of": p.str("on_behalf_of"),
        "payment_method": None,
        "payment_method_types": p.raw("payment_method_types") or ["card"],
        "receipt_email": p.str("receipt_email"),
        "setup_future_usage": p.str("setup_future_usage", choices=("off_session", "on_session")),
        "statement_descriptor": p.str("statement_descriptor"),
        "status": "requires_payment_method",
        "transfer_data": p.dict("transfer_data") or None,
        "transfer_group": p.str("transfer_group"),
    }
    pi["client_secret"] = f"{pi['id']}_secret_{new_id('x')[5:]}"
    pm_id = p.str("payment_method")
    return_url = p.str("return_url")
    p.raw("automatic_payment_methods")
    p.raw("payment_method_options")
    p.done()
    if pm_id:
        pi["payment_method"] = _usable_payment_method(call, pm_id, customer_id)["id"]
        pi["status"] = "requires_confirmation"
    if confirm and not pm_id:
        raise _missing_payment_method(pi)
    call.store.put(pi, call.account)
    call.emit("payment_intent.created", pi)
    if confirm:
        return _confirm(call, pi, off_session=bool(off_session), return_url=return_url)
    return pi


def confirm_payment_intent(call: Call, id: str) -> dict[str, Any]:
    p = call.params
    pi = payment_intent_or_404(call, id)
    pm_id = p.str("payment_method")
    off_session = p.bool("off_session") or False
    return_url = p.str("return_url")
    p.raw("payment_method_options")
    p.done()
    if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise _unexpected_state(
            pi, "confirmed", ("requires_payment_method", "requires_confirmation", "requires_action")
        )
    if pm_id:
        pi["payment_method"] = _usable_payment_method(call, pm_id, pi["customer"])["id"]
    if not pi["payment_method"]:
        raise _missing_payment_method(pi)
    return _confirm(call, pi, off_session=off_session, return_url=return_url)


def _missing_payment_method(pi: dict[str, Any]):
    return invalid_request(
        "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the "
        "PaymentIntent, specify a payment method attached to its customer along with the customer ID.",
        code="payment_intent_unexpected_state",
        payment_intent=pi,
    )


def list_payment_intents(call: Call) -> dict[str, Any]:
    return list_page(call, "/v1/payment_intents", "payment_intent", customer=call.params.str("customer"))


def retrieve_payment_intent(call: Call, id: str) -> dict[str, Any]:
    call.params.raw("client_secret")
    call.params.done()
    return payment_intent_or_404(call, id)


def capture_payment_intent(call: Call, id: str) -> dict[str, Any]:
    p = call.params
    pi = payment_intent_or_404(call, id)
    amount = p.int("amount_to_capture", minimum=1)
    p.int("application_fee_amount")
    p.metadata()
    p.done()
    if pi["status"] == "canceled" and pi["cancellation_reason"] == "automatic":
        raise invalid_request(
            "This PaymentIntent could not be captured because its authorization has expired.",
            code="charge_expired_for_capture",
            payment_intent=pi,
            replayable=True,
        )
    if pi["status"] != "requires_capture":
        raise _unexpected_state(pi, "captured", ("requires_capture",))
    amount = pi["amount_capturable"] if amount is None else amount
    if amount > pi["amount_capturable"]:
        raise invalid_request(
            f"The amount to capture ({amount}) is greater than the amount capturable ({pi['amount_capturable']}).",
            param="amount_to_capture",
            code="amount_too_large",
        )
    if "metadata" in p:
        pi["metadata"] = p.metadata(pi["metadata"])
    charge = call.store.get(pi["latest_charge"])
    charge.update(captured=True, amount_captured=amount, balance_transaction=new_id("txn"))
    call.store.put(charge)
    pi.update(status="succeeded", amount_received=amount, amount_capturable=0)
    call.store.put(pi, call.account)
    call.emit("charge.captured", charge)
    call.emit("payment_intent.succeeded", pi)
    return pi


def cancel_payment_intent(call: Call, id: str) -> dict[str, Any]:
    p = call.params
    pi = payment_intent_or_404(call, id)
    reason = p.str("cancellation_reason", choices=("duplicate", "fraudulent", "requested_by_customer", "abandoned"))
    p.done()
    if pi["status"] not in CANCELLABLE:
        raise _unexpected_state(pi, "canceled", CANCELLABLE)
    return _cancel(call, pi, reason)


def _cancel(call: Call, pi: dict[str, Any], reason: str | None) -> dict[str, Any]:
    pi.update(status="canceled", cancellation_reason=reason, canceled_at=call.now(), amount_capturable=0)
    pi["next_action"] = None
    call.store.put(pi, call.store.account_of(pi["id"]) or "")
    call.emit("payment_intent.canceled", pi)
    return pi


def _usable_payment_method(call: Call, pm_id: str, customer_id: str | None) -> dict[str, Any]:
    pm = resolve_payment_method(call, pm_id)
    if pm["customer"] and pm["customer"] != customer_id:
        raise invalid_request(
            f"The provided PaymentMethod ({pm['id']}) is attached to another customer.",
            param="payment_method",
        )
    return pm


def _confirm(call: Call, pi: dict[str, Any], *, off_session: bool, return_url: str | None) -> dict[str, Any]:
    pm = call.store.get(pi["payment_method"], call.account)
    card = card_of(pm)
    if card.outcome == "authentication_required":
        if off_session:
            return _fail(call, pi, pm, "authentication_required", "authentication_required", AUTHENTICATION_MESSAGE)
        return _requires_action(call, pi, return_url)
    if card.outcome == "declined":
        message = DECLINE_MESSAGES.get(card.decline_code or "", "Your card was declined.")
        return _fail(call, pi, pm, "card_declined", card.decline_code, message)
    return authorize(call, pi, pm)


def authorize(call: Call, pi: dict[str, Any], pm: dict[str, Any]) -> dict[str, Any]:
    charge = new_charge(call, pi, pm, succeeded=True)
    manual = pi["capture_method"] == "manual"
    if not manual:
        charge.update(captured=True, amount_captured=pi["amount"], balance_transaction=new_id("txn"))
    call.store.put(charge, call.account)
    pi.update(latest_charge=charge["id"], last_payment_error=None, next_action=None)
    if manual:
        pi.update(status="requires_capture", amount_capturable=pi["amount"])
    else:
        pi.update(status="succeeded", amount_received=pi["amount"])
    call.store.put(pi, call.account)
    call.emit("charge.succeeded", charge)
    call.emit("payment_intent.amount_capturable_updated" if manual else "payment_intent.succeeded", pi)
    return pi


def _requires_action(call: Call, pi: dict[str, Any], return_url: str | None) -> dict[str, Any]:
    page = f"{call.base_url}/_standin/hosted/authenticate/{pi['id']}"
    if return_url:
        page += "?return_url=" + return_url
        pi["next_action"] = {"type": "redirect_to_url", "redirect_to_url": {"url": page, "return_url": return_url}}
    else:
        pi["next_action"] = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": page},
        }
    pi["status"] = "requires_action"
    call.store.put(pi, call.account)
    call.emit("payment_intent.requires_action", pi)
    return pi


def _fail(call: Call, pi: dict[str, Any], pm: dict[str, Any], code: str, decline_code: str | None, message: str):
    charge = new_charge(call, pi, pm, succeeded=False, failure_code=code, failure_message=message)
    call.store.put(charge, call.account)
    error = {
        "type": "card_error",
        "code": code,
        "decline_code": decline_code,
        "message": message,
        "charge": charge["id"],
        "payment_method": pm,
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
    }
    pi.update(status="requires_payment_method", latest_charge=charge["id"], last_payment_error=error, next_action=None)
    pi["payment_method"] = None
    call.store.put(pi, call.account)
    call.emit("charge.failed", charge)
    call.emit("payment_intent.payment_failed", pi)
    raise card_error(code, decline_code, message, charge=charge["id"], payment_intent=pi, payment_method=pm)


def _unexpected_state(pi: dict[str, Any], action: str, allowed: tuple[str, ...]):
    return invalid_request(
        f"This PaymentIntent could not be {action} because it has a status of {pi['status']}. "
        f"Only a PaymentIntent with one of the following statuses may be {action}: {', '.join(allowed)}.",
        code="payment_intent_unexpected_state",
        payment_intent=pi,
        replayable=True,
    )


ROUTES = [
    ("POST", "/v1/payment_intents", create_payment_intent),
    ("GET", "/v1/payment_intents", list_payment_intents),
    ("GET", "/v1/payment_intents/{id}", retrieve_payment_intent),
    ("POST", "/v1/payment_intents/{id}/confirm", confirm_payment_intent),
    ("POST", "/v1/payment_intents/{id}/capture", capture_payment_intent),
    ("POST", "/v1/payment_intents/{id}/cancel", cancel_payment_intent),
]

"""PaymentMethods (retrieve, attach, detach, list by customer) and SetupIntents (create, confirm,
retrieve) for the test cards of `cards.py`."""

from __future__ import annotations

from typing import Any

from standins.stripe.cards import TEST_CARDS, card_details, card_of
from standins.stripe.core import Call, list_page
from standins.stripe.customers import customer_or_404
from standins.stripe.errors import invalid_request, no_such
from standins.stripe.store import new_id


def resolve_payment_method(call: Call, pm_id: str, param: str = "payment_method") -> dict[str, Any]:
    """A stored PaymentMethod, or a new one made from a test id as test mode does."""
    if pm_id in TEST_CARDS:
        card = TEST_CARDS[pm_id]
        pm = {
            "id": new_id("pm"),
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "card": card_details(card),
            "created": call.now(),
            "customer": None,
            "livemode": False,
            "metadata": {},
            "type": "card",
        }
        return call.store.put(pm, call.account)
    pm = call.store.get(pm_id, call.account)
    if pm is None or pm["object"] != "payment_method":
        raise no_such("PaymentMethod", pm_id, param=param)
    return pm


def retrieve_payment_method(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    return resolve_payment_method(call, id, param="id")


def attach_payment_method(call: Call, id: str) -> dict[str, Any]:
    customer_id = call.params.str("customer", required=True)
    call.params.done()
    customer = customer_or_404(call, customer_id, param="customer")
    pm = resolve_payment_method(call, id, param="id")
    if pm["customer"] not in (None, customer["id"]):
        raise invalid_request(
            "The payment method you provided has already been attached to a customer.",
            param="customer",
            code="payment_method_unexpected_state",
        )
    pm["customer"] = customer["id"]
    call.store.put(pm, call.account)
    call.emit("payment_method.attached", pm)
    return pm


def detach_payment_method(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    pm = resolve_payment_method(call, id, param="id")
    if pm["customer"] is None:
        raise invalid_request(
            "The payment method you provided is not attached to a customer so detachment is impossible.",
            code="payment_method_unexpected_state",
        )
    customer = call.store.get(pm["customer"], call.account)
    if customer and customer["invoice_settings"]["default_payment_method"] == pm["id"]:
        customer["invoice_settings"]["default_payment_method"] = None
        call.store.put(customer, call.account)
    pm["customer"] = None
    call.store.put(pm, call.account)
    call.emit("payment_method.detached", pm)
    return pm


def list_payment_methods(call: Call) -> dict[str, Any]:
    customer_id = call.params.str("customer", required=True)
    return _list_for(call, customer_id, "/v1/payment_methods")


def list_customer_payment_methods(call: Call, id: str) -> dict[str, Any]:
    return _list_for(call, id, f"/v1/customers/{id}/payment_methods")


def _list_for(call: Call, customer_id: str, url: str) -> dict[str, Any]:
    call.params.str("type", choices=("card",))
    customer_or_404(call, customer_id, param="customer")
    return list_page(call, url, "payment_method", customer=customer_id)


# SetupIntents


def setup_intent_or_404(call: Call, si_id: str) -> dict[str, Any]:
    si = call.store.get(si_id, call.account)
    if si is None or si["object"] != "setup_intent":
        raise no_such("setupintent", si_id)
    return si


def create_setup_intent(call: Call) -> dict[str, Any]:
    p = call.params
    customer_id = p.str("customer")
    if customer_id:
        customer_or_404(call, customer_id, param="customer")
    si = {
        "id": new_id("seti"),
        "object": "setup_intent",
        "cancellation_reason": None,
        "client_secret": None,
        "created": call.now(),
        "customer": customer_id,
        "description": p.str("description"),
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "metadata": p.metadata(),
        "next_action": None,
        "payment_method": None,
        "payment_method_types": p.raw("payment_method_types") or ["card"],
        "status": "requires_payment_method",
        "usage": p.str("usage", choices=("off_session", "on_session")) or "off_session",
    }
    si["client_secret"] = f"{si['id']}_secret_{new_id('x')[5:]}"
    pm_id = p.str("payment_method")
    if pm_id:
        si["payment_method"] = resolve_payment_method(call, pm_id)["id"]
        si["status"] = "requires_confirmation"
    confirm = p.bool("confirm")
    p.raw("automatic_payment_methods")
    p.raw("return_url")
    p.done()
    if confirm and not pm_id:
        raise invalid_request(
            "You cannot confirm this SetupIntent because it's missing a payment method.",
            code="setup_intent_unexpected_state",
            param="payment_method",
        )
    call.store.put(si, call.account)
    call.emit("setup_intent.created", si)
    if confirm:
        return _confirm(call, si)
    return si


def confirm_setup_intent(call: Call, id: str) -> dict[str, Any]:
    si = setup_intent_or_404(call, id)
    pm_id = call.params.str("payment_method")
    call.params.raw("return_url")
    call.params.done()
    if si["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise invalid_request(
            f"You cannot confirm this SetupIntent because it has a status of {si['status']}.",
            code="setup_intent_unexpected_state",
            setup_intent=si,
        )
    if pm_id:
        si["payment_method"] = resolve_payment_method(call, pm_id)["id"]
    if not si["payment_method"]:
        raise invalid_request(
            "You cannot confirm this SetupIntent because it's missing a payment method.",
            code="setup_intent_unexpected_state",
            setup_intent=si,
        )
    return _confirm(call, si)


def _confirm(call: Call, si: dict[str, Any]) -> dict[str, Any]:
    pm = call.store.get(si["payment_method"], call.account)
    if card_of(pm).outcome == "authentication_required":
        si["status"] = "requires_action"
        si["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect"}}
        call.store.put(si, call.account)
        call.emit("setup_intent.requires_action", si)
        return si
    if si["customer"] and pm["customer"] is None:
        pm["customer"] = si["customer"]
        call.store.put(pm, call.account)
        call.emit("payment_method.attached", pm)
    si["status"] = "succeeded"
    si["next_action"] = None
    call.store.put(si, call.account)
    call.emit("setup_intent.succeeded", si)
    return si


def retrieve_setup_intent(call: Call, id: str) -> dict[str, Any]:
    call.params.raw("client_secret")
    call.params.done()
    return setup_intent_or_404(call, id)


ROUTES = [
    ("GET", "/v1/payment_methods", list_payment_methods),
    ("GET", "/v1/payment_methods/{id}", retrieve_payment_method),
    ("POST", "/v1/payment_methods/{id}/attach", attach_payment_method),
    ("POST", "/v1/payment_methods/{id}/detach", detach_payment_method),
    ("GET", "/v1/customers/{id}/payment_methods", list_customer_payment_methods),
    ("POST", "/v1/setup_intents", create_setup_intent),
    ("GET", "/v1/setup_intents/{id}", retrieve_setup_intent),
    ("POST", "/v1/setup_intents/{id}/confirm", confirm_setup_intent),
]

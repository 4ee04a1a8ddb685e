"""Customers: create, retrieve, update (incl. `invoice_settings[default_payment_method]`)."""

from __future__ import annotations

from typing import Any

from standins.stripe.core import Call
from standins.stripe.errors import invalid_request, no_such
from standins.stripe.store import new_id


def customer_or_404(call: Call, customer_id: str, param: str = "id") -> dict[str, Any]:
    customer = call.store.get(customer_id, call.account)
    if customer is None or customer["object"] != "customer":
        raise no_such("customer", customer_id, param=param)
    return customer


def create_customer(call: Call) -> dict[str, Any]:
    p = call.params
    customer = {
        "id": new_id("cus"),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": call.now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": p.str("description"),
        "email": p.str("email"),
        "invoice_prefix": None,
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": p.metadata(),
        "name": p.str("name"),
        "phone": p.str("phone"),
        "preferred_locales": [],
        "shipping": None,
        "tax_exempt": "none",
    }
    _apply_invoice_settings(call, customer)
    p.done()
    call.store.put(customer, call.account)
    call.emit("customer.created", customer)
    return customer


def retrieve_customer(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    return customer_or_404(call, id)


def update_customer(call: Call, id: str) -> dict[str, Any]:
    p = call.params
    customer = customer_or_404(call, id)
    previous: dict[str, Any] = {}
    for name in ("description", "email", "name", "phone"):
        if name in p:
            previous[name] = customer[name]
            customer[name] = p.str(name)
    if "metadata" in p:
        previous["metadata"] = customer["metadata"]
        customer["metadata"] = p.metadata(customer["metadata"])
    if "invoice_settings" in p:
        previous["invoice_settings"] = dict(customer["invoice_settings"])
        _apply_invoice_settings(call, customer)
    p.done()
    call.store.put(customer, call.account)
    call.emit("customer.updated", customer, previous)
    return customer


def _apply_invoice_settings(call: Call, customer: dict[str, Any]) -> None:
    settings = call.params.dict("invoice_settings")
    if "default_payment_method" not in settings:
        return
    pm_id = settings["default_payment_method"] or None
    if pm_id is not None:
        pm = call.store.get(pm_id, call.account)
        if pm is None or pm.get("customer") != customer["id"]:
            raise invalid_request(
                f"No such PaymentMethod: '{pm_id}'; It's possible this PaymentMethod exists on one of your "
                "connected accounts, in which case you should retry this request on that connected account.",
                param="invoice_settings[default_payment_method]",
                code="resource_missing",
            )
    customer["invoice_settings"]["default_payment_method"] = pm_id


ROUTES = [
    ("POST", "/v1/customers", create_customer),
    ("GET", "/v1/customers/{id}", retrieve_customer),
    ("POST", "/v1/customers/{id}", update_customer),
]

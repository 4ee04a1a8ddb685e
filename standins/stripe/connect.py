"""Connect Express accounts and account links. An account can take neither charges nor payouts
until its hosted onboarding page (the account link's `url`, served by the stand-in) is visited."""

from __future__ import annotations

from typing import Any

from standins.stripe.core import Call
from standins.stripe.errors import invalid_request, no_such
from standins.stripe.store import new_id

LINK_SECONDS = 300
REQUIREMENTS_DUE = ["business_profile.url", "external_account", "individual.dob.day", "tos_acceptance.date"]


def account_or_404(call: Call, account_id: str, param: str = "account") -> dict[str, Any]:
    account = call.store.get(account_id)
    if account is None or account["object"] != "account":
        raise no_such("account", account_id, param=param)
    return account


def create_account(call: Call) -> dict[str, Any]:
    p = call.params
    account_type = p.str("type", choices=("express", "standard", "custom"))
    dashboard = p.dict("controller").get("stripe_dashboard", {}).get("type")  # the newer spelling of Express
    if (account_type or dashboard) != "express":
        raise invalid_request("The stand-in creates Express accounts only: pass type=express.", param="type")
    requested = p.dict("capabilities")
    account = {
        "id": new_id("acct"),
        "object": "account",
        "business_profile": p.dict("business_profile") or {"mcc": None, "name": None, "url": None},
        "business_type": p.str("business_type"),
        "capabilities": {name: "inactive" for name in requested} or {"transfers": "inactive"},
        "charges_enabled": False,
        "country": p.str("country") or "US",
        "created": call.now(),
        "default_currency": p.str("default_currency") or "usd",
        "details_submitted": False,
        "email": p.str("email"),
        "external_accounts": {"object": "list", "data": [], "has_more": False, "url": "/v1/accounts/external"},
        "metadata": p.metadata(),
        "payouts_enabled": False,
        "requirements": _requirements(REQUIREMENTS_DUE),
        "settings": {"payouts": {"schedule": {"interval": "manual", "delay_days": 2}}},
        "tos_acceptance": {"date": None},
        "type": "express",
    }
    p.raw("settings")
    p.done()
    call.store.put(account)
    return account


def _requirements(due: list[str]) -> dict[str, Any]:
    return {
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }


def retrieve_account(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    return account_or_404(call, id, param="id")


def retrieve_own_account(call: Call) -> dict[str, Any]:
    call.params.done()
    if not call.account:
        raise invalid_request("The stand-in's platform account has no record: pass Stripe-Account.")
    return account_or_404(call, call.account)


def update_account(call: Call, id: str) -> dict[str, Any]:
    account = account_or_404(call, id, param="id")
    previous = {"metadata": account["metadata"]}
    account["metadata"] = call.params.metadata(account["metadata"])
    if "email" in call.params:
        account["email"] = call.params.str("email")
    call.params.done()
    call.store.put(account)
    call.emit("account.updated", account, previous, account=account["id"])
    return account


def set_onboarded(call: Call, account: dict[str, Any], onboarded: bool) -> dict[str, Any]:
    """Onboarding done (or undone by a control call): the flags and requirements an account.updated carries."""
    previous = {
        name: account[name] for name in ("charges_enabled", "payouts_enabled", "details_submitted", "requirements")
    }
    previous["capabilities"] = dict(account["capabilities"])
    state = "active" if onboarded else "inactive"
    account["capabilities"] = {name: state for name in account["capabilities"]}
    account.update(charges_enabled=onboarded, payouts_enabled=onboarded, details_submitted=onboarded)
    account["requirements"] = _requirements([] if onboarded else REQUIREMENTS_DUE)
    if onboarded:
        account["tos_acceptance"] = {"date": call.now()}
        account["external_accounts"]["data"] = [_bank_account(account)]
    call.store.put(account)
    call.emit("account.updated", account, previous, account=account["id"])
    return account


def _bank_account(account: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "ba_" + account["id"][5:],
        "object": "bank_account",
        "account": account["id"],
        "bank_name": "STRIPE TEST BANK",
        "country": "US",
        "currency": "usd",
        "default_for_currency": True,
        "last4": "6789",
        "status": "new",
    }


def create_account_link(call: Call) -> dict[str, Any]:
    p = call.params
    account = account_or_404(call, p.str("account", required=True))
    link_type = p.str("type", required=True, choices=("account_onboarding", "account_update"))
    refresh_url = p.str("refresh_url")
    return_url = p.str("return_url")
    p.raw("collect")
    p.raw("collection_options")
    p.done()
    now = call.now()
    token = new_id("link")
    link = {
        "object": "account_link",
        "created": now,
        "expires_at": now + LINK_SECONDS,
        "url": f"{call.base_url}/_standin/hosted/onboarding/{token}",
    }
    # Stored under its token, for the hosted page: which account, where to go back, used or not.
    call.store.put(
        {
            "id": token,
            "object": "standin.account_link",
            "account": account["id"],
            "type": link_type,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "expires_at": link["expires_at"],
            "used": False,
        }
    )
    return link


ROUTES = [
    ("POST", "/v1/accounts", create_account),
    ("GET", "/v1/account", retrieve_own_account),
    ("GET", "/v1/accounts/{id}", retrieve_account),
    ("POST", "/v1/accounts/{id}", update_account),
    ("POST", "/v1/account_links", create_account_link),
]

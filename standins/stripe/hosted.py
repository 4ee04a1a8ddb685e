"""The pages Stripe would host, served by the stand-in: Connect onboarding (from an account link),
Identity verification, and card authentication (3D Secure) for a PaymentIntent in
`requires_action`. Visiting a page does what the person would do there and redirects back."""

from __future__ import annotations

from html import escape
from typing import Any

from standins.stripe.connect import set_onboarded
from standins.stripe.core import Call
from standins.stripe.identity import finish_verification
from standins.stripe.payment_intents import authorize


def onboarding(call: Call, token: str, result: str = "complete") -> tuple[int, str, str | None]:
    link = call.store.get(token)
    if link is None or link["object"] != "standin.account_link":
        return 404, "This onboarding link does not exist.", None
    if link["used"] or call.now() > link["expires_at"]:
        # Stripe sends an expired or reused link to refresh_url, where the platform makes a new one.
        return 303, "This link has expired.", link["refresh_url"]
    link["used"] = True
    call.store.put(link)
    account = call.store.get(link["account"])
    if result == "failed":
        # Details sent, but Stripe still asks for what REQUIREMENTS_DUE lists: the account is restricted.
        if not account["charges_enabled"] and not account["details_submitted"]:
            previous = {"details_submitted": False}
            account["details_submitted"] = True
            call.store.put(account)
            call.emit("account.updated", account, previous, account=account["id"])
        return 303, f"Account {account['id']} still needs information.", link["return_url"]
    if not account["details_submitted"] or not account["charges_enabled"]:
        set_onboarded(call, account, True)
    return 303, f"Account {account['id']} is onboarded.", link["return_url"]


def identity(call: Call, session_id: str, outcome: str) -> tuple[int, str, str | None]:
    session = call.store.get(session_id)
    if session is None or session["object"] != "identity.verification_session":
        return 404, "This verification session does not exist.", None
    session = finish_verification(call, session, "requires_input" if outcome == "requires_input" else "verified")
    return 303, f"Verification session {session_id} is {session['status']}.", session["return_url"]


def authenticate(call: Call, pi_id: str, outcome: str, return_url: str | None) -> tuple[int, str, str | None]:
    pi = call.store.get(pi_id)
    if pi is None or pi["object"] != "payment_intent":
        return 404, "This payment does not exist.", None
    if pi["status"] == "requires_action":
        if outcome == "fail":
            pi.update(status="requires_payment_method", next_action=None, payment_method=None)
            pi["last_payment_error"] = {
                "type": "card_error",
                "code": "payment_intent_authentication_failure",
                "message": "The provided PaymentMethod has failed authentication.",
            }
            call.store.put(pi, call.store.account_of(pi_id) or "")
            call.emit("payment_intent.payment_failed", pi)
        else:
            authorize(call, pi, call.store.get(pi["payment_method"]))
    return 303, f"Payment {pi_id} is {pi['status']}.", return_url


def page(status: int, message: str, location: str | None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = (
        "<!doctype html><meta charset=utf-8><title>Stripe stand-in</title>"
        f"<p>{escape(message)}</p>" + (f'<p><a href="{escape(location)}">Continue</a></p>' if location else "")
    ).encode()
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"text/html; charset=utf-8")]
    if location and status == 303:
        headers.append((b"location", location.encode()))
    else:
        status = 200 if status == 303 else status
    return status, headers, body


def route(call: Call, path: str, query: dict[str, Any]) -> tuple[int, str, str | None] | None:
    parts = path.removeprefix("/_standin/hosted/").split("/")
    if len(parts) != 2:
        return None
    kind, object_id = parts
    # `result` (a page's form: verified / complete / failed) or the older `outcome` query parameter.
    failed = query.get("result") == "failed"
    if kind == "onboarding":
        return onboarding(call, object_id, "failed" if failed else "complete")
    if kind == "identity":
        return identity(call, object_id, "requires_input" if failed else query.get("outcome", "verified"))
    if kind == "authenticate":
        return authenticate(call, object_id, query.get("outcome", "succeed"), query.get("return_url"))
    return None

"""Identity verification sessions: create, retrieve, cancel. The session's `url` is a hosted page
served by the stand-in: visiting it verifies the session (`?outcome=requires_input` fails it
instead, as a blurry document would) and redirects to the session's `return_url` if it has one."""

from __future__ import annotations

from typing import Any

from standins.stripe.core import Call
from standins.stripe.errors import invalid_request, no_such
from standins.stripe.store import new_id


def session_or_404(call: Call, session_id: str) -> dict[str, Any]:
    session = call.store.get(session_id, call.account)
    if session is None or session["object"] != "identity.verification_session":
        raise no_such("verification session", session_id)
    return session


def create_verification_session(call: Call) -> dict[str, Any]:
    p = call.params
    session_id = new_id("vs")
    session = {
        "id": session_id,
        "object": "identity.verification_session",
        "client_reference_id": p.str("client_reference_id"),
        "client_secret": f"{session_id}_secret_{new_id('x')[5:]}",
        "created": call.now(),
        "last_error": None,
        "last_verification_report": None,
        "livemode": False,
        "metadata": p.metadata(),
        "options": p.dict("options"),
        "provided_details": p.dict("provided_details") or None,
        "redaction": None,
        "return_url": p.str("return_url"),
        "status": "requires_input",
        "type": p.str("type", choices=("document", "id_number")) or "document",
        "url": f"{call.base_url}/_standin/hosted/identity/{session_id}",
        "verified_outputs": None,
    }
    p.raw("verification_flow")
    p.raw("related_customer")
    p.done()
    call.store.put(session, call.account)
    call.emit("identity.verification_session.created", session)
    return session


def retrieve_verification_session(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    return session_or_404(call, id)


def cancel_verification_session(call: Call, id: str) -> dict[str, Any]:
    call.params.done()
    session = session_or_404(call, id)
    if session["status"] != "requires_input":
        raise invalid_request(
            f"This VerificationSession cannot be canceled because it has a status of {session['status']}."
        )
    session["status"] = "canceled"
    call.store.put(session, call.account)
    call.emit("identity.verification_session.canceled", session)
    return session


def finish_verification(call: Call, session: dict[str, Any], outcome: str) -> dict[str, Any]:
    """What the hosted page and POST /_standin/identity/{id} do: `verified` or `requires_input`."""
    if session["status"] in ("verified", "canceled"):
        return session
    if outcome == "verified":
        session.update(
            status="verified",
            last_error=None,
            last_verification_report=new_id("vr"),
            verified_outputs={
                "first_name": "Jenny",
                "last_name": "Rosen",
                "dob": {"day": 1, "month": 1, "year": 1990},
                "address": {"country": "US", "line1": "1 Test Street", "city": "Testville", "postal_code": "12345"},
                "id_number_type": None,
            },
        )
    else:
        session.update(
            status="requires_input",
            last_error={"code": "document_unverified_other", "reason": "The document could not be verified."},
        )
    account = call.store.account_of(session["id"]) or ""
    call.store.put(session, account)
    call.standin.emit(f"identity.verification_session.{session['status']}", session, account, None, call)
    return session


ROUTES = [
    ("POST", "/v1/identity/verification_sessions", create_verification_session),
    ("GET", "/v1/identity/verification_sessions/{id}", retrieve_verification_session),
    ("POST", "/v1/identity/verification_sessions/{id}/cancel", cancel_verification_session),
]

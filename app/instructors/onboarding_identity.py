"""The identity step: a Stripe Identity verification session per attempt (a fresh one each time it is
asked for), its result by webhook (identity.verification_session.*). A session's state only moves
forward (pending → failed → verified: a failed session may still be verified on its page, a
verified one stays verified), so repeated and out-of-order events change nothing. Registered with
app.payments.webhooks through webhook_routes.HANDLER_MODULES."""

from __future__ import annotations

from typing import Any

import msgspec
import stripe

from app.core.errors import ApiError
from app.core.outbox import Effects
from app.core.time import now
from app.instructors.onboarding import note_progress
from app.instructors.onboarding_tables import IdentitySession, IdentityStatus
from app.payments import connect_events  # noqa: F401  (its account.updated handler runs before ours)
from app.payments.stripe_api import refusal
from app.payments.stripe_tables import ConnectedAccount, ConnectedAccountStatus
from app.payments.webhooks import handles, move_forward
from app.services import Services


class IdentitySessionOut(msgspec.Struct):
    session_id: str
    # Stripe's hosted verification page (or the stand-in's).
    url: str


async def start_identity(services: Services, instructor_id: int, site_url: str) -> IdentitySessionOut:
    if await IdentitySession.exists().where(
        (IdentitySession.instructor == instructor_id) & (IdentitySession.status == IdentityStatus.verified)
    ):
        raise ApiError(409, "Your identity is already verified", code="identity_verified")
    number = await IdentitySession.count().where(IdentitySession.instructor == instructor_id) + 1
    try:
        session_id, url = await services.stripe.create_identity_session(
            instructor_id, number, f"{site_url.rstrip('/')}/#/onboarding"
        )
    except stripe.StripeError as exc:
        raise refusal(exc) from None
    at = now()
    # Its created event may have recorded it first (from the metadata): the same session.
    await IdentitySession.raw(
        "INSERT INTO identity_sessions (instructor, session_id, status, created_at, updated_at) "
        "VALUES ({}, {}, {}, {}, {}) ON CONFLICT (session_id) DO NOTHING",
        instructor_id, session_id, IdentityStatus.pending.value, at, at,
    )  # fmt: skip
    return IdentitySessionOut(session_id=session_id, url=url)


def _instructor_of(session: dict[str, Any]) -> int | None:
    raw = (session.get("metadata") or {}).get("instructor_id")
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def session_status(event_type: str, session: dict[str, Any]) -> IdentityStatus | None:
    if event_type.endswith(".verified") or session.get("status") == "verified":
        return IdentityStatus.verified
    if session.get("status") == "requires_input" and session.get("last_error"):
        return IdentityStatus.failed
    if session.get("status") in ("requires_input", "processing"):
        return IdentityStatus.pending
    return None  # canceled, redacted: nothing the checklist shows


@handles(
    "identity.verification_session.created",
    "identity.verification_session.processing",
    "identity.verification_session.requires_input",
    "identity.verification_session.verified",
)
async def verification_session_changed(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    session = event["data"]["object"]
    status = session_status(event["type"], session)
    instructor = _instructor_of(session)
    if status is None or instructor is None or not isinstance(session.get("id"), str):
        return
    at = now()
    await IdentitySession.raw(
        "INSERT INTO identity_sessions (instructor, session_id, status, created_at, updated_at) "
        "SELECT {}, {}, {}, {}, {} WHERE EXISTS (SELECT 1 FROM users WHERE id = {} AND role = 'instructor') "
        "ON CONFLICT (session_id) DO NOTHING",
        instructor, session["id"], IdentityStatus.pending.value, at, at, instructor,
    )  # fmt: skip
    reason = (session.get("last_error") or {}).get("reason") if status == IdentityStatus.failed else None
    moved = await move_forward(
        IdentitySession,
        {"session_id": session["id"]},
        status,
        list(IdentityStatus),
        {"failure_reason": reason, "updated_at": at},
    )
    if moved and status == IdentityStatus.verified:
        await note_progress(effects, moved["instructor"])


@handles("account.updated")
async def payouts_account_updated(services: Services, effects: Effects, event: dict[str, Any]) -> None:
    """After connect_events recorded the account (imported above, so registered first): an account
    that is active now completes the payouts step (announced once)."""
    account = event["data"]["object"]
    row = (
        await ConnectedAccount.select(ConnectedAccount.instructor, ConnectedAccount.status)
        .where(ConnectedAccount.account_id == account.get("id"))
        .first()
    )
    if row is not None and row["status"] == ConnectedAccountStatus.active:
        await note_progress(effects, row["instructor"])

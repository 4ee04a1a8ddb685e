"""Onboarding as a state machine shown as a checklist (SPEC §3, API.md "Instructor onboarding"):
profile → services → identity → background_check → payouts → live. Each step's state is read from
what its feature keeps (the profile, priced services, Identity sessions, background-check documents,
the Connect account); going live needs every step done, going offline is always possible. Every
step that becomes done is announced once (`onboarding.step_done`), going live as `onboarding.live`,
both as notifications (feed and `notifications:{user_id}`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.catalog import discovery
from app.catalog.tables import InstructorService
from app.core.errors import ApiError
from app.core.outbox import Effects, change
from app.core.time import now
from app.instructors.onboarding_tables import (
    BackgroundCheck,
    DocumentStatus,
    IdentitySession,
    IdentityStatus,
    OnboardingState,
)
from app.instructors.profile import profile_step_done
from app.notifications.service import notify
from app.payments.stripe_tables import ConnectedAccount
from app.services import Services

STEP_KEYS = ("profile", "services", "identity", "background_check", "payouts")
STEP_TITLES = {
    "profile": "Profile",
    "services": "Services and prices",
    "identity": "Identity verification",
    "background_check": "Background check",
    "payouts": "Payouts",
}


@dataclass(frozen=True)
class Step:
    key: str
    done: bool
    status: str
    detail: str


async def _profile_step(instructor_id: int) -> Step:
    if await profile_step_done(instructor_id):
        return Step("profile", True, "complete", "Your profile has a headline or bio, a place and a service radius.")
    return Step("profile", False, "incomplete", "Add a headline or bio, your location and a service radius.")


async def _services_step(instructor_id: int) -> Step:
    priced = await InstructorService.count().where(
        (InstructorService.instructor == instructor_id) & (InstructorService.hourly_rate_cents > 0)
    )
    if priced:
        return Step("services", True, "complete", f"You offer {priced} priced service{'s' * (priced != 1)}.")
    return Step("services", False, "incomplete", "Offer at least one service with an hourly rate.")


async def _identity_step(instructor_id: int) -> Step:
    sessions = await (
        IdentitySession.select(IdentitySession.status, IdentitySession.failure_reason)
        .where(IdentitySession.instructor == instructor_id)
        .order_by(IdentitySession.id, ascending=False)
    )
    if any(s["status"] == IdentityStatus.verified for s in sessions):
        return Step("identity", True, IdentityStatus.verified.value, "Your identity is verified.")
    if not sessions:
        return Step("identity", False, "not_started", "Verify your identity with a photo ID.")
    latest = sessions[0]
    if latest["status"] == IdentityStatus.failed:
        reason = latest["failure_reason"] or "The document could not be verified."
        return Step("identity", False, IdentityStatus.failed.value, f"{reason} Start a new verification to try again.")
    return Step("identity", False, IdentityStatus.pending.value, "Finish the verification on Stripe's page.")


async def latest_document(instructor_id: int) -> dict[str, Any] | None:
    return (
        await BackgroundCheck.select()
        .where(BackgroundCheck.instructor == instructor_id)
        .order_by(BackgroundCheck.id, ascending=False)
        .first()
    )


BACKGROUND_DETAILS = {
    DocumentStatus.uploaded: "Upload your document, then submit it for review.",
    DocumentStatus.pending_review: "Your document is waiting for a review.",
    DocumentStatus.approved: "Your background check is approved.",
}


async def _background_step(instructor_id: int) -> Step:
    document = await latest_document(instructor_id)
    if document is None:
        return Step("background_check", False, "not_started", "Upload a background-check document (PDF, JPEG or PNG).")
    status = DocumentStatus(document["status"])
    if status == DocumentStatus.invalid:
        # Refused at submit: the step is back where it started.
        return Step("background_check", False, "not_started", f"Your last upload was refused: {document['reason']}")
    if status == DocumentStatus.rejected:
        return Step("background_check", False, status.value, f"Rejected: {document['reason']}. Upload a new document.")
    return Step("background_check", status == DocumentStatus.approved, status.value, BACKGROUND_DETAILS[status])


async def _payouts_step(instructor_id: int) -> Step:
    account = await ConnectedAccount.select().where(ConnectedAccount.instructor == instructor_id).first()
    if account is None:
        return Step("payouts", False, "not_started", "Set up payouts to receive your earnings.")
    due = [item for item in (account["currently_due"] or "").split(",") if item]
    if account["status"] == "active":
        return Step("payouts", True, "active", "Payouts are set up.")
    if account["status"] == "restricted":
        asks = ", ".join(due) or "more information"
        return Step("payouts", False, "restricted", f"Stripe asks for: {asks}.")
    return Step("payouts", False, "pending", "Finish setting up payouts on Stripe's page.")


async def steps_of(instructor_id: int) -> list[Step]:
    return [
        await _profile_step(instructor_id),
        await _services_step(instructor_id),
        await _identity_step(instructor_id),
        await _background_step(instructor_id),
        await _payouts_step(instructor_id),
    ]


async def _state_locked(instructor_id: int) -> dict[str, Any]:
    """The instructor's onboarding row, made on first use and locked for this transaction."""
    await OnboardingState.raw(
        "INSERT INTO onboarding_states (instructor, updated_at) VALUES ({}, {}) ON CONFLICT (instructor) DO NOTHING",
        instructor_id,
        now(),
    )
    return await OnboardingState.select().where(OnboardingState.instructor == instructor_id).lock_rows().first()


async def note_progress(effects: Effects, instructor_id: int) -> list[Step]:
    """Announces each step that is done and was not announced before (once, whoever noticed it:
    a webhook, an admin's decision, the instructor's own read). Inside a change's transaction."""
    state = await _state_locked(instructor_id)
    told = {key for key in state["notified_steps"].split(",") if key}
    steps = await steps_of(instructor_id)
    newly = [step for step in steps if step.done and step.key not in told]
    for step in newly:
        await notify(
            effects, instructor_id, "onboarding.step_done", f"{STEP_TITLES[step.key]}: done", step.detail,
            {"step": step.key, "status": step.status},
        )  # fmt: skip
    if newly:
        told |= {step.key for step in newly}
        await OnboardingState.update(
            {
                OnboardingState.notified_steps: ",".join(k for k in STEP_KEYS if k in told),
                OnboardingState.updated_at: now(),
            }
        ).where(OnboardingState.instructor == instructor_id)
    return steps


def checklist(steps: list[Step], is_live: bool) -> dict[str, Any]:
    return {"is_live": is_live, "can_go_live": all(s.done for s in steps), "steps": [asdict(s) for s in steps]}


async def onboarding_of(services: Services, instructor_id: int) -> dict[str, Any]:
    async with change(services.relay) as effects:
        steps = await note_progress(effects, instructor_id)
        state = await OnboardingState.select().where(OnboardingState.instructor == instructor_id).first()
    return checklist(steps, bool(state and state["is_live"]))


async def go_live(services: Services, instructor_id: int) -> dict[str, Any]:
    async with change(services.relay) as effects:
        steps = await note_progress(effects, instructor_id)
        missing = [step.key for step in steps if not step.done]
        if missing:
            raise ApiError(
                409,
                "Finish onboarding first; missing: " + ", ".join(missing),
                code="onboarding_incomplete",
                body={"missing": missing},
            )
        state = await _state_locked(instructor_id)
        if not state["is_live"]:
            at = now()
            await OnboardingState.update(
                {OnboardingState.is_live: True, OnboardingState.live_at: at, OnboardingState.updated_at: at}
            ).where(OnboardingState.instructor == instructor_id)
            await discovery.record_change(effects, instructor_id)
            await notify(
                effects, instructor_id, "onboarding.live", "You are live",
                "Students can now find and book you.", {"is_live": True},
            )  # fmt: skip
    return {"is_live": True}


async def go_offline(services: Services, instructor_id: int) -> dict[str, Any]:
    """Always possible: booked lessons stay booked; nobody can book new ones until live again."""
    async with change(services.relay) as effects:
        await _state_locked(instructor_id)
        await OnboardingState.update({OnboardingState.is_live: False, OnboardingState.updated_at: now()}).where(
            OnboardingState.instructor == instructor_id
        )
        await discovery.record_change(effects, instructor_id)
    return {"is_live": False}

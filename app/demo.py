"""Demo accounts for local runs: a live instructor (a place, a service, weekly hours, a connected
account: onboarded through the real flow against the stand-ins), a second instructor still on the
checklist, a collaborator, an admin who reviews background checks, and a student with a saved card."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import structlog

from app.accounts.passwords import Passwords
from app.accounts.schemas import UserRegister
from app.accounts.service import register
from app.accounts.tables import User
from app.availability.tables import Collaborator
from app.availability.template import load_template, replace_template
from app.catalog.schemas import InstructorServiceUpdate
from app.catalog.service import offer_service
from app.catalog.tables import Service
from app.core.auth import CurrentUser
from app.core.tls import http_client
from app.demo_picture import give_demo_picture
from app.instructors import onboarding, onboarding_documents, onboarding_identity
from app.instructors.profile import update_profile
from app.instructors.profile_schemas import LocationIn, ProfileUpdate
from app.instructors.service import find_instructor
from app.payments import connect, webhooks
from app.payments.cards import add_card, saved_cards
from app.services import Services

log = structlog.get_logger()
PASSWORD = "demo-password"
WEEKDAY_HOURS = [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}]
SITE = "http://127.0.0.1:8000"
# A small, real PDF: the demo instructor's background-check document.
DEMO_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


async def _account(passwords: Passwords, email: str, name: str, role: str, timezone: str) -> int:
    existing = await User.select(User.id).where(User.email == email).first()
    if existing:
        return existing["id"]
    registration = UserRegister(
        email=email, password=PASSWORD, full_name=name, role="student" if role == "admin" else role, timezone=timezone
    )
    user = await register(registration, passwords, **({"role": "admin"} if role == "admin" else {}))
    return user.id


async def _saved_card(services: Services, student_id: int) -> None:
    """Booking needs a card: the demo student saves Stripe's test Visa, as the client would."""
    if await saved_cards(student_id):
        return
    user = await User.select().where(User.id == student_id).first()
    student = CurrentUser(
        id=user["id"], email=user["email"], full_name=user["full_name"], role=user["role"],
        timezone=user["timezone"], token_id="demo-seed", token_expires=0.0,
    )  # fmt: skip
    await add_card(services, student, "pm_card_visa")


async def _offer(instructor_id: int, slug: str, cents: int, locations: list[str]) -> None:
    service = await Service.select(Service.id).where(Service.slug == slug).first()
    offer = InstructorServiceUpdate(
        hourly_rate_cents=cents, durations_minutes=[30, 60], age_groups=["kids", "adults"], locations=locations
    )
    await offer_service(instructor_id, service["id"], offer)


async def _press_and_apply(services: Services, url: str, result: str, event_type: str, object_id: str, account=None):
    """What the instructor's button press on the stand-in's hosted page does, and its webhook applied
    here through the platform's own endpoint logic (the stand-in's later delivery is a duplicate)."""
    async with http_client(timeout=30) as page:
        await page.post(url, data={"result": result})
    options = {"stripe_account": account} if account else {}
    listed = await services.stripe.client.v1.events.list_async({"type": event_type, "limit": 20}, options)
    events = [e.to_dict() for e in listed.data]
    event = next(e for e in events if e["data"]["object"].get("id") == object_id)
    payload, at = json.dumps(event).encode(), int(time.time())
    mac = hmac.new(services.settings.stripe_webhook_secret.encode(), f"{at}.".encode() + payload, hashlib.sha256)
    await webhooks.receive(services, payload, f"t={at},v1={mac.hexdigest()}")


async def _go_live(services: Services, instructor_id: int, admin_id: int) -> None:
    """The demo instructor's onboarding, step by step, skipping what an earlier run did."""
    steps = {step.key: step for step in await onboarding.steps_of(instructor_id)}
    if not steps["identity"].done:
        session = await onboarding_identity.start_identity(services, instructor_id, SITE)
        await _press_and_apply(
            services, session.url, "verified", "identity.verification_session.verified", session.session_id
        )
    if not steps["background_check"].done:
        upload = await onboarding_documents.start_upload(
            services, instructor_id, "background-check.pdf", "application/pdf", len(DEMO_PDF)
        )
        async with http_client(timeout=30) as storage:
            await storage.put(upload["upload_url"], content=DEMO_PDF, headers=upload["headers"])
        await onboarding_documents.submit(services, instructor_id, upload["document_id"])
        await onboarding_documents.decide(services, admin_id, upload["document_id"], True, None)
    if not steps["payouts"].done:
        link = await connect.onboarding_link(services, instructor_id, SITE)
        await _press_and_apply(services, link.url, "complete", "account.updated", link.account_id, link.account_id)
    await onboarding.go_live(services, instructor_id)


async def create_demo_accounts(services: Services, passwords: Passwords) -> None:
    tz = "America/New_York"
    instructor_id = await _account(passwords, "instructor@demo.test", "Ada Piano", "instructor", tz)
    newcomer_id = await _account(passwords, "newcomer@demo.test", "Nia Guitar", "instructor", tz)
    manager_id = await _account(passwords, "manager@demo.test", "Sam Studio", "student", tz)
    student_id = await _account(passwords, "student@demo.test", "Leo Student", "student", tz)
    admin_id = await _account(passwords, "admin@demo.test", "Ann Admin", "admin", tz)
    await _saved_card(services, student_id)
    if not await Collaborator.exists().where(Collaborator.user == manager_id):
        await Collaborator.insert(Collaborator(instructor=instructor_id, user=manager_id, created_at=datetime.now(UTC)))
    place = ProfileUpdate(
        headline="Classical and jazz piano for every age",
        location=LocationIn(neighborhood="Upper West Side"),
        service_radius_miles=3,
    )
    await update_profile(services, instructor_id, place)
    await _offer(instructor_id, "piano", 7500, ["online", "student_home"])
    await give_demo_picture(services, instructor_id)  # made by the worker's picture job
    instructor = await find_instructor(instructor_id)
    weekly = await load_template(instructor)
    if not any(weekly.weekdays.values()):
        hours = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WEEKDAY_HOURS)
        await replace_template(
            services, instructor, hours, weekly.version, by=instructor_id, by_name=instructor.full_name, client_id=None
        )
    if services.stripe.standin:
        await _go_live(services, instructor_id, admin_id)
    else:
        log.info("demo_instructor_not_live", reason="Stripe's hosted pages need a person: onboard through the client")
    # The second instructor has started: a service, the rest of the checklist to do.
    await _offer(newcomer_id, "guitar", 5500, ["online"])

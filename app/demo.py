"""Demo accounts for local runs: an instructor with a collaborator, a student with a saved card, and
weekly hours."""

from __future__ import annotations

from datetime import UTC, datetime

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
from app.instructors.service import find_instructor
from app.payments.cards import add_card, saved_cards
from app.services import Services

PASSWORD = "demo-password"
WEEKDAY_HOURS = [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}]


async def _account(passwords: Passwords, email: str, name: str, role: str, timezone: str) -> int:
    existing = await User.select(User.id).where(User.email == email).first()
    if existing:
        return existing["id"]
    user = await register(
        UserRegister(email=email, password=PASSWORD, full_name=name, role=role, timezone=timezone), passwords
    )
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


async def create_demo_accounts(services: Services, passwords: Passwords) -> None:
    tz = "America/New_York"
    instructor_id = await _account(passwords, "instructor@demo.test", "Ada Piano", "instructor", tz)
    manager_id = await _account(passwords, "manager@demo.test", "Sam Studio", "student", tz)
    student_id = await _account(passwords, "student@demo.test", "Leo Student", "student", tz)
    await _saved_card(services, student_id)
    if not await Collaborator.exists().where(Collaborator.user == manager_id):
        await Collaborator.insert(Collaborator(instructor=instructor_id, user=manager_id, created_at=datetime.now(UTC)))
    piano = await Service.select(Service.id).where(Service.slug == "piano").first()
    await offer_service(
        instructor_id,
        piano["id"],
        InstructorServiceUpdate(
            hourly_rate_cents=7500,
            durations_minutes=[30, 60],
            age_groups=["kids", "adults"],
            locations=["online"],
        ),
    )
    instructor = await find_instructor(instructor_id)
    weekly = await load_template(instructor)
    if not any(weekly.weekdays.values()):
        hours = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WEEKDAY_HOURS)
        await replace_template(
            services, instructor, hours, weekly.version, by=instructor_id, by_name=instructor.full_name, client_id=None
        )

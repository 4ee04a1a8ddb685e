from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import asyncpg
import msgspec

from app.accounts.passwords import Passwords, password_problem
from app.accounts.schemas import ManagedCalendar, UserOut, UserRegister
from app.accounts.tables import User
from app.availability.tables import Collaborator
from app.core.auth import CurrentUser
from app.core.errors import ApiError, bad_input
from app.core.outbox import change
from app.core.time import is_valid_timezone
from app.referrals.service import record_referral, referrer_of
from app.services import Services

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def user_out(row: dict) -> UserOut:
    return UserOut(
        id=row["id"],
        email=row["email"],
        full_name=row["full_name"],
        role=row["role"],
        timezone=row["timezone"],
    )


async def registration_problems(data: UserRegister) -> list[dict[str, str]]:
    problems = []
    if not EMAIL.match(data.email.strip()):
        problems.append({"key": "email", "message": "Not a valid email address"})
    # zxcvbn is pure Python and takes up to ~50 ms: keep it off the event loop.
    if weak := await asyncio.to_thread(password_problem, data.password, data.email, data.full_name):
        problems.append({"key": "password", "message": weak})
    if not data.full_name.strip():
        problems.append({"key": "full_name", "message": "Must not be empty"})
    if not is_valid_timezone(data.timezone):
        problems.append({"key": "timezone", "message": "Not a canonical IANA timezone name (e.g. America/New_York)"})
    if data.referral_code is not None and await referrer_of(data.referral_code) is None:
        problems.append({"key": "referral_code", "message": "No such referral code"})
    return problems


async def register(data: UserRegister, passwords: Passwords, *, role: str | None = None) -> UserOut:
    problems = await registration_problems(data)
    if problems:
        raise bad_input(problems)
    email = data.email.strip().lower()
    password_hash = await passwords.hash(data.password)
    try:
        async with User._meta.db.transaction():
            rows = await _insert_user(data, email, password_hash, role)
    except asyncpg.UniqueViolationError:
        raise ApiError(409, f"An account with email {email} already exists", code="email_taken") from None
    return user_out(rows[0])


async def _insert_user(data: UserRegister, email: str, password_hash: str, role: str | None) -> list[dict]:
    """With the referral the code names, in one transaction."""
    rows = await User.insert(
        User(
            email=email,
            password_hash=password_hash,
            full_name=data.full_name.strip(),
            role=role or data.role,
            timezone=data.timezone,
            created_at=datetime.now(UTC),
        )
    ).returning(*User.all_columns())
    if data.referral_code is not None:
        await record_referral(rows[0], data.referral_code)
    return rows


async def check_password(email: str, password: str, passwords: Passwords) -> UserOut | None:
    row = await User.select().where(User.email == email.strip().lower()).first()
    if not await passwords.verify(row["password_hash"] if row else None, password):
        return None
    return user_out(row) if row else None


async def calendars_managed_by(user_id: int) -> list[ManagedCalendar]:
    rows = (
        await Collaborator.select(Collaborator.instructor.id, Collaborator.instructor.full_name)
        .where(Collaborator.user == user_id)
        .order_by(Collaborator.instructor.full_name)
    )
    return [ManagedCalendar(instructor_id=r["instructor.id"], full_name=r["instructor.full_name"]) for r in rows]


async def with_managed_calendars(user: UserOut) -> UserOut:
    return msgspec.structs.replace(user, manages=await calendars_managed_by(user.id))


async def log_out(services: Services, user: CurrentUser) -> None:
    """The token is refused from now on, and every process closes the sockets it opened."""
    async with change(services.relay) as effects:
        await services.tokens.revoke(user.token_id, user.token_expires)
        await effects.control({"kind": "token", "token_id": user.token_id})

from __future__ import annotations

import re
from datetime import UTC, datetime

import asyncpg
from redis.asyncio import Redis

from app.accounts.passwords import Passwords
from app.accounts.schemas import UserOut, UserRegister
from app.accounts.tables import User
from app.core.errors import ApiError, bad_input
from app.core.time import is_valid_timezone

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def user_out(row: dict) -> UserOut:
    return UserOut(
        id=row["id"],
        email=row["email"],
        full_name=row["full_name"],
        role=row["role"],
        timezone=row["timezone"],
    )


def registration_problems(data: UserRegister) -> list[dict[str, str]]:
    problems = []
    if not EMAIL.match(data.email.strip()):
        problems.append({"key": "email", "message": "Not a valid email address"})
    if len(data.password) < MIN_PASSWORD:
        problems.append({"key": "password", "message": f"Must be at least {MIN_PASSWORD} characters"})
    if not data.full_name.strip():
        problems.append({"key": "full_name", "message": "Must not be empty"})
    if not is_valid_timezone(data.timezone):
        problems.append({"key": "timezone", "message": f"Unknown IANA timezone {data.timezone!r}"})
    return problems


async def register(data: UserRegister, passwords: Passwords, *, role: str | None = None) -> UserOut:
    problems = registration_problems(data)
    if problems:
        raise bad_input(problems)
    email = data.email.strip().lower()
    try:
        rows = await User.insert(
            User(
                email=email,
                password_hash=await passwords.hash(data.password),
                full_name=data.full_name.strip(),
                role=role or data.role,
                timezone=data.timezone,
                created_at=datetime.now(UTC),
            )
        ).returning(*User.all_columns())
    except asyncpg.UniqueViolationError:
        raise ApiError(409, f"An account with email {email} already exists", code="email_taken") from None
    return user_out(rows[0])


async def check_password(email: str, password: str, passwords: Passwords) -> UserOut | None:
    row = await User.select().where(User.email == email.strip().lower()).first()
    if not await passwords.verify(row["password_hash"] if row else None, password):
        return None
    return user_out(row) if row else None


class LoginLimiter:
    """Failed logins per email in a fixed window; past the limit every login for that email is refused."""

    # The window is fixed from the first failure (EXPIRE NX needs Redis 7; the embedded one is 6.2).
    _COUNT_FAILURE = """
    local n = redis.call('INCR', KEYS[1])
    if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
    return n
    """

    def __init__(self, redis: Redis, prefix: str, limit: int, window_seconds: int) -> None:
        self.redis, self.prefix, self.limit, self.window = redis, prefix, limit, window_seconds
        self._count_failure = redis.register_script(self._COUNT_FAILURE)

    def _key(self, email: str) -> str:
        return f"{self.prefix}login-failures:{email.strip().lower()}"

    async def refuse_if_locked(self, email: str) -> None:
        key = self._key(email)
        failures, ttl = await self.redis.pipeline().get(key).ttl(key).execute()
        if failures is not None and int(failures) >= self.limit:
            retry = max(1, ttl)
            raise ApiError(
                429,
                f"Too many failed logins for this email; retry in {retry} s",
                code="too_many_attempts",
                headers={"Retry-After": str(retry)},
            )

    async def record_failure(self, email: str) -> None:
        await self._count_failure(keys=[self._key(email)], args=[self.window])

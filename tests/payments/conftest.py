"""Payments tests: an admin, credits given through the API, bookings at a known price, one clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import asyncpg
import pytest

from app.core.time import set_clock
from tests.bookings.conftest import booking_body
from tests.support.accounts import PASSWORD, Account

# PIANO_OFFER's rate (tests/support/calendar.py): a 60-minute lesson is API.md's 6000 example.
LESSON_CENTS = 6000


@pytest.fixture
def clock() -> Iterator:
    """app.core.time.now(), which booking and payment rules read, stopped where a test puts it."""
    yield set_clock
    set_clock(None)


@pytest.fixture
async def admin(client, accounts, settings) -> Account:
    user = await accounts.student(name="Ada Admin")
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("UPDATE users SET role = 'admin' WHERE id = $1", user.id)
    finally:
        await conn.close()
    login = await client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return Account(user.id, user.email, user.full_name, "admin", user.timezone, login.json()["token"])


@pytest.fixture
def give_credits(client, admin):
    async def give(user: Account, cents: int, reason: str = "Welcome credit") -> dict:
        response = await client.post(
            f"/api/admin/users/{user.id}/credits", json={"amount_cents": cents, "reason": reason}, headers=admin.headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    return give


async def book(client, student: Account, instructor: Account, service_id: int, monday, **kw) -> dict:
    response = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday, **kw), headers=student.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def start_of(booking: dict) -> datetime:
    return datetime.fromisoformat(booking["start"])


def hours(n: float) -> timedelta:
    return timedelta(hours=n)

"""Referred students registered through the real endpoint with a code, their lessons booked and
completed through the API."""

from __future__ import annotations

import itertools

import pytest

from tests.payments.conftest import admin, book, clock, give_credits, hours, start_of  # noqa: F401
from tests.support.accounts import PASSWORD, Account

_n = itertools.count(1)


async def register(client, email: str, code: str | None, role: str = "student"):
    body = {
        "email": email, "password": PASSWORD, "full_name": f"Referred Person{next(_n)}", "role": role,
        "timezone": "America/New_York",
    }  # fmt: skip
    if code is not None:
        body["referral_code"] = code
    return await client.post("/api/auth/register", json=body)


@pytest.fixture
def referred(client, accounts):
    """A new user registered with `code`, logged in, with `card` saved."""

    async def make(code: str, *, email: str | None = None, card: str | None = "pm_card_mastercard") -> Account:
        email = email or f"referred{next(_n)}@example.test"
        made = await register(client, email, code)
        assert made.status_code == 201, made.text
        login = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        user = login.json()["user"]
        account = Account(user["id"], email, user["full_name"], "student", user["timezone"], login.json()["token"])
        if card:
            await accounts.add_card(account, card)
        return account

    return make


async def referral(client, who) -> dict:
    response = await client.get("/api/me/referral", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def credits(client, who) -> dict:
    return (await client.get("/api/me/credits", headers=who.headers)).json()


async def complete(client, instructor, booking, clock) -> None:  # noqa: F811
    clock(start_of(booking) + hours(1))
    done = await client.post(f"/api/bookings/{booking['id']}/complete", headers=instructor.headers)
    assert done.status_code == 200, done.text

"""Small factories for real accounts through the real API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

_ids = itertools.count(1)
PASSWORD = "correct-horse-battery"


@dataclass
class Account:
    id: int
    email: str
    full_name: str
    role: str
    timezone: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Accounts:
    """Works with Litestar's AsyncTestClient or an httpx.AsyncClient pointed at a live server."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def create(
        self, role: str = "student", timezone: str = "America/New_York", name: str | None = None
    ) -> Account:
        n = next(_ids)
        email = f"{role}{n}@example.test"
        full_name = name or f"{role.title()} {n}"
        body = {
            "email": email,
            "password": PASSWORD,
            "full_name": full_name,
            "role": role,
            "timezone": timezone,
        }
        response = await self.client.post("/api/auth/register", json=body)
        assert response.status_code == 201, response.text
        login = await self.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        user = login.json()["user"]
        return Account(user["id"], email, full_name, role, timezone, login.json()["token"])

    async def instructor(self, **kw: Any) -> Account:
        return await self.create("instructor", **kw)

    async def student(self, *, card: str | None = "pm_card_visa", **kw: Any) -> Account:
        """A student with a saved card (through the real endpoint and the Stripe stand-in), as
        booking requires one; `card=None` for one without."""
        student = await self.create("student", **kw)
        if card:
            await self.add_card(student, card)
        return student

    async def add_card(self, student: Account, payment_method_id: str) -> dict[str, Any]:
        response = await self.client.post(
            "/api/me/payment-methods", json={"payment_method_id": payment_method_id}, headers=student.headers
        )
        assert response.status_code == 201, response.text
        return response.json()


async def instructor_slots_channel(client: Any) -> str:
    """The `slots:` channel of a new instructor: a channel of nobody is unknown to the hub."""
    return f"slots:{(await Accounts(client).instructor()).id}"

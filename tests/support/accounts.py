"""Small factories for real accounts through the real API.

`Accounts.instructor()` is a LIVE instructor, walked through onboarding as a person would: a
profile, a priced service, identity on the Stripe stand-in's hosted page, a background-check PDF
uploaded to the S3 stand-in and approved by an admin, payouts on the hosted page, then go live.
The stand-in's webhook events are delivered to the app under test by the factory itself (signed
as Stripe signs them), so it works for in-process clients, which the stand-in cannot reach, and
for live servers alike (a copy the stand-in also delivers is a duplicate: applied once).
`instructor(live=False)` is a freshly registered one, for onboarding's own tests."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from app.core.tls import http_client

_ids = itertools.count(1)
PASSWORD = "correct-horse-battery"
# tests/support/calendar.py's PIANO_OFFER: the factory's instructor already offers it.
PIANO_OFFER = {
    "hourly_rate_cents": 6000, "durations_minutes": [30, 60], "age_groups": ["adults"], "locations": ["online"],
}  # fmt: skip
PROFILE = {"headline": "Patient teacher", "location": {"zip": "10001"}, "service_radius_miles": 5}
# A small, real PDF (header, one object, trailer, end-of-file marker).
BACKGROUND_CHECK_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
STANDIN_API_KEY = "sk_test_standin"
# The database the current test's app uses (tests/conftest.py `settings` sets it): where the
# factory's admin is made, as `python -m app create-admin` would.
_database_url: str | None = None


def use_database(database_url: str | None) -> None:
    global _database_url
    _database_url = database_url


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


def signed_event(event: dict[str, Any], secret: str | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers Stripe would send (HMAC-SHA256 of "<t>.<body>")."""
    secret = secret or os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    payload, at = json.dumps(event).encode(), int(time.time())
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={at},v1={mac}", "Content-Type": "application/json"}


class Accounts:
    """Works with Litestar's AsyncTestClient or an httpx.AsyncClient pointed at a live server."""

    def __init__(
        self, client: Any, *, admin: Account | None = None, database_url: str | None = None,
        stripe_api_base: str | None = None, webhook_secret: str | None = None,
    ) -> None:  # fmt: skip
        """Unnamed: the test's database (tests/conftest.py) and the stand-in of STRIPE_API_BASE and
        STRIPE_WEBHOOK_SECRET in the environment (tests/conftest.py stripe_env; benches name theirs)."""
        self.client = client
        self._admin = admin
        self._database_url = database_url
        self.stripe_api_base = stripe_api_base
        self.webhook_secret = webhook_secret
        self._piano_id: int | None = None

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
        return await self.login(email, full_name, role, timezone)

    async def login(self, email: str, full_name: str, role: str, timezone: str) -> Account:
        login = await self.client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        return Account(login.json()["user"]["id"], email, full_name, role, timezone, login.json()["token"])

    async def instructor(self, *, live: bool = True, **kw: Any) -> Account:
        instructor = await self.create("instructor", **kw)
        if live:
            await self.onboard(instructor)
        return instructor

    async def student(self, *, card: str | None = "pm_card_visa", **kw: Any) -> Account:
        """A student with a saved card (through the real endpoint and the Stripe stand-in), as
        booking requires one; `card=None` for one without."""
        student = await self.create("student", **kw)
        if card:
            await self.add_card(student, card)
        return student

    async def admin(self) -> Account:
        """An admin of the app under test, made once per factory (the role set as create-admin sets it)."""
        if self._admin is None:
            user = await self.create("student", name="Ada Admin")
            conn = await asyncpg.connect(self._database_url or _database_url)
            try:
                await conn.execute("UPDATE users SET role = 'admin' WHERE id = $1", user.id)
            finally:
                await conn.close()
            self._admin = await self.login(user.email, user.full_name, "admin", user.timezone)
        return self._admin

    async def add_card(self, student: Account, payment_method_id: str) -> dict[str, Any]:
        response = await self.client.post(
            "/api/me/payment-methods", json={"payment_method_id": payment_method_id}, headers=student.headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    # Onboarding, step by step (each also usable alone by onboarding's tests).

    async def call(self, method: str, path: str, who: Account, expect: int, **kw: Any) -> Any:
        response = await self.client.request(method, path, headers=who.headers, **kw)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def write_profile(self, instructor: Account) -> None:
        await self.call("PUT", "/api/instructors/me/profile", instructor, 200, json=PROFILE)

    async def offer_piano(self, instructor: Account) -> int:
        if self._piano_id is None:
            categories = (await self.client.get("/api/catalog/categories")).json()
            self._piano_id = next(s["id"] for c in categories for s in c["services"] if s["slug"] == "piano")
        await self.call("PUT", f"/api/instructors/me/services/{self._piano_id}", instructor, 200, json=PIANO_OFFER)
        return self._piano_id

    async def verify_identity(self, instructor: Account, result: str = "verified") -> dict[str, Any]:
        session = await self.call("POST", "/api/instructors/me/identity", instructor, 201)
        await press(session["url"], result)
        status = "verified" if result == "verified" else "requires_input"
        await self.deliver_latest(f"identity.verification_session.{status}", session["session_id"])
        return session

    async def upload_background_check(
        self, instructor: Account, body: bytes = BACKGROUND_CHECK_PDF, content_type: str = "application/pdf",
        size_bytes: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        declared = {"filename": "check.pdf", "content_type": content_type, "size_bytes": size_bytes or len(body)}
        upload = await self.call("POST", "/api/instructors/me/background-check", instructor, 201, json=declared)
        async with http_client(timeout=30) as storage:
            put = await storage.put(upload["upload_url"], content=body, headers=upload["headers"])
        assert put.status_code == 200, put.text
        return upload

    async def pass_background_check(self, instructor: Account) -> int:
        upload = await self.upload_background_check(instructor)
        path = f"/api/instructors/me/background-check/{upload['document_id']}/submit"
        await self.call("POST", path, instructor, 200)
        decision = f"/api/admin/background-checks/{upload['document_id']}/decision"
        await self.call("POST", decision, await self.admin(), 200, json={"approve": True})
        return upload["document_id"]

    async def set_up_payouts(self, instructor: Account, result: str = "complete") -> dict[str, Any]:
        link = await self.call("POST", "/api/instructors/me/payouts-account", instructor, 201)
        await press(link["url"], result)
        await self.deliver_latest("account.updated", link["account_id"], account=link["account_id"])
        return link

    async def onboard(self, instructor: Account) -> None:
        await self.write_profile(instructor)
        await self.offer_piano(instructor)
        await self.verify_identity(instructor)
        await self.pass_background_check(instructor)
        await self.set_up_payouts(instructor)
        assert await self.call("POST", "/api/instructors/me/live", instructor, 200) == {"is_live": True}
        # Read, as the person would have: tests count the unread notifications their own actions cause.
        await self.call("POST", "/api/notifications/read-all", instructor, 204)

    async def deliver_latest(self, event_type: str, object_id: str, *, account: str | None = None) -> dict[str, Any]:
        """The stand-in's newest event of this type about this object, delivered to the app."""
        event = await standin_event(event_type, object_id, account, self.stripe_api_base)
        payload, headers = signed_event(event, self.webhook_secret)
        response = await self.client.post("/api/payments/webhook", content=payload, headers=headers)
        assert response.status_code == 200, response.text
        return event


async def press(url: str, result: str) -> None:
    """What a person's button press on a stand-in's hosted page does: POST the form."""
    async with http_client(timeout=30) as page:
        response = await page.post(url, data={"result": result})
    assert response.status_code in (200, 303), response.text


async def standin_event(
    event_type: str, object_id: str, account: str | None = None, base: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {STANDIN_API_KEY}", **({"Stripe-Account": account} if account else {})}
    base = base or os.environ["STRIPE_API_BASE"]
    async with http_client(timeout=30) as stripe:
        response = await stripe.get(f"{base}/v1/events", params={"type": event_type, "limit": 20}, headers=headers)
    response.raise_for_status()
    for event in response.json()["data"]:
        if event["data"]["object"].get("id") == object_id:
            return event
    raise AssertionError(f"The stand-in sent no {event_type} about {object_id}")


async def instructor_slots_channel(client: Any) -> str:
    """The `slots:` channel of a new instructor: a channel of nobody is unknown to the hub."""
    return f"slots:{(await Accounts(client).instructor(live=False)).id}"

"""POST /api/payments/webhook: signatures on the raw body, each event once, states only forward.

In-process tests sign events as Stripe does (HMAC-SHA256 of "<t>.<body>" with the webhook secret);
live-server tests let the Stripe stand-in deliver real events, duplicated and reordered."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

import asyncpg
import pytest

from tests.support.accounts import Accounts
from tests.support.stripe_standin import STANDIN_WEBHOOK_SECRET

WEBHOOK = "/api/payments/webhook"
_ids = itertools.count(1)


def event(type_: str, obj: dict[str, Any], created: int | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"evt_test_{time.time_ns()}_{next(_ids)}",
        "object": "event",
        "type": type_,
        "created": created or int(time.time()),
        "livemode": False,
        "data": {"object": obj},
        **extra,
    }


def signed(body: dict[str, Any] | bytes, secret: str = STANDIN_WEBHOOK_SECRET, at: int | None = None):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={at},v1={mac}", "Content-Type": "application/json"}


async def deliver(client, body, **sign):
    payload, headers = signed(body, **sign)
    return await client.post(WEBHOOK, content=payload, headers=headers)


async def fetch(settings, query: str, *args) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def test_a_signed_event_is_applied_once_however_often_it_is_delivered(client, settings):
    body = event("customer.created", {"id": "cus_test_1", "object": "customer"})
    answers = [await deliver(client, body) for _ in range(3)]
    assert [(a.status_code, a.json()) for a in answers] == [
        (200, {"received": True, "duplicate": False}),
        (200, {"received": True, "duplicate": True}),
        (200, {"received": True, "duplicate": True}),
    ]
    recorded = await fetch(settings, "SELECT id, type FROM stripe_events")
    assert [tuple(r) for r in recorded] == [(body["id"], "customer.created")]


async def test_an_unknown_event_type_is_acknowledged(client, settings):
    body = event("radar.early_fraud_warning.created", {"id": "issfr_1", "object": "radar.early_fraud_warning"})
    response = await deliver(client, body)
    assert (response.status_code, response.json()["duplicate"]) == (200, False)
    assert len(await fetch(settings, "SELECT id FROM stripe_events WHERE id = $1", body["id"])) == 1


@pytest.mark.parametrize(
    "how",
    ["wrong_secret", "body_changed", "too_old", "garbage_header"],
)
async def test_a_bad_signature_is_a_400_and_nothing_happens(client, settings, how):
    body = event("customer.created", {"id": "cus_test_2", "object": "customer"})
    payload, headers = signed(
        body,
        secret="whsec_someone_else" if how == "wrong_secret" else STANDIN_WEBHOOK_SECRET,
        at=int(time.time()) - 301 if how == "too_old" else None,
    )
    if how == "body_changed":
        payload = payload.replace(b"cus_test_2", b"cus_test_3")
    if how == "garbage_header":
        headers["Stripe-Signature"] = "nonsense"
    response = await client.post(WEBHOOK, content=payload, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_signature"
    assert await fetch(settings, "SELECT id FROM stripe_events") == []


async def test_a_missing_signature_is_a_400(client, settings):
    body = event("customer.created", {"id": "cus_test_4", "object": "customer"})
    response = await client.post(WEBHOOK, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_request"
    assert response.json()["extra"][0]["key"].lower() == "stripe-signature"
    assert await fetch(settings, "SELECT id FROM stripe_events") == []


async def test_a_signed_body_that_is_not_an_event_is_a_400(client):
    response = await deliver(client, b'{"hello": "world"}')
    assert response.status_code == 400, response.text


def account(account_id: str, instructor_id: int, *, enabled: bool, submitted: bool) -> dict[str, Any]:
    return {
        "id": account_id,
        "object": "account",
        "charges_enabled": enabled,
        "payouts_enabled": enabled,
        "details_submitted": submitted,
        "metadata": {"instructor_id": str(instructor_id)},
        "requirements": {"currently_due": [] if enabled else ["external_account"]},
    }


async def connected(settings, account_id: str) -> dict[str, Any]:
    found = await fetch(settings, "SELECT * FROM connected_accounts WHERE account_id = $1", account_id)
    return dict(found[0]) if found else {}


async def test_account_updates_only_move_forward_whatever_their_order(client, accounts, settings):
    instructor = await accounts.instructor(live=False)  # no connected account yet
    at = int(time.time())
    pending = event("account.updated", account("acct_o1", instructor.id, enabled=False, submitted=False), at - 60)
    restricted = event("account.updated", account("acct_o1", instructor.id, enabled=False, submitted=True), at - 30)
    active = event("account.updated", account("acct_o1", instructor.id, enabled=True, submitted=True), at)
    for body in (active, pending, restricted):
        assert (await deliver(client, body)).status_code == 200
    row = await connected(settings, "acct_o1")
    assert (row["instructor"], row["status"], row["charges_enabled"], row["payouts_enabled"]) == (
        instructor.id, "active", True, True,
    )  # fmt: skip

    # A later event may take it back (Stripe restricting the account): time decides, not the rank.
    later = event("account.updated", account("acct_o1", instructor.id, enabled=False, submitted=True), at + 30)
    assert (await deliver(client, later)).status_code == 200
    row = await connected(settings, "acct_o1")
    assert (row["status"], row["currently_due"]) == ("restricted", "external_account")


async def test_an_account_update_naming_no_instructor_of_ours_changes_nothing(client, accounts, settings):
    student = await accounts.student()
    for metadata in ({"instructor_id": str(student.id)}, {"instructor_id": "99999"}, {}):
        body = event("account.updated", {**account("acct_x", 1, enabled=True, submitted=True), "metadata": metadata})
        assert (await deliver(client, body)).status_code == 200
    assert await connected(settings, "acct_x") == {}


async def payout_row(settings, instructor_id: int, stripe_payout_id: str, amount: int = 5000) -> int:
    # Payouts are requested by the earnings feature (not built yet): the row it would write.
    found = await fetch(
        settings,
        "INSERT INTO payouts (instructor, stripe_payout_id, amount_cents, fee_cents, method, status, created_at, "
        "updated_at) VALUES ($1, $2, $3, 0, 'standard', 'pending', now(), now()) RETURNING id",
        instructor_id, stripe_payout_id, amount,
    )  # fmt: skip
    return found[0]["id"]


async def notices(client, user, type_: str) -> list[dict[str, Any]]:
    response = await client.get("/api/notifications", headers=user.headers)
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["type"] == type_]


async def test_payout_events_out_of_order_end_paid_with_one_notice(client, accounts, settings):
    instructor = await accounts.instructor()
    payout_id = await payout_row(settings, instructor.id, "po_test_1", amount=12345)
    obj = {"id": "po_test_1", "object": "payout", "amount": 12345, "failure_code": None}
    for status in ("paid", "in_transit", "pending", "paid"):
        assert (await deliver(client, event(f"payout.{'paid' if status == 'paid' else 'updated'}",
                                            {**obj, "status": status}))).status_code == 200  # fmt: skip
    found = await fetch(settings, "SELECT status FROM payouts WHERE id = $1", payout_id)
    assert found[0]["status"] == "paid"
    sent = await notices(client, instructor, "payout.sent")
    assert len(sent) == 1 and "$123.45" in sent[0]["body"]
    assert sent[0]["data"] == {"payout_id": payout_id, "status": "paid"}

    # Stripe may fail a payout it reported paid: that is forward, and the instructor hears of it.
    failed = {**obj, "status": "failed", "failure_code": "account_closed"}
    assert (await deliver(client, event("payout.failed", failed))).status_code == 200
    found = await fetch(settings, "SELECT status, failure_code FROM payouts WHERE id = $1", payout_id)
    assert tuple(found[0]) == ("failed", "account_closed")
    assert len(await notices(client, instructor, "payout.failed")) == 1


# The stand-in delivering to a real web process.


@pytest.fixture
async def webhook_server(live, http_factory, stripe_standin):
    server = live("uvicorn")
    stripe_standin.configure(webhook_url=f"{server.url}{WEBHOOK}")
    yield server, http_factory(server)
    stripe_standin.control("POST", "webhooks/discard")
    stripe_standin.configure(webhook_url=None)


async def wait_until(check, within: float = 10.0):
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.1)


def deliveries_of(stripe_standin, event_ids: set[str]) -> list[dict[str, Any]]:
    log = stripe_standin.control("GET", "webhooks")["deliveries"]
    return [d for d in log if d["event_id"] in event_ids]


async def test_account_updated_delivered_in_reverse_order_ends_enabled(
    webhook_server, stripe_standin, stripe_client, settings
):
    _, http = webhook_server
    instructor = await Accounts(http).instructor(live=False)  # its account is the test's own
    stripe_standin.configure(webhook_hold=True)
    created = await stripe_client.v1.accounts.create_async(
        {"type": "express", "email": instructor.email, "metadata": {"instructor_id": str(instructor.id)}}
    )
    await stripe_client.v1.accounts.update_async(created.id, {"metadata": {"instructor_id": str(instructor.id)}})
    stripe_standin.control("POST", f"accounts/{created.id}", onboarded=True)
    stripe_standin.configure(webhook_hold=False)
    assert stripe_standin.control("POST", "webhooks/release", order="reversed")["released"] >= 2
    stripe_standin.control("POST", "webhooks/flush")

    events = await stripe_client.v1.events.list_async(
        {"type": "account.updated", "limit": 10}, {"stripe_account": created.id}
    )
    ours = [e for e in events.data if e.data.object.id == created.id]
    assert len(ours) == 2 and [e.data.object.charges_enabled for e in ours] == [True, False]  # newest first
    assert {d["last_status"] for d in deliveries_of(stripe_standin, {e.id for e in ours})} == {200}
    row = await connected(settings, created.id)
    assert (row["instructor"], row["status"], row["charges_enabled"], row["payouts_enabled"]) == (
        instructor.id, "active", True, True,
    )  # fmt: skip


async def test_each_payout_event_delivered_three_times_takes_effect_once(
    webhook_server, stripe_standin, stripe_client, settings
):
    _, http = webhook_server
    instructor = await Accounts(http).instructor(live=False)  # its account is the test's own
    created = await stripe_client.v1.accounts.create_async(
        {"type": "express", "metadata": {"instructor_id": str(instructor.id)}}
    )
    stripe_standin.control("POST", f"accounts/{created.id}", onboarded=True)
    await stripe_client.v1.transfers.create_async({"amount": 5000, "currency": "usd", "destination": created.id})
    stripe_standin.configure(webhook_hold=True, webhook_duplicates=3)
    payout = await stripe_client.v1.payouts.create_async(
        {"amount": 5000, "currency": "usd", "method": "standard"}, {"stripe_account": created.id}
    )
    await payout_row(settings, instructor.id, payout.id)
    stripe_standin.configure(webhook_hold=False)
    stripe_standin.control("POST", "webhooks/release", order="created")

    async def paid() -> bool:
        found = await fetch(settings, "SELECT status FROM payouts WHERE stripe_payout_id = $1", payout.id)
        return found[0]["status"] == "paid"

    assert await wait_until(paid, within=15)
    stripe_standin.control("POST", "webhooks/flush")
    events = await stripe_client.v1.events.list_async({"limit": 50}, {"stripe_account": created.id})
    payout_events = {e.id: e.type for e in events.data if e.type.startswith("payout.")}
    assert set(payout_events.values()) == {"payout.created", "payout.updated", "payout.paid"}
    delivered = deliveries_of(stripe_standin, set(payout_events))
    assert len(delivered) == 3 * len(payout_events) and {d["last_status"] for d in delivered} == {200}
    applied = await fetch(settings, "SELECT id FROM stripe_events WHERE id = ANY($1)", list(payout_events))
    assert len(applied) == len(payout_events)
    assert len(await notices(http, instructor, "payout.sent")) == 1

"""Authorization of the card's share (API.md "Payments"): at T-24 h by the worker, before the 201
for a lesson less than 24 h ahead, the 402s at booking and confirm, failures that wait for a new
card, and the sweep that finds what Redis lost. Real SDK, the Stripe stand-in, real arq workers."""

from __future__ import annotations

import itertools

import asyncpg
import pytest
from arq import create_pool

from app.services import arq_queue_name, arq_settings
from tests.bookings.conftest import booking_body
from tests.payments.conftest import LESSON_CENTS, book, hours, start_of

pytestmark = pytest.mark.usefixtures("stripe_standin")
SECOND = hours(1 / 3600)
_runs = itertools.count(1)


async def run_payment_sweep(settings, run_worker_burst) -> None:
    """A real burst worker runs the payments cron now (its startup run may lose its turn to other
    crons within the burst's job budget)."""
    queue = await create_pool(arq_settings(settings), default_queue_name=arq_queue_name(settings))
    try:
        await queue.enqueue_job("cron:sweep_payments_due", _job_id=f"{settings.redis_prefix}sweep:{next(_runs)}")
    finally:
        await queue.aclose()
    await run_worker_burst(max_jobs=10)


async def fetch(settings, query: str, *args) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def at_stripe(settings, stripe_standin, student) -> dict[str, list]:
    """The student's PaymentIntents, authorizations and captures at the stand-in."""
    customer = (await fetch(settings, 'SELECT customer_id FROM stripe_customers WHERE "user" = $1', student.id))[0]
    state = stripe_standin.state()
    intents = [pi for pi in state["payment_intents"] if pi["customer"] == customer["customer_id"]]
    ids = {pi["id"] for pi in intents}
    return {
        "intents": intents,
        "authorizations": [a for a in state["authorizations"] if a["payment_intent"] in ids],
        "captures": [c for c in state["captures"] if c["payment_intent"] in ids],
    }


async def payment(client, student, booking) -> dict:
    response = await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)
    assert response.status_code == 200, response.text
    return response.json()["payment"]


async def notices(client, user, type_: str) -> list[dict]:
    items = (await client.get("/api/notifications", headers=user.headers)).json()["items"]
    return [n for n in items if n["type"] == type_]


async def test_a_booking_is_authorized_by_the_worker_24h_before_its_start(
    client, accounts, open_week, clock, settings, redis, stripe_standin, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    assert booking["payment"]["status"] == "scheduled"
    at = int((start_of(booking) - hours(24)).timestamp())
    trigger = f"{settings.redis_prefix}booking:{booking['id']}:authorize:{at}"
    assert await redis.zscore(f"{settings.redis_prefix}arq:queue", trigger) == at * 1000, "deferred to T-24 h"

    clock(start_of(booking) - hours(24) - SECOND)
    await run_payment_sweep(settings, run_worker_burst)
    assert (await payment(client, student, booking))["status"] == "scheduled"
    assert (await at_stripe(settings, stripe_standin, student))["intents"] == []

    clock(start_of(booking) - hours(24))
    await run_payment_sweep(settings, run_worker_burst)
    assert (await payment(client, student, booking))["status"] == "authorized"
    stripe = await at_stripe(settings, stripe_standin, student)
    assert [(pi["status"], pi["amount_capturable"], pi["metadata"]["booking_id"]) for pi in stripe["intents"]] == [
        ("requires_capture", LESSON_CENTS, str(booking["id"]))
    ]
    assert len(stripe["authorizations"]) == 1 and stripe["captures"] == []
    told = await notices(client, student, "payment.authorized")
    assert [n["data"]["booking_id"] for n in told] == [booking["id"]]

    await run_payment_sweep(settings, run_worker_burst)  # a second run changes nothing
    assert len((await at_stripe(settings, stripe_standin, student))["intents"]) == 1


async def test_a_lesson_less_than_24h_ahead_is_authorized_before_the_201(
    client, accounts, open_week, clock, settings, stripe_standin
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    body = booking_body(instructor, service_id, monday)
    clock(start_of(body) - hours(20))
    response = await client.post("/api/bookings", json=body, headers=student.headers)
    assert response.status_code == 201, response.text
    assert response.json()["payment"]["status"] == "authorized"
    stripe = await at_stripe(settings, stripe_standin, student)
    assert [(pi["status"], pi["amount"]) for pi in stripe["intents"]] == [("requires_capture", LESSON_CENTS)]


@pytest.mark.parametrize(
    ("card", "code"),
    [("pm_card_chargeDeclined", "card_declined"), ("pm_card_authenticationRequired", "authentication_required")],
)
async def test_a_declined_card_at_booking_is_a_402_and_leaves_no_live_booking(
    client, accounts, open_week, clock, settings, give_credits, card, code
):
    instructor, service_id, monday = open_week
    student = await accounts.student(card=card)
    await give_credits(student, 2000)
    body = booking_body(instructor, service_id, monday)
    clock(start_of(body) - hours(20))

    refused = await client.post("/api/bookings", json=body, headers=student.headers)

    assert (refused.status_code, refused.json()["code"]) == (402, code)
    assert (await client.get("/api/bookings?when=upcoming", headers=student.headers)).json() == []
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 2000
    other = await accounts.student()
    again = await client.post("/api/bookings", json=body, headers=other.headers)
    assert again.status_code == 201, "the slot is open again"
    assert again.json()["payment"]["status"] == "authorized"


async def test_no_card_and_credits_short_is_402_payment_method_required_after_the_slot_check(
    client, accounts, open_week, give_credits
):
    instructor, service_id, monday = open_week
    student, other = await accounts.student(card=None), await accounts.student()
    await book(client, other, instructor, service_id, monday, at="10:00")
    taken = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday, at="10:00"), headers=student.headers
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "slot_taken"), "the slot is checked first"

    refused = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday, at="09:00"), headers=student.headers
    )
    assert (refused.status_code, refused.json()["code"]) == (402, "payment_method_required")
    assert (await client.get("/api/bookings?when=upcoming", headers=student.headers)).json() == []

    await give_credits(student, LESSON_CENTS)
    paid = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday, at="09:00"), headers=student.headers
    )
    assert paid.status_code == 201, "credits covering the price need no card"
    assert paid.json()["payment"]["status"] == "not_needed"


async def test_a_hold_needs_no_card_and_its_declined_confirm_leaves_the_hold(client, accounts, open_week, clock):
    instructor, service_id, monday = open_week
    student = await accounts.student(card=None)
    body = booking_body(instructor, service_id, monday, hold=True)
    clock(start_of(body) - hours(20))
    held = await client.post("/api/bookings", json=body, headers=student.headers)
    assert held.status_code == 201, held.text
    hold = held.json()

    no_card = await client.post(f"/api/bookings/{hold['id']}/confirm", headers=student.headers)
    assert (no_card.status_code, no_card.json()["code"]) == (402, "payment_method_required")
    await accounts.add_card(student, "pm_card_chargeDeclined")
    declined = await client.post(f"/api/bookings/{hold['id']}/confirm", headers=student.headers)
    assert (declined.status_code, declined.json()["code"]) == (402, "card_declined")
    still = (await client.get(f"/api/bookings/{hold['id']}", headers=student.headers)).json()
    assert (still["status"], still["expires_at"]) == ("held", hold["expires_at"]), "the hold stays until it expires"

    await accounts.add_card(student, "pm_card_visa")
    confirmed = await client.post(f"/api/bookings/{hold['id']}/confirm", headers=student.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["status"], confirmed.json()["payment"]["status"]) == ("confirmed", "authorized")


@pytest.mark.parametrize(
    ("card", "code"),
    [("pm_card_chargeDeclined", "card_declined"), ("pm_card_authenticationRequired", "authentication_required")],
)
async def test_a_decline_at_24h_fails_tells_the_student_and_a_new_card_authorizes_it(
    client, accounts, open_week, clock, settings, stripe_standin, run_worker_burst, card, code
):
    instructor, service_id, monday = open_week
    student = await accounts.student(card=card)
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) - hours(23))
    await run_payment_sweep(settings, run_worker_burst)

    assert (await payment(client, student, booking))["status"] == "failed"
    told = await notices(client, student, "payment.failed")
    assert [(n["data"]["booking_id"], n["data"]["code"]) for n in told] == [(booking["id"], code)]
    await run_payment_sweep(settings, run_worker_burst)  # a decline waits for a new card: no new attempt
    assert len((await at_stripe(settings, stripe_standin, student))["intents"]) == 1

    await accounts.add_card(student, "pm_card_visa")
    await run_payment_sweep(settings, run_worker_burst)
    assert (await payment(client, student, booking))["status"] == "authorized"
    stripe = await at_stripe(settings, stripe_standin, student)
    assert sorted(pi["status"] for pi in stripe["intents"]) == ["requires_capture", "requires_payment_method"]
    assert len(stripe["authorizations"]) == 1
    attempts = await fetch(settings, "SELECT authorize_attempt FROM payments WHERE booking = $1", booking["id"])
    assert attempts[0]["authorize_attempt"] == 2, "each attempt its own idempotency key"


async def test_with_redis_flushed_the_sweep_finds_every_authorization_due(
    client, accounts, open_week, clock, settings, redis, stripe_standin, run_worker_burst
):
    instructor, service_id, monday = open_week
    students = [await accounts.student() for _ in range(3)]
    booked = [
        await book(client, who, instructor, service_id, monday, at=at)
        for who, at in zip(students, ("09:00", "10:00", "11:00"), strict=True)
    ]
    # Everything of this test in Redis goes, the deferred triggers included (the other tests
    # sharing this Redis keep theirs: their keys carry other prefixes).
    keys = [key async for key in redis.scan_iter(match=f"*{settings.redis_prefix}*")]
    assert any(b"arq:queue" in key for key in keys)
    await redis.delete(*keys)
    assert [key async for key in redis.scan_iter(match=f"*{settings.redis_prefix}*")] == []

    clock(start_of(booked[-1]) - hours(24))
    await run_payment_sweep(settings, run_worker_burst)

    for who, booking in zip(students, booked, strict=True):
        assert (await payment(client, who, booking))["status"] == "authorized"
        assert len((await at_stripe(settings, stripe_standin, who))["authorizations"]) == 1


async def test_a_reschedule_into_the_next_24h_is_authorized_at_once_and_a_decline_keeps_the_old_time(
    client, accounts, open_week, clock, settings, stripe_standin
):
    instructor, service_id, monday = open_week
    declining, paying = await accounts.student(card="pm_card_chargeDeclined"), await accounts.student()
    first = await book(client, declining, instructor, service_id, monday, at="10:00")
    second = await book(client, paying, instructor, service_id, monday, at="11:00")
    clock(start_of(first) - hours(24.5))  # both still movable; 09:00 is 23.5 h ahead
    nine = f"{monday}T09:00:00-05:00"

    refused = await client.post(
        f"/api/bookings/{first['id']}/reschedule", json={"start": nine}, headers=declining.headers
    )
    assert (refused.status_code, refused.json()["code"]) == (402, "card_declined")
    kept = (await client.get(f"/api/bookings/{first['id']}", headers=declining.headers)).json()
    assert (kept["start"], kept["payment"]["status"]) == (first["start"], "scheduled")

    moved = await client.post(f"/api/bookings/{second['id']}/reschedule", json={"start": nine}, headers=paying.headers)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["start"], moved.json()["payment"]["status"]) == (nine, "authorized")
    assert len((await at_stripe(settings, stripe_standin, paying))["authorizations"]) == 1

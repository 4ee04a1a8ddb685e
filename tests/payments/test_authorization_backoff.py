"""Transient Stripe errors at authorization (API.md "Payments": retried with backoff, not a
decline): the stand-in's `fail_next` switch answers the PaymentIntent call with a 500 or a 429;
the payment stays scheduled, nobody is told of a decline, the next attempt (its own key) waits
for authorization.BACKOFF, and the one that gets through is the only PaymentIntent at Stripe."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.bookings.conftest import booking_body
from tests.payments.conftest import LESSON_CENTS, book, hours, start_of
from tests.payments.test_authorization import at_stripe, fetch, notices, payment, run_payment_sweep

pytestmark = pytest.mark.usefixtures("stripe_standin")
SECONDS = timedelta(seconds=1)


async def attempt_row(settings, booking) -> tuple[int, object]:
    row = (
        await fetch(
            settings, "SELECT authorize_attempt, next_attempt_at FROM payments WHERE booking = $1", booking["id"]
        )
    )[0]
    return row["authorize_attempt"], row["next_attempt_at"]


def faults_left(stripe_standin) -> int:
    return stripe_standin.control("GET", "config")["fail_next"]["count"]


async def test_a_rate_limit_at_24h_is_retried_after_10_s_then_30_s_and_authorized_once(
    client, accounts, open_week, clock, settings, stripe_standin, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    due = start_of(booking) - hours(24)
    # The SDK does not retry a 429 itself: one fault per attempt, two attempts refused.
    stripe_standin.configure(fail_next={"count": 2, "status": 429, "path_prefix": "/v1/payment_intents"})

    clock(due)
    await run_payment_sweep(settings, run_worker_burst)
    assert (await payment(client, student, booking))["status"] == "scheduled", "not failed"
    assert await attempt_row(settings, booking) == (2, due + 10 * SECONDS)
    assert faults_left(stripe_standin) == 1

    clock(due + 9 * SECONDS)
    await run_payment_sweep(settings, run_worker_burst)
    assert await attempt_row(settings, booking) == (2, due + 10 * SECONDS), "not before its backoff"
    assert faults_left(stripe_standin) == 1

    clock(due + 10 * SECONDS)
    await run_payment_sweep(settings, run_worker_burst)
    assert (await payment(client, student, booking))["status"] == "scheduled"
    assert await attempt_row(settings, booking) == (3, due + 40 * SECONDS), "the second backoff is 30 s"
    assert faults_left(stripe_standin) == 0

    clock(due + 39 * SECONDS)
    await run_payment_sweep(settings, run_worker_burst)
    assert (await at_stripe(settings, stripe_standin, student))["intents"] == []

    clock(due + 40 * SECONDS)
    await run_payment_sweep(settings, run_worker_burst)
    assert (await payment(client, student, booking))["status"] == "authorized"
    stripe = await at_stripe(settings, stripe_standin, student)
    assert [(pi["status"], pi["amount_capturable"], pi["metadata"]) for pi in stripe["intents"]] == [
        ("requires_capture", LESSON_CENTS, {"booking_id": str(booking["id"]), "attempt": "3"})
    ]
    assert await notices(client, student, "payment.failed") == []
    assert [n["data"]["booking_id"] for n in await notices(client, student, "payment.authorized")] == [booking["id"]]


async def test_a_500_through_the_sdks_own_retries_is_one_deferred_attempt_not_a_decline(
    client, accounts, open_week, clock, settings, stripe_standin, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    due = start_of(booking) - hours(24)
    # StripeApi's client retries a 5xx twice with the same key: one attempt takes three faults.
    stripe_standin.configure(fail_next={"count": 3, "status": 500, "path_prefix": "/v1/payment_intents"})

    clock(due)
    await run_payment_sweep(settings, run_worker_burst)
    assert faults_left(stripe_standin) == 0
    assert (await payment(client, student, booking))["status"] == "scheduled"
    assert await attempt_row(settings, booking) == (2, due + 10 * SECONDS)
    assert await notices(client, student, "payment.failed") == []

    clock(due + 10 * SECONDS)
    await run_payment_sweep(settings, run_worker_burst)
    assert (await payment(client, student, booking))["status"] == "authorized"
    stripe = await at_stripe(settings, stripe_standin, student)
    assert [(pi["status"], pi["metadata"]["attempt"]) for pi in stripe["intents"]] == [("requires_capture", "2")]
    assert await notices(client, student, "payment.failed") == []


async def test_a_rate_limit_at_booking_less_than_24h_ahead_is_503_and_leaves_no_backoff_behind(
    client, accounts, open_week, clock, settings, stripe_standin, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    body = booking_body(instructor, service_id, monday)
    now = start_of(body) - hours(20)
    clock(now)
    stripe_standin.configure(fail_next={"count": 1, "status": 429, "path_prefix": "/v1/payment_intents"})

    response = await client.post("/api/bookings", json=body, headers=student.headers)

    # API.md: a lesson less than 24 h ahead is authorized before the 201; Stripe unreachable is a 503.
    assert (response.status_code, response.json()["code"]) == (503, "payment_unavailable"), response.text
    assert (await client.get("/api/bookings?when=upcoming", headers=student.headers)).json() == []
    clock(now + 10 * SECONDS)
    await run_payment_sweep(settings, run_worker_burst)
    assert (await at_stripe(settings, stripe_standin, student))["intents"] == [], "the sweep authorizes nothing"
    assert await notices(client, student, "payment.failed") == []

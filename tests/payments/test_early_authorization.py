"""An authorization made before the change that needs it (a reschedule into the next 24 h) whose change
is then refused: the payment stays as it was and the authorization is released under its own key.
And a key Stripe refuses as reused (`IdempotencyError`) is our bug: logged, then one new attempt."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from arq.jobs import deserialize_result
from structlog.testing import capture_logs

from tests.payments.conftest import LESSON_CENTS, book, hours, start_of
from tests.payments.test_authorization import at_stripe, fetch, notices, payment, run_payment_sweep
from tests.payments.test_earnings import audit

pytestmark = pytest.mark.usefixtures("stripe_standin")
# Bookkeeping that must move: the attempt number (a new key next time) and the row's updated_at.
MOVES_ON = ("authorize_attempt", "updated_at")


async def payment_row(settings, booking_id: int) -> dict:
    return dict((await fetch(settings, "SELECT * FROM payments WHERE booking = $1", booking_id))[0])


def kept(row: dict) -> dict:
    return {name: value for name, value in row.items() if name not in MOVES_ON}


async def test_a_reschedule_refused_after_its_early_authorization_releases_it_and_keeps_the_payment(
    client, accounts, open_week, clock, settings, stripe_standin, run_worker_burst, redis
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday, at="10:00")
    movable = start_of(booking) - hours(24) - timedelta(seconds=1)
    clock(movable)  # movable (by a second); 09:00 is under 24 h ahead, so authorized first
    before = await payment_row(settings, booking["id"])
    stripe_standin.configure(latency_ms=1500)

    # While the authorization is out at Stripe the window closes (a thread: the test client holds this loop).
    passing = threading.Timer(0.5, clock, args=(movable + timedelta(seconds=2),))
    passing.start()
    refused = await client.post(
        f"/api/bookings/{booking['id']}/reschedule", json={"start": f"{monday}T09:00:00-05:00"}, headers=student.headers
    )
    passing.join()

    assert (refused.status_code, refused.json()["code"]) == (409, "reschedule_closed"), refused.text
    after = await payment_row(settings, booking["id"])
    assert kept(after) == kept(before), "the payment row is as it was"
    assert after["authorize_attempt"] == 2, "attempt 1 was used: the next authorization is a new key"
    shown = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (shown["start"], shown["payment"]) == (booking["start"], booking["payment"])
    assert await notices(client, student, "payment.authorized") == [], "a move that did not hold tells nothing"

    stripe_standin.configure(latency_ms=0)
    await run_worker_burst(max_jobs=10)
    job_id = f"{settings.redis_prefix}booking:{booking['id']}:authorize:1:release"
    assert deserialize_result(await redis.get(f"arq:result:{job_id}")).result == "released"
    # The burst's payment sweep also found the lesson due at its own T-24 h: authorized under the next key.
    assert (await payment(client, student, booking))["status"] == "authorized"
    intents = (await at_stripe(settings, stripe_standin, student))["intents"]
    assert sorted((pi["status"], pi["metadata"]["attempt"]) for pi in intents) == [
        ("canceled", "1"),
        ("requires_capture", "2"),
    ]
    assert await audit(settings) == []


async def test_a_reschedule_that_holds_tells_the_student_of_its_early_authorization_once(
    client, accounts, open_week, clock, settings, stripe_standin
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday, at="10:00")
    clock(start_of(booking) - hours(24.5))
    nine = f"{monday}T09:00:00-05:00"

    moved = await client.post(
        f"/api/bookings/{booking['id']}/reschedule", json={"start": nine}, headers=student.headers
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["payment"]["status"] == "authorized"
    assert moved.json()["payment"]["authorize_at"] == f"{monday - timedelta(days=1)}T09:00:00-05:00"
    assert [n["data"]["booking_id"] for n in await notices(client, student, "payment.authorized")] == [booking["id"]]


async def reuse_key(settings, stripe_client, student, booking_id: int, attempt: int) -> None:
    """Our key for that attempt, already used at Stripe with other parameters (as a bug would)."""
    customer = (await fetch(settings, 'SELECT customer_id FROM stripe_customers WHERE "user" = $1', student.id))[0]
    await stripe_client.v1.customers.update_async(
        customer["customer_id"],
        {"metadata": {"note": f"attempt {attempt}"}},
        {"idempotency_key": f"{settings.redis_prefix}booking:{booking_id}:authorize:{attempt}"},
    )


async def test_a_reused_authorization_key_is_logged_and_the_next_attempt_number_authorizes(
    client, accounts, open_week, clock, settings, stripe_standin, stripe_client, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    await reuse_key(settings, stripe_client, student, booking["id"], 1)
    clock(start_of(booking) - hours(24))

    with capture_logs() as logs:
        await run_payment_sweep(settings, run_worker_burst)

    assert (await payment(client, student, booking))["status"] == "authorized"
    intents = (await at_stripe(settings, stripe_standin, student))["intents"]
    assert [(pi["status"], pi["amount"], pi["metadata"]["attempt"]) for pi in intents] == [
        ("requires_capture", LESSON_CENTS, "2")
    ]
    reused = [entry for entry in logs if entry["event"] == "authorization_idempotency_key_reused"]
    assert [(entry["log_level"], entry["attempt"]) for entry in reused] == [("error", 1)]
    assert await notices(client, student, "payment.failed") == []


async def test_two_reused_authorization_keys_fail_the_payment_clearly(
    client, accounts, open_week, clock, settings, stripe_standin, stripe_client, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    for attempt in (1, 2):
        await reuse_key(settings, stripe_client, student, booking["id"], attempt)
    clock(start_of(booking) - hours(24))

    await run_payment_sweep(settings, run_worker_burst)

    assert (await payment(client, student, booking))["status"] == "failed", "not retried forever as transient"
    row = await payment_row(settings, booking["id"])
    assert (row["authorize_attempt"], row["next_attempt_at"]) == (3, None), "waits for a new card, as a decline"
    assert (await at_stripe(settings, stripe_standin, student))["intents"] == []
    failed = await notices(client, student, "payment.failed")
    assert [n["data"]["code"] for n in failed] == ["processing_error"]
    assert "an error on our side" in failed[0]["body"]

"""Completion and capture (API.md "Payments"): the instructor completes a lesson after its end (or
the worker does AUTO_COMPLETE_HOURS later), the worker captures the card's share under
`booking:{id}:capture` and records the transfer; cancellations' card steps reach Stripe."""

from __future__ import annotations

import pytest

from tests.payments.conftest import LESSON_CENTS, book, hours, start_of
from tests.payments.test_authorization import at_stripe, fetch, payment, run_payment_sweep

pytestmark = pytest.mark.usefixtures("stripe_standin")


@pytest.fixture
async def authorized_lesson(client, accounts, open_week, clock, settings, run_worker_burst):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) - hours(24))
    await run_payment_sweep(settings, run_worker_burst)
    assert (await payment(client, student, booking))["status"] == "authorized"
    return student, instructor, booking


async def complete(client, who, booking):
    return await client.post(f"/api/bookings/{booking['id']}/complete", headers=who.headers)


async def test_only_its_instructor_completes_a_lesson_and_only_after_its_end(
    client, accounts, authorized_lesson, clock
):
    student, instructor, booking = authorized_lesson
    clock(start_of(booking) + hours(1) - hours(1 / 3600))
    early = await complete(client, instructor, booking)
    assert (early.status_code, early.json()["code"]) == (409, "lesson_not_ended")
    clock(start_of(booking) + hours(1))
    by_student = await complete(client, student, booking)
    assert (by_student.status_code, by_student.json()["code"]) == (403, "not_the_instructor")
    stranger = await complete(client, await accounts.instructor(), booking)
    assert stranger.status_code == 404
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()["status"] == "confirmed"

    done = await complete(client, instructor, booking)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    again = await complete(client, instructor, booking)
    assert (again.status_code, again.json()) == (200, done.json())


async def test_a_cancelled_lesson_cannot_be_completed(client, authorized_lesson, clock):
    _, instructor, booking = authorized_lesson
    await client.post(f"/api/bookings/{booking['id']}/cancel", headers=instructor.headers)
    clock(start_of(booking) + hours(2))
    refused = await complete(client, instructor, booking)
    assert (refused.status_code, refused.json()["code"]) == (409, "not_completable")


async def test_completion_captures_the_card_share_once_and_records_the_transfer(
    client, authorized_lesson, clock, settings, redis, stripe_standin, run_worker_burst
):
    student, instructor, booking = authorized_lesson
    clock(start_of(booking) + hours(1))
    assert (await complete(client, instructor, booking)).status_code == 200
    await run_payment_sweep(settings, run_worker_burst)

    paid = await payment(client, student, booking)
    assert (paid["status"], paid["captured_cents"]) == ("captured", LESSON_CENTS)
    stripe = await at_stripe(settings, stripe_standin, student)
    assert [(c["amount_captured"]) for c in stripe["captures"]] == [LESSON_CENTS]
    assert len(stripe["intents"]) == 1 and stripe["intents"][0]["status"] == "succeeded"
    transfer = f"{settings.redis_prefix}booking:{booking['id']}:transfer"
    assert await redis.exists(f"arq:job:{transfer}") or await redis.exists(f"arq:result:{transfer}"), (
        "the transfer job was recorded"
    )
    fee = await fetch(settings, "SELECT fee_cents, capture_due_at FROM payments WHERE booking = $1", booking["id"])
    assert (fee[0]["fee_cents"], fee[0]["capture_due_at"]) == (900, None)

    await client.post(f"/api/bookings/{booking['id']}/complete", headers=instructor.headers)
    await run_payment_sweep(settings, run_worker_burst)
    assert len((await at_stripe(settings, stripe_standin, student))["captures"]) == 1


async def test_a_lesson_nobody_marks_is_completed_and_captured_after_auto_complete_hours(
    client, authorized_lesson, clock, settings, stripe_standin, run_worker_burst
):
    student, _, booking = authorized_lesson
    end = start_of(booking) + hours(1)
    clock(end + hours(settings.auto_complete_hours) - hours(1 / 3600))
    await run_payment_sweep(settings, run_worker_burst)
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()["status"] == "confirmed"

    clock(end + hours(settings.auto_complete_hours))
    await run_payment_sweep(settings, run_worker_burst)
    completed = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert completed["status"] == "completed"
    # Captured by the job the completion enqueued, or, if a slow burst ran out of its job budget
    # before it, by the next sweep (a capture due for a minute is the sweep's to make).
    clock(end + hours(settings.auto_complete_hours) + hours(1 / 60))
    await run_payment_sweep(settings, run_worker_burst)
    after = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (after["status"], after["payment"]["status"]) == ("completed", "captured")
    assert len((await at_stripe(settings, stripe_standin, student))["captures"]) == 1


async def test_a_free_cancel_releases_the_authorization_at_stripe(
    client, authorized_lesson, clock, settings, stripe_standin, run_worker_burst
):
    student, _, booking = authorized_lesson
    clock(start_of(booking) - hours(30))  # the clock back before T-24 h: a free cancel of an authorized card
    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    assert cancelled.json()["payment"]["status"] == "released"
    await run_payment_sweep(settings, run_worker_burst)
    stripe = await at_stripe(settings, stripe_standin, student)
    assert [pi["status"] for pi in stripe["intents"]] == ["canceled"] and stripe["captures"] == []


async def test_a_late_cancel_captures_the_card_share_at_stripe(
    client, authorized_lesson, clock, settings, stripe_standin, run_worker_burst
):
    student, _, booking = authorized_lesson
    clock(start_of(booking) - hours(6))
    cancelled = (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)).json()
    assert (cancelled["policy"]["outcome"], cancelled["policy"]["charged_cents"]) == ("charged_in_full", LESSON_CENTS)
    await run_payment_sweep(settings, run_worker_burst)
    stripe = await at_stripe(settings, stripe_standin, student)
    assert [c["amount_captured"] for c in stripe["captures"]] == [LESSON_CENTS]
    assert (await payment(client, student, booking))["status"] == "captured"


async def test_a_lesson_credits_paid_in_full_goes_straight_to_its_transfer(
    client, accounts, open_week, clock, settings, redis, give_credits, stripe_standin
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, LESSON_CENTS)
    booking = await book(client, student, instructor, service_id, monday)
    assert booking["payment"]["status"] == "not_needed"
    clock(start_of(booking) + hours(1))
    assert (await complete(client, instructor, booking)).status_code == 200
    transfer = f"{settings.redis_prefix}booking:{booking['id']}:transfer"
    assert await redis.exists(f"arq:job:{transfer}"), "no card to capture: the transfer is recorded at once"
    assert (await at_stripe(settings, stripe_standin, student))["intents"] == []

"""An authorization still `failed` 12 h before the start: the worker cancels the booking with
outcome `payment_failed` (cancelled_by null), returns the credits and tells both parties."""

from __future__ import annotations

import itertools

from arq import create_pool

from app.services import arq_queue_name, arq_settings
from tests.payments.conftest import book, hours, start_of

SECOND = hours(1 / 3600)
_runs = itertools.count(1)


async def run_the_sweep(settings, run_worker_burst) -> None:
    """Both crons (authorizations due, then the failure deadline) run now in a real burst worker."""
    # One burst each: a burst worker runs its jobs at once, and the deadline must see the sweep's decline.
    for cron_name in ("cron:sweep_payments_due", "cron:cancel_unpaid_bookings"):
        queue = await create_pool(arq_settings(settings), default_queue_name=arq_queue_name(settings))
        try:
            await queue.enqueue_job(cron_name, _job_id=f"{settings.redis_prefix}{cron_name}:{next(_runs)}")
        finally:
            await queue.aclose()
        await run_worker_burst(max_jobs=10)


async def test_still_failed_12h_before_the_start_the_booking_is_cancelled(
    client, accounts, open_week, give_credits, clock, settings, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student(card="pm_card_chargeDeclined")
    await give_credits(student, 2000)
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) - hours(24))
    await run_the_sweep(settings, run_worker_burst)  # the authorization at T-24 h is declined
    failed = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (failed["status"], failed["payment"]["status"]) == ("confirmed", "failed")

    clock(start_of(booking) - hours(12) - SECOND)
    await run_the_sweep(settings, run_worker_burst)
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()["status"] == "confirmed"

    clock(start_of(booking) - hours(12))
    await run_the_sweep(settings, run_worker_burst)

    after = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (after["status"], after["payment"]["status"], after["payment"]["credited_cents"]) == (
        "cancelled",
        "failed",
        2000,
    )
    policy = (await client.get(f"/api/bookings/{booking['id']}/cancellation", headers=student.headers)).json()
    assert (policy["outcome"], policy["cancelled_by"], policy["credit_cents"], policy["charged_cents"]) == (
        "payment_failed",
        None,
        2000,
        0,
    )
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 2000
    for reader in (student, instructor):
        told = (await client.get("/api/notifications", headers=reader.headers)).json()["items"][0]
        assert (told["type"], told["data"]["outcome"], told["data"]["cancelled_by"]) == (
            "booking.cancelled",
            "payment_failed",
            None,
        )
        assert told["body"].endswith(
            "Cancelled because the card could not be authorized in time; $20.00 comes back as platform credit."
        )


async def test_a_booking_whose_card_was_authorized_is_left_alone(
    client, accounts, open_week, clock, settings, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) - hours(1))
    await run_the_sweep(settings, run_worker_burst)
    after = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (after["status"], after["payment"]["status"]) == ("confirmed", "authorized")
    assert {**after, "payment": booking["payment"]} == booking


async def test_a_lesson_whose_card_failed_cannot_be_completed_and_is_cancelled_as_unpaid(
    client, accounts, open_week, clock, settings, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student(card="pm_card_chargeDeclined")
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) - hours(24))
    await run_the_sweep(settings, run_worker_burst)  # declined at T-24 h

    clock(start_of(booking) + hours(1) + SECOND)  # the lesson's end has passed, no cron has run since
    refused = await client.post(f"/api/bookings/{booking['id']}/complete", headers=instructor.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "payment_failed")

    await run_the_sweep(settings, run_worker_burst)
    after = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (after["status"], after["payment"]["status"]) == ("cancelled", "failed")


async def test_a_worker_back_after_the_lesson_never_completes_an_unpaid_one(
    client, accounts, open_week, clock, settings, run_worker_burst
):
    """Found by the money simulation: the worker down from before T-24 h until after auto-completion
    time; its first sweep declines the authorization and must not then complete the lesson."""
    instructor, service_id, monday = open_week
    student = await accounts.student(card="pm_card_chargeDeclined")
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) + hours(1) + hours(settings.auto_complete_hours) + SECOND)

    await run_the_sweep(settings, run_worker_burst)

    after = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (after["status"], after["payment"]["status"]) == ("cancelled", "failed")
    policy = (await client.get(f"/api/bookings/{booking['id']}/cancellation", headers=student.headers)).json()
    assert policy["outcome"] == "payment_failed"

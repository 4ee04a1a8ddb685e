"""Cancelling through the API moves the money as API.md's table says, for its example: a 6000
lesson paid 2000 by credits and 4000 by card. The clock is stopped at an exact distance from the start."""

from __future__ import annotations

import asyncpg
import pytest
from arq.jobs import deserialize_result

from tests.payments.conftest import book, hours, start_of

SECOND = hours(1 / 3600)
CASES = [
    # who, how long before the start, outcome, refund / credit / charged, payment status, balance after
    ("student", hours(24) + SECOND, "free", 0, 2000, 0, "released", 2000),
    ("student", hours(24), "credit_refund", 0, 6000, 4000, "captured", 6000),
    ("student", hours(12), "credit_refund", 0, 6000, 4000, "captured", 6000),
    ("student", hours(12) - SECOND, "charged_in_full", 0, 0, 4000, "captured", 0),
    ("instructor", hours(1), "full_refund", 0, 2000, 0, "released", 2000),
]


@pytest.fixture
async def paid_lesson(client, accounts, open_week, give_credits):
    """API.md's example: a 6000 lesson, 2000 of it paid by credits."""
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 2000)
    booking = await book(client, student, instructor, service_id, monday)
    assert (booking["payment"]["credits_applied_cents"], booking["payment"]["card_amount_cents"]) == (2000, 4000)
    return student, instructor, booking


@pytest.mark.parametrize(
    ("who", "ahead", "outcome", "refund", "credit", "charged", "status", "balance"),
    CASES,
    ids=["student-24h+1s", "student-24h", "student-12h", "student-12h-1s", "instructor-1h"],
)
async def test_cancel_moves_the_money_as_the_table_says(
    client, paid_lesson, clock, who, ahead, outcome, refund, credit, charged, status, balance
):
    student, instructor, booking = paid_lesson
    canceller = student if who == "student" else instructor
    clock(start_of(booking) - ahead)

    quote = await client.get(f"/api/bookings/{booking['id']}/cancellation", headers=canceller.headers)
    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=canceller.headers)

    assert cancelled.status_code == 200, cancelled.text
    policy = cancelled.json()["policy"]
    assert (policy["outcome"], policy["refund_cents"], policy["credit_cents"], policy["charged_cents"]) == (
        outcome,
        refund,
        credit,
        charged,
    )
    assert policy["cancelled_by"] == canceller.id
    assert quote.status_code == 200, quote.text
    assert quote.json() == policy, "the quote is what cancelling then did"
    payment = cancelled.json()["payment"]
    assert (payment["status"], payment["credited_cents"]) == (status, credit)
    assert payment["captured_cents"] == charged
    credits = (await client.get("/api/me/credits", headers=student.headers)).json()
    assert credits["balance_cents"] == balance
    assert sum(e["amount_cents"] for e in credits["entries"]) == balance


async def test_credit_refund_gives_back_the_spend_and_the_card_as_two_entries(client, paid_lesson, clock):
    student, _, booking = paid_lesson
    clock(start_of(booking) - hours(18))
    await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    entries = (await client.get("/api/me/credits", headers=student.headers)).json()["entries"]
    assert [(e["kind"], e["amount_cents"], e["booking_id"]) for e in entries[:3]] == [
        ("cancellation", 4000, booking["id"]),
        ("return", 2000, booking["id"]),
        ("spend", -2000, booking["id"]),
    ]


async def test_cancelling_twice_returns_the_same_result_and_moves_nothing_more(client, paid_lesson, clock):
    student, instructor, booking = paid_lesson
    clock(start_of(booking) - hours(18))
    first = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    clock(start_of(booking) - hours(1))  # later, when a cancel would be charged in full
    second = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    by_instructor = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=instructor.headers)
    assert first.json() == second.json() == by_instructor.json()
    quote = await client.get(f"/api/bookings/{booking['id']}/cancellation", headers=student.headers)
    assert quote.json() == first.json()["policy"]
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 6000


async def test_the_quote_changes_nothing(client, paid_lesson, clock):
    student, _, booking = paid_lesson
    clock(start_of(booking) - hours(6))
    quote = await client.get(f"/api/bookings/{booking['id']}/cancellation", headers=student.headers)
    assert quote.json()["outcome"] == "charged_in_full"
    assert quote.json()["detail"] == (
        "Cancelled less than 12 hours ahead: charged in full; $40.00 is charged to the card."
    )
    after = await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)
    assert after.json() == booking


async def test_only_its_student_or_instructor_may_quote_or_cancel(client, accounts, paid_lesson, admin):
    _, _, booking = paid_lesson
    stranger = await accounts.student()
    for outsider in (stranger, admin):
        quote = await client.get(f"/api/bookings/{booking['id']}/cancellation", headers=outsider.headers)
        assert (quote.status_code, quote.json()["code"]) == (404, "not_found")
    assert (await client.post(f"/api/bookings/{booking['id']}/cancel", headers=stranger.headers)).status_code == 404


async def test_a_failed_authorization_cancelled_late_charges_nothing_and_returns_credits(
    client, paid_lesson, clock, settings
):
    student, _, booking = paid_lesson
    conn = await asyncpg.connect(settings.database_url)
    try:
        # What the worker's failed authorization at T-24 h leaves (the Stripe wiring comes next).
        await conn.execute(
            "UPDATE payments SET status = 'failed', authorize_attempt = 1 WHERE booking = $1", booking["id"]
        )
    finally:
        await conn.close()
    clock(start_of(booking) - hours(3))

    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)

    policy = cancelled.json()["policy"]
    assert (policy["outcome"], policy["refund_cents"], policy["credit_cents"], policy["charged_cents"]) == (
        "charged_in_full",
        0,
        2000,
        0,
    )
    assert cancelled.json()["payment"]["status"] == "failed"
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 2000


async def test_a_cancelled_hold_is_released_and_spent_nothing(client, accounts, open_week, give_credits):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 2000)
    held = await book(client, student, instructor, service_id, monday, hold=True)
    cancelled = await client.post(f"/api/bookings/{held['id']}/cancel", headers=student.headers)
    assert cancelled.json()["policy"]["outcome"] == "hold_released"
    assert cancelled.json()["payment"]["status"] == "released"
    assert cancelled.json()["policy"]["detail"] == "The hold was released; nothing is charged."
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 2000


async def test_the_other_party_reads_what_the_policy_did(client, paid_lesson, clock):
    student, instructor, booking = paid_lesson
    clock(start_of(booking) - hours(18))
    await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    told = (await client.get("/api/notifications", headers=instructor.headers)).json()["items"][0]
    assert told["type"] == "booking.cancelled"
    assert told["body"].endswith(
        "Cancelled 12 to 24 hours ahead: refunded as platform credit; $40.00 is charged to the card, "
        "and $60.00 comes back as platform credit."
    )


async def test_the_card_side_is_a_job_keyed_by_the_booking(
    client, paid_lesson, clock, redis, settings, run_worker_burst
):
    student, _, booking = paid_lesson
    clock(start_of(booking) - hours(18))
    await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    job_id = f"{settings.redis_prefix}booking:{booking['id']}:capture"
    assert await redis.exists(f"arq:job:{job_id}"), "the capture is queued under the booking's id"
    await run_worker_burst(max_jobs=5)
    result = await redis.get(f"arq:result:{job_id}")
    assert result is not None
    # Never authorized (no worker ran at T-24 h): the capture job authorizes, then captures.
    assert deserialize_result(result).result == "captured"
    after = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()["payment"]
    assert (after["status"], after["captured_cents"]) == ("captured", booking["payment"]["card_amount_cents"])

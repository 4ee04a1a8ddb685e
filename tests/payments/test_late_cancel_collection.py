"""A student's late cancel (12-24 h: `credit_refund`, under 12 h: `charged_in_full`) charges the card's
share, so the policy, the payment, the credits and the notification say what the card really gave:
a lesson not authorized yet (its T-24 h trigger lost, the sweep late) is authorized while the student
waits, and a decline is a failed payment (charged nothing, credits back, API.md's `failed` sentence);
a lesson whose authorization failed at T-24 h is charged nothing either."""

from __future__ import annotations

import pytest

from tests.payments.conftest import book, hours, start_of
from tests.payments.test_authorization import at_stripe, notices, run_payment_sweep
from tests.payments.test_earnings import audit, earning_row
from tests.payments.test_payment_unavailable import OUTAGE, assert_payment_unavailable

pytestmark = pytest.mark.usefixtures("stripe_standin")
LATE = [(hours(18), "credit_refund"), (hours(3), "charged_in_full")]


@pytest.fixture
async def unauthorized_lesson(client, accounts, open_week, give_credits):
    """API.md's example (6000: 2000 by credits, 4000 by card), booked days ahead: no worker has run."""
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 2000)
    booking = await book(client, student, instructor, service_id, monday)
    assert booking["payment"]["status"] == "scheduled"
    return student, instructor, booking


def money(policy: dict) -> tuple:
    return policy["outcome"], policy["refund_cents"], policy["credit_cents"], policy["charged_cents"]


@pytest.mark.parametrize(("ahead", "outcome"), LATE, ids=["12-24h", "under-12h"])
async def test_a_late_cancel_of_a_lesson_never_authorized_whose_card_declines_charges_nothing(
    client, accounts, unauthorized_lesson, clock, settings, stripe_standin, run_worker_burst, ahead, outcome
):
    student, instructor, booking = unauthorized_lesson
    await accounts.add_card(student, "pm_card_chargeDeclined")  # the newest card is the default
    clock(start_of(booking) - ahead)  # its T-24 h authorization never ran

    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)

    assert cancelled.status_code == 200, cancelled.text
    assert money(cancelled.json()["policy"]) == (outcome, 0, 2000, 0)
    assert cancelled.json()["policy"]["detail"].endswith("$20.00 comes back as platform credit.")
    payment = cancelled.json()["payment"]
    assert (payment["status"], payment["captured_cents"], payment["credited_cents"]) == ("failed", 0, 2000)
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 2000
    told = (await notices(client, instructor, "booking.cancelled"))[0]
    assert told["body"].endswith("$20.00 comes back as platform credit.")
    assert "charged to the card" not in told["body"]

    await run_worker_burst(max_jobs=10)
    intents = (await at_stripe(settings, stripe_standin, student))["intents"]
    assert [pi["status"] for pi in intents if pi["status"] in ("requires_capture", "succeeded")] == []
    assert await earning_row(settings, booking["id"]) is None, "the instructor earns nothing it was not paid"
    again = await client.get(f"/api/bookings/{booking['id']}/cancellation", headers=student.headers)
    assert money(again.json()) == (outcome, 0, 2000, 0), "read back later, the same truth"
    assert await audit(settings) == []


@pytest.mark.parametrize(("ahead", "outcome", "credit"), [(hours(18), "credit_refund", 6000),
                                                          (hours(3), "charged_in_full", 0)])  # fmt: skip
async def test_a_late_cancel_of_a_lesson_never_authorized_collects_the_card_before_it_answers(
    client, unauthorized_lesson, clock, settings, stripe_standin, run_worker_burst, ahead, outcome, credit
):
    student, _, booking = unauthorized_lesson
    clock(start_of(booking) - ahead)

    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)

    assert money(cancelled.json()["policy"]) == (outcome, 0, credit, 4000)
    intents = (await at_stripe(settings, stripe_standin, student))["intents"]
    assert [(pi["status"], pi["amount"]) for pi in intents] == [("requires_capture", 4000)], "held before the 200"
    await run_worker_burst(max_jobs=10)
    intents = (await at_stripe(settings, stripe_standin, student))["intents"]
    assert [(pi["status"], pi["amount_received"]) for pi in intents] == [("succeeded", 4000)]
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == credit
    assert await notices(client, student, "payment.authorized") == [], "one notice: the charge"
    assert [n["data"]["amount_cents"] for n in await notices(client, student, "payment.captured")] == [4000]


async def test_a_late_cancel_while_stripe_is_unreachable_is_503_and_the_lesson_stays(
    client, unauthorized_lesson, clock, settings, stripe_standin
):
    student, _, booking = unauthorized_lesson
    clock(start_of(booking) - hours(3))
    stripe_standin.configure(fail_next=OUTAGE)

    refused = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)

    assert_payment_unavailable(refused)
    kept = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (kept["status"], kept["payment"]) == ("confirmed", booking["payment"])
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 0
    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    assert money(cancelled.json()["policy"]) == ("charged_in_full", 0, 0, 4000)


async def test_a_decline_at_24h_then_a_late_cancel_charges_nothing_and_returns_the_credits(
    client, accounts, open_week, give_credits, clock, settings, stripe_standin, run_worker_burst
):
    instructor, service_id, monday = open_week
    student = await accounts.student(card="pm_card_chargeDeclined")
    await give_credits(student, 2000)
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) - hours(24))
    await run_payment_sweep(settings, run_worker_burst)
    assert [n["data"]["code"] for n in await notices(client, student, "payment.failed")] == ["card_declined"]
    clock(start_of(booking) - hours(6))

    cancelled = await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)

    assert money(cancelled.json()["policy"]) == ("charged_in_full", 0, 2000, 0)
    assert cancelled.json()["payment"]["status"] == "failed"
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 2000
    told = (await notices(client, instructor, "booking.cancelled"))[0]
    assert "charged to the card" not in told["body"]
    await run_worker_burst(max_jobs=10)
    assert await audit(settings) == []

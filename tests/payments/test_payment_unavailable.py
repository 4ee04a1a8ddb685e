"""Stripe unreachable while the student waits (the stand-in's `fail_next` 500s through the SDK's own
retries): a booking, a hold's confirm or a reschedule that must be authorized first answers `503
payment_unavailable` with Retry-After and changes nothing; the same request after the outage works."""

from __future__ import annotations

import pytest

from tests.bookings.conftest import booking_body
from tests.payments.conftest import LESSON_CENTS, book, hours, start_of
from tests.payments.test_authorization import at_stripe, fetch

pytestmark = pytest.mark.usefixtures("stripe_standin")
# The SDK tries a 500 three times (max_network_retries=2): three faults are one unreachable Stripe.
OUTAGE = {"count": 3, "status": 500, "path_prefix": "/v1/payment_intents"}


def assert_payment_unavailable(response) -> None:
    assert (response.status_code, response.json()["code"]) == (503, "payment_unavailable"), response.text
    assert int(response.headers["retry-after"]) > 0


async def test_a_stripe_outage_at_booking_is_503_with_nothing_booked_and_the_same_key_books_after(
    client, accounts, open_week, clock, settings, stripe_standin, give_credits
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 2000)
    body = booking_body(instructor, service_id, monday)
    clock(start_of(body) - hours(20))
    headers = {**student.headers, "Idempotency-Key": "piano-monday-10"}
    stripe_standin.configure(fail_next=OUTAGE)

    refused = await client.post("/api/bookings", json=body, headers=headers)

    assert_payment_unavailable(refused)
    assert (await client.get("/api/bookings?when=upcoming", headers=student.headers)).json() == []
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 2000
    assert (await at_stripe(settings, stripe_standin, student))["intents"] == []

    retried = await client.post("/api/bookings", json=body, headers=headers)

    assert retried.status_code == 201, retried.text
    payment = retried.json()["payment"]
    assert (payment["status"], payment["credits_applied_cents"]) == ("authorized", 2000)
    intents = (await at_stripe(settings, stripe_standin, student))["intents"]
    assert [(pi["status"], pi["amount"]) for pi in intents] == [("requires_capture", LESSON_CENTS - 2000)]
    replayed = await client.post("/api/bookings", json=body, headers=headers)
    assert replayed.json()["id"] == retried.json()["id"], "the key now names the booking that stands"
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 0


async def test_a_stripe_outage_at_a_holds_confirm_is_503_and_the_hold_stays(
    client, accounts, open_week, clock, settings, stripe_standin
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    body = booking_body(instructor, service_id, monday)
    clock(start_of(body) - hours(20))
    held = await book(client, student, instructor, service_id, monday, hold=True)
    stripe_standin.configure(fail_next=OUTAGE)

    refused = await client.post(f"/api/bookings/{held['id']}/confirm", headers=student.headers)

    assert_payment_unavailable(refused)
    after = (await client.get(f"/api/bookings/{held['id']}", headers=student.headers)).json()
    assert (after["status"], after["payment"]["status"]) == ("held", "scheduled")
    confirmed = await client.post(f"/api/bookings/{held['id']}/confirm", headers=student.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["payment"]["status"] == "authorized"


async def test_a_stripe_outage_at_a_reschedule_into_the_next_24h_is_503_and_nothing_moves(
    client, accounts, open_week, clock, settings, stripe_standin
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday, at="10:00")
    clock(start_of(booking) - hours(24.5))
    before = (await fetch(settings, "SELECT * FROM payments WHERE booking = $1", booking["id"]))[0]
    stripe_standin.configure(fail_next=OUTAGE)

    refused = await client.post(
        f"/api/bookings/{booking['id']}/reschedule", json={"start": f"{monday}T09:00:00-05:00"}, headers=student.headers
    )

    assert_payment_unavailable(refused)
    kept = (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json()
    assert (kept["start"], kept["payment"]) == (booking["start"], booking["payment"])
    after = (await fetch(settings, "SELECT * FROM payments WHERE booking = $1", booking["id"]))[0]
    assert after["next_attempt_at"] == before["next_attempt_at"], "no backoff left behind for the sweep"


@pytest.mark.parametrize(
    ("path", "method"),
    [("/api/bookings", "post"), ("/api/bookings/{booking_id}/confirm", "post"),
     ("/api/bookings/{booking_id}/reschedule", "post"), ("/api/bookings/{booking_id}/cancel", "post")],
)  # fmt: skip
async def test_the_openapi_names_the_503_payment_unavailable(client, path, method):
    schema = (await client.get("/schema/openapi.json")).json()
    unavailable = schema["paths"][path][method]["responses"]["503"]
    assert "payment_unavailable" in unavailable["description"]

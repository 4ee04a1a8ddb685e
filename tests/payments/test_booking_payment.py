"""At booking: the price is fixed, credits pay first, the card the rest (API.md "Payments")."""

from __future__ import annotations

from tests.bookings.conftest import booking_body
from tests.payments.conftest import LESSON_CENTS, book, hours, start_of


async def test_credits_pay_first_and_the_card_is_scheduled_24h_before(client, accounts, open_week, give_credits):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 2000)

    booking = await book(client, student, instructor, service_id, monday)

    assert booking["price_cents"] == LESSON_CENTS
    payment = booking["payment"]
    assert {k: payment[k] for k in ("status", "amount_cents", "credits_applied_cents", "card_amount_cents")} == {
        "status": "scheduled",
        "amount_cents": 6000,
        "credits_applied_cents": 2000,
        "card_amount_cents": 4000,
    }
    assert payment["authorize_at"] == (start_of(booking) - hours(24)).isoformat()
    assert (payment["captured_cents"], payment["refunded_cents"], payment["credited_cents"]) == (0, 0, 0)
    credits = (await client.get("/api/me/credits", headers=student.headers)).json()
    assert credits["balance_cents"] == 0
    assert [(e["kind"], e["amount_cents"], e["booking_id"]) for e in credits["entries"]] == [
        ("spend", -2000, booking["id"]),
        ("goodwill", 2000, None),
    ], "newest first"


async def test_credits_covering_the_price_need_no_card(client, accounts, open_week, give_credits):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 10000)

    booking = await book(client, student, instructor, service_id, monday, minutes=30)

    assert booking["price_cents"] == 3000
    assert booking["payment"]["status"] == "not_needed"
    assert (booking["payment"]["credits_applied_cents"], booking["payment"]["card_amount_cents"]) == (3000, 0)
    assert booking["payment"]["authorize_at"] is None
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 7000


async def test_without_credits_the_card_pays_everything(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    assert (booking["payment"]["credits_applied_cents"], booking["payment"]["card_amount_cents"]) == (0, 6000)
    assert (await client.get("/api/me/credits", headers=student.headers)).json() == {"balance_cents": 0, "entries": []}


async def test_a_hold_spends_no_credits_until_its_confirm(client, accounts, open_week, give_credits):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 2500)

    held = await book(client, student, instructor, service_id, monday, hold=True)
    assert held["payment"]["credits_applied_cents"] == 0
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 2500

    confirmed = await client.post(f"/api/bookings/{held['id']}/confirm", headers=student.headers)
    assert confirmed.status_code == 200, confirmed.text
    payment = confirmed.json()["payment"]
    assert (payment["status"], payment["credits_applied_cents"], payment["card_amount_cents"]) == (
        "scheduled",
        2500,
        3500,
    )
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 0


async def test_an_expired_hold_releases_its_payment(client, accounts, open_week, clock):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    held = await book(client, student, instructor, service_id, monday, hold=True)
    clock(start_of(held) - hours(48))  # long after the hold's minutes ran out
    again = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    assert again.status_code == 201, "the expired hold no longer takes the slot"
    first = (await client.get(f"/api/bookings/{held['id']}", headers=student.headers)).json()
    assert (first["status"], first["payment"]["status"]) == ("cancelled", "released")


async def test_the_student_is_told_too_who_what_and_when(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student(timezone="Europe/Paris")
    booking = await book(client, student, instructor, service_id, monday)

    feed = (await client.get("/api/notifications", headers=student.headers)).json()["items"]

    assert [n["type"] for n in feed] == ["booking.created"]
    assert feed[0]["title"] == f"Piano with {instructor.full_name} is booked"
    # 10:00 in New York is 16:00 in Paris: the reader's own zone
    assert feed[0]["body"] == (
        f"You booked a 60-minute Piano lesson with {instructor.full_name} on Mon {monday:%b} {monday.day}, 4:00 PM CET."
    )
    assert feed[0]["data"]["booking_id"] == booking["id"]
    theirs = (await client.get("/api/notifications", headers=instructor.headers)).json()["items"]
    assert [n["type"] for n in theirs if not n["type"].startswith("onboarding.")] == ["booking.created"]


async def test_get_booking_for_its_student_instructor_and_admins_only(client, accounts, open_week, admin):
    instructor, service_id, monday = open_week
    student, stranger, other_instructor = (
        await accounts.student(),
        await accounts.student(),
        await accounts.instructor(),
    )
    booking = await book(client, student, instructor, service_id, monday)

    for reader in (student, instructor, admin):
        response = await client.get(f"/api/bookings/{booking['id']}", headers=reader.headers)
        assert response.status_code == 200, response.text
        assert response.json() == booking
    for outsider in (stranger, other_instructor):
        refused = await client.get(f"/api/bookings/{booking['id']}", headers=outsider.headers)
        assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    missing = await client.get(f"/api/bookings/{booking['id'] + 1000}", headers=admin.headers)
    assert missing.status_code == 404
    assert (await client.get(f"/api/bookings/{booking['id']}")).status_code == 401


async def test_the_lists_show_the_same_price_and_payment_as_the_booking(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    listed = (await client.get("/api/bookings?role=student", headers=student.headers)).json()
    assert listed == [booking]

"""Reschedule: the same booking (id, price, payment) at another open slot of the same length, while
the lesson starts more than 24 h ahead."""

from __future__ import annotations

import pytest

from tests.payments.conftest import book, hours, start_of
from tests.support.calendar import PIANO_OFFER

SECOND = hours(1 / 3600)


def at(monday, time: str) -> str:
    return f"{monday}T{time}:00-05:00"


async def slots(client, instructor, monday) -> list[str]:
    response = await client.get(f"/api/instructors/{instructor.id}/slots?start={monday}&end={monday}&duration=60")
    return [s["start"] for s in response.json()["slots"]]


@pytest.mark.parametrize("mover", ["student", "instructor"])
async def test_reschedule_keeps_id_price_and_payment_and_moves_the_authorization(
    client, accounts, open_week, give_credits, mover
):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    await give_credits(student, 2000)
    booking = await book(client, student, instructor, service_id, monday)
    who = student if mover == "student" else instructor

    moved = await client.post(
        f"/api/bookings/{booking['id']}/reschedule", json={"start": at(monday, "11:00")}, headers=who.headers
    )

    assert moved.status_code == 200, moved.text
    after = moved.json()
    assert (after["id"], after["price_cents"], after["status"]) == (booking["id"], 6000, "confirmed")
    assert (after["start"], after["end"]) == (at(monday, "11:00"), at(monday, "12:00"))
    assert after["payment"] == {**booking["payment"], "authorize_at": (start_of(after) - hours(24)).isoformat()}
    assert at(monday, "10:00") in await slots(client, instructor, monday), "the old time is open again"
    assert at(monday, "11:00") not in await slots(client, instructor, monday)
    assert (await client.get("/api/me/credits", headers=student.headers)).json()["balance_cents"] == 0
    for reader in (student, instructor):
        told = (await client.get("/api/notifications", headers=reader.headers)).json()["items"][0]
        assert told["type"] == "booking.rescheduled"
        assert told["data"]["booking_id"] == booking["id"]
        assert f"to Mon {monday:%b} {monday.day}, 11:00 AM EST" in told["body"]
    assert (
        (await client.get("/api/notifications", headers=who.headers)).json()["items"][0]["body"].startswith("You moved")
    )


async def test_reschedule_onto_a_time_overlapping_its_own(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    moved = await client.post(
        f"/api/bookings/{booking['id']}/reschedule", json={"start": at(monday, "10:30")}, headers=student.headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["end"] == at(monday, "11:30")


@pytest.mark.parametrize("time", ["11:00", "13:00", "09:05"], ids=["taken", "not_open", "off_the_grid"])
async def test_reschedule_onto_a_slot_that_is_not_open_is_409_and_changes_nothing(client, accounts, open_week, time):
    instructor, service_id, monday = open_week
    student, other = await accounts.student(), await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    await book(client, other, instructor, service_id, monday, at="11:00")

    refused = await client.post(
        f"/api/bookings/{booking['id']}/reschedule", json={"start": at(monday, time)}, headers=student.headers
    )

    assert (refused.status_code, refused.json()["code"]) == (409, "slot_taken")
    assert (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json() == booking


@pytest.mark.parametrize(("ahead", "status"), [(hours(24) + SECOND, 200), (hours(24), 409), (hours(3), 409)])
async def test_reschedule_window_closes_24h_before_the_start(client, accounts, open_week, clock, ahead, status):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) - ahead)

    response = await client.post(
        f"/api/bookings/{booking['id']}/reschedule", json={"start": at(monday, "11:00")}, headers=student.headers
    )

    assert response.status_code == status, response.text
    if status == 409:
        assert response.json()["code"] == "reschedule_closed"
        assert (await client.get(f"/api/bookings/{booking['id']}", headers=student.headers)).json() == booking


async def test_only_a_confirmed_booking_of_ones_own_moves(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student, stranger = await accounts.student(), await accounts.student()
    held = await book(client, student, instructor, service_id, monday, hold=True)
    body = {"start": at(monday, "11:00")}
    refused = await client.post(f"/api/bookings/{held['id']}/reschedule", json=body, headers=student.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "not_reschedulable")
    other = await client.post(f"/api/bookings/{held['id']}/reschedule", json=body, headers=stranger.headers)
    assert other.status_code == 404
    bad = await client.post(f"/api/bookings/{held['id']}/reschedule", json={"start": "soon"}, headers=student.headers)
    assert (bad.status_code, bad.json()["extra"][0]["key"]) == (400, "start")


async def test_the_price_stays_what_it_was_when_booked_whatever_the_rate_becomes(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    raised = await client.put(
        f"/api/instructors/me/services/{service_id}",
        json={**PIANO_OFFER, "hourly_rate_cents": 9000},
        headers=instructor.headers,
    )
    assert raised.status_code == 200, raised.text

    moved = await client.post(
        f"/api/bookings/{booking['id']}/reschedule", json={"start": at(monday, "11:00")}, headers=student.headers
    )

    assert (moved.json()["price_cents"], moved.json()["payment"]["amount_cents"]) == (6000, 6000)
    another = await book(client, student, instructor, service_id, monday, at="09:00")
    assert another["price_cents"] == 9000, "new bookings take the new rate"

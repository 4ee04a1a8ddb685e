"""Bookings and their notifications name people and lessons, not ids (issue 10, item 5)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.bookings.conftest import booking_body
from tests.support.accounts import Accounts


async def test_every_booking_answer_names_the_student_the_instructor_and_the_lesson(client, open_week):
    instructor, service_id, monday = open_week
    student = await Accounts(client).student(name="Sam Student")
    names = {"student_name": "Sam Student", "instructor_name": instructor.full_name, "service_name": "Piano"}

    held = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday, hold=True), headers=student.headers
    )
    assert held.status_code == 201, held.text
    assert {k: held.json()[k] for k in names} == names
    confirmed = await client.post(f"/api/bookings/{held.json()['id']}/confirm", headers=student.headers)
    assert {k: confirmed.json()[k] for k in names} == names
    for role, who in (("student", student), ("instructor", instructor)):
        listed = (await client.get(f"/api/bookings?role={role}&when=upcoming", headers=who.headers)).json()
        assert [{k: b[k] for k in names} for b in listed] == [names]
    cancelled = await client.post(f"/api/bookings/{held.json()['id']}/cancel", headers=student.headers)
    assert {k: cancelled.json()[k] for k in names} == names


async def test_a_cancelled_lesson_leaves_upcoming_and_is_listed_as_cancelled(client, open_week):
    instructor, service_id, monday = open_week
    student = await Accounts(client).student()
    booking = (
        await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers)
    ).json()
    await client.post(f"/api/bookings/{booking['id']}/cancel", headers=student.headers)
    for role, who in (("student", student), ("instructor", instructor)):
        upcoming = (await client.get(f"/api/bookings?role={role}&when=upcoming", headers=who.headers)).json()
        assert upcoming == []
        gone = (await client.get(f"/api/bookings?role={role}&when=cancelled", headers=who.headers)).json()
        assert [(b["id"], b["status"]) for b in gone] == [(booking["id"], "cancelled")]


async def test_notifications_say_who_what_and_when_in_the_readers_zone_and_carry_links(client, open_week):
    instructor, service_id, monday = open_week  # the instructor is in New York
    student = await Accounts(client).student(name="Lena Learner", timezone="Europe/Berlin")
    booking = (
        await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers)
    ).json()

    booked = (await client.get("/api/notifications", headers=instructor.headers)).json()["items"][0]
    assert booked["title"] == "Lena Learner booked Piano"
    when_ny = f"{monday:%a %b} {monday.day}, 10:00 AM EST"
    assert booked["body"] == f"Lena Learner booked a 60-minute Piano lesson on {when_ny}."
    links = {"booking_id": booking["id"], "instructor_id": instructor.id, "week_start": monday.isoformat()}
    assert {k: booked["data"][k] for k in links} == links

    await client.post(f"/api/bookings/{booking['id']}/cancel", headers=instructor.headers)
    cancelled = (await client.get("/api/notifications", headers=student.headers)).json()["items"][0]
    assert cancelled["title"] == f"{instructor.full_name} cancelled your Piano lesson"
    # The student reads its own zone, on the 12-hour clock.
    berlin = datetime.fromisoformat(booking["start"]).astimezone(ZoneInfo("Europe/Berlin"))
    when_berlin = f"{berlin:%a %b} {berlin.day}, {berlin.hour % 12 or 12}:00 {berlin:%p} {berlin.tzname()}"
    assert f"lesson on {when_berlin} was cancelled" in cancelled["body"]
    assert "60-minute Piano lesson" in cancelled["body"] and "refunded in full" in cancelled["body"]
    assert {k: cancelled["data"][k] for k in links} == links
    assert "version" not in cancelled["body"]

"""The waitlist's own rules (API.md "Calendar feeds and waitlist"): students only, a window of at
most 14 days in the future, clear 400s, the caller's own entries."""

from __future__ import annotations

from datetime import timedelta

from tests.support.calendar import monday_after


def window(monday, days=2, minutes=60) -> dict:
    return {
        "start": f"{monday}T00:00:00-05:00",
        "end": f"{monday + timedelta(days=days)}T00:00:00-05:00",
        "duration_minutes": minutes,
    }


async def join(client, who, instructor_id, body):
    return await client.post(f"/api/instructors/{instructor_id}/waitlist", json=body, headers=who.headers)


async def test_a_student_joins_lists_and_leaves_a_waitlist(client, accounts):
    instructor, student = await accounts.instructor(live=False), await accounts.student()
    monday = monday_after()
    made = await join(client, student, instructor.id, window(monday))
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry == {
        "id": entry["id"], "instructor_id": instructor.id, "start": f"{monday}T00:00:00-05:00",
        "end": f"{monday + timedelta(days=2)}T00:00:00-05:00", "duration_minutes": 60,
    }  # fmt: skip
    listed = await client.get("/api/me/waitlist", headers=student.headers)
    assert listed.json() == [entry]
    other = await accounts.student()
    assert (await client.delete(f"/api/me/waitlist/{entry['id']}", headers=other.headers)).status_code == 404
    assert (await client.get("/api/me/waitlist", headers=other.headers)).json() == []
    assert (await client.get("/api/me/waitlist", headers=student.headers)).json() == [entry]
    assert (await client.delete(f"/api/me/waitlist/{entry['id']}", headers=student.headers)).status_code == 204
    assert (await client.get("/api/me/waitlist", headers=student.headers)).json() == []
    assert (await client.delete(f"/api/me/waitlist/{entry['id']}", headers=student.headers)).status_code == 404


async def test_only_students_may_wait_and_only_for_an_instructor(client, accounts):
    instructor, student = await accounts.instructor(live=False), await accounts.student()
    body = window(monday_after())
    assert (await client.post(f"/api/instructors/{instructor.id}/waitlist", json=body)).status_code == 401
    assert (await join(client, await accounts.instructor(live=False), instructor.id, body)).status_code == 403
    assert (await join(client, student, student.id, body)).status_code == 404
    assert (await join(client, student, 999999, body)).status_code == 404
    assert (await client.get("/api/me/waitlist")).status_code == 401
    assert (await client.get("/api/me/waitlist", headers=instructor.headers)).status_code == 403
    assert (await client.get("/api/me/waitlist", headers=student.headers)).json() == []


async def test_bad_windows_are_400_naming_the_field(client, accounts):
    instructor, student = await accounts.instructor(live=False), await accounts.student()
    monday = monday_after()
    cases = [
        ({**window(monday), "end": f"{monday}T00:00:00-05:00"}, "end"),
        (window(monday, days=15), "end"),
        ({**window(monday), "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}, "start"),
        ({**window(monday), "start": f"{monday} 09:00"}, "start"),
        ({**window(monday), "end": "tomorrow"}, "end"),
        (window(monday, minutes=20), "duration_minutes"),
        (window(monday, minutes=250), "duration_minutes"),
        ({**window(monday, minutes=120), "end": f"{monday}T01:00:00-05:00"}, "duration_minutes"),
        ({"start": f"{monday}T00:00:00-05:00", "end": f"{monday}T09:00:00-05:00"}, "duration_minutes"),
    ]
    for body, key in cases:
        refused = await join(client, student, instructor.id, body)
        assert refused.status_code == 400, (body, refused.text)
        assert key in [p["key"] for p in refused.json()["extra"]], (body, refused.json())
    assert (await client.get("/api/me/waitlist", headers=student.headers)).json() == []
    exactly_14_days = await join(client, student, instructor.id, window(monday, days=14))
    assert exactly_14_days.status_code == 201, exactly_14_days.text

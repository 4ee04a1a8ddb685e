"""Calendar feeds (API.md "Calendar feeds and waitlist"): a secret URL of the caller's live and
completed lessons as RFC 5545, read here by icalendar and by an independent parser (vobject)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import asyncpg
import icalendar
import vobject

from tests.payments.conftest import book, clock  # noqa: F401
from tests.support.calendar import offer_piano, save_week


def path_of(url: str) -> str:
    return urlsplit(url).path


async def new_feed(client, who) -> str:
    made = await client.post("/api/me/calendar-feed", headers=who.headers)
    assert made.status_code == 201, made.text
    assert set(made.json()) == {"url"}
    return path_of(made.json()["url"])


async def events_of(client, path: str) -> list:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.content)
    independent = vobject.readOne(response.text)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == len(getattr(independent, "vevent_list", []))
    for ours, theirs in zip(events, getattr(independent, "vevent_list", []), strict=True):
        assert str(ours["UID"]) == theirs.uid.value
        assert ours.decoded("DTSTART") == theirs.dtstart.value
        assert str(ours["SUMMARY"]) == theirs.summary.value
    return events


async def test_the_feed_lists_the_callers_lessons_naming_the_service_and_the_other_person(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    cancelled = await book(client, student, instructor, service_id, monday, at="11:00")
    await client.post(f"/api/bookings/{cancelled['id']}/cancel", headers=student.headers)

    [event] = await events_of(client, await new_feed(client, student))
    assert str(event["UID"]) == f"booking-{booking['id']}@instainstru"
    assert str(event["SUMMARY"]) == f"Piano lesson with {instructor.full_name}"
    assert event.decoded("DTSTART") == datetime.fromisoformat(booking["start"]).astimezone(UTC)
    assert event.decoded("DTEND") == datetime.fromisoformat(booking["end"]).astimezone(UTC)
    [theirs] = await events_of(client, await new_feed(client, instructor))
    assert str(theirs["SUMMARY"]) == f"Piano lesson with {student.full_name}"
    assert str(theirs["UID"]) == str(event["UID"])
    stranger = await accounts.student()
    assert await events_of(client, await new_feed(client, stranger)) == []


async def test_a_new_feed_replaces_the_old_url_and_delete_revokes_it(client, accounts):
    user = await accounts.student()
    first = await new_feed(client, user)
    second = await new_feed(client, user)
    assert first != second
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200
    assert (await client.delete("/api/me/calendar-feed", headers=user.headers)).status_code == 204
    gone = await client.get(second)
    assert (gone.status_code, gone.json()["code"]) == (404, "not_found")
    assert (await client.post("/api/me/calendar-feed")).status_code == 401
    assert (await client.delete("/api/me/calendar-feed")).status_code == 401
    for made_up in ("/api/calendar-feeds/x.ics", "/api/calendar-feeds/" + "A" * 43 + ".ics"):
        assert (await client.get(made_up)).status_code == 404


async def test_a_lesson_at_the_first_0130_of_the_dst_change_comes_out_at_the_right_instant(
    client,
    accounts,
    clock,  # noqa: F811
):
    clock(datetime(2026, 10, 19, 12, 0, tzinfo=UTC))
    instructor = await accounts.instructor(timezone="America/New_York")
    service_id = await offer_piano(client, instructor)
    week = date(2026, 10, 26)
    await save_week(client, instructor, instructor, week, {"2026-11-01": [{"start": "00:00", "end": "04:00"}]})
    student = await accounts.student()
    body = {"instructor_id": instructor.id, "service_id": service_id, "start": "2026-11-01T01:30:00-04:00",
            "duration_minutes": 60}  # fmt: skip
    made = await client.post("/api/bookings", json=body, headers=student.headers)
    assert made.status_code == 201, made.text

    [event] = await events_of(client, await new_feed(client, student))
    # 01:30 EDT is 05:30 UTC; the hour ends at 01:30 EST (the second 01:30), 06:30 UTC.
    assert event.decoded("DTSTART") == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    raw = (await client.get(await new_feed(client, student))).text
    assert "DTSTART:20261101T053000Z" in raw


async def current_feed(client, who):
    return await client.get("/api/me/calendar-feed", headers=who.headers)


async def test_get_shows_the_callers_current_url_until_it_is_replaced_or_revoked(client, accounts):
    user, other = await accounts.student(), await accounts.instructor()
    none = await current_feed(client, user)
    assert (none.status_code, none.json()["code"]) == (404, "no_calendar_feed")

    first = await new_feed(client, user)
    shown = await current_feed(client, user)
    assert shown.status_code == 200, shown.text
    assert set(shown.json()) == {"url"}
    assert path_of(shown.json()["url"]) == first
    assert "no-store" in shown.headers["cache-control"]  # a secret: no cache keeps it
    assert (await client.get(path_of(shown.json()["url"]))).status_code == 200

    second = await new_feed(client, user)
    assert path_of((await current_feed(client, user)).json()["url"]) == second != first
    assert (await current_feed(client, other)).status_code == 404  # only ever the caller's own

    assert (await client.delete("/api/me/calendar-feed", headers=user.headers)).status_code == 204
    gone = await current_feed(client, user)
    assert (gone.status_code, gone.json()["code"]) == (404, "no_calendar_feed")


async def test_get_without_a_token_is_401_and_shows_nothing(client, accounts):
    user = await accounts.student()
    await new_feed(client, user)
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        refused = await client.get("/api/me/calendar-feed", headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
        assert "calendar-feeds" not in refused.text
    assert (await client.head("/api/me/calendar-feed")).status_code == 401


async def test_a_url_that_cannot_be_derived_again_is_409_and_keeps_working(client, accounts, settings):
    """Made before seeds were kept (no seed), or under another SECRET_KEY (a seed that no longer
    gives its token): never shown wrong, and a new POST makes one that is shown."""
    user = await accounts.student()
    for seed in (None, "seed-of-another-secret-key"):
        path = await new_feed(client, user)
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute('UPDATE calendar_feeds SET seed = $1 WHERE "user" = $2', seed, user.id)
        finally:
            await conn.close()
        hidden = await current_feed(client, user)
        assert (hidden.status_code, hidden.json()["code"]) == (409, "calendar_feed_not_shown")
        assert "calendar-feeds" not in hidden.text
        assert (await client.get(path)).status_code == 200
    fresh = await new_feed(client, user)
    assert path_of((await current_feed(client, user)).json()["url"]) == fresh


async def test_openapi_documents_get_of_the_feed_as_the_callers_with_a_bearer_token(client):
    operation = (await client.get("/schema/openapi.json")).json()["paths"]["/api/me/calendar-feed"]["get"]
    assert operation["security"] == [{"bearer": []}]
    assert {"200", "401", "404", "409"} <= set(operation["responses"])

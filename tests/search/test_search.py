"""GET /api/search end to end: the contract's example, next open slots for a page, time windows,
sorting and cursor paging."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from app.core.db import PLANNED_ONCE_APPLICATION
from app.core.time import set_clock
from app.places.resolve import place_by_neighborhood
from app.search.filters import Filters
from app.search.query import candidates_query
from tests.search.support import OFFER, POINTS, place_instructor, search, service_ids
from tests.support.calendar import monday_after

NEW_YORK = ZoneInfo("America/New_York")
FOR_KIDS = {
    "hourly_rate_cents": 7000,
    "durations_minutes": [30, 60],
    "age_groups": ["kids"],
    "locations": ["student_home"],
}


@pytest.fixture
def wednesday():
    """The shared clock stopped on a Wednesday morning at least a week ahead (weeks then follow the template)."""
    day = monday_after(7) + timedelta(days=2)
    at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=NEW_YORK)
    set_clock(at)
    yield at
    set_clock(None)


async def weekly_hours(client, instructor, **weekdays: tuple[str, str]) -> None:
    path = f"/api/instructors/{instructor.id}/availability/template"
    current = await client.get(path, headers=instructor.headers)
    assert current.status_code == 200, current.text
    body = {"weekdays": {day: [{"start": s, "end": e}] for day, (s, e) in weekdays.items()}}
    saved = await client.put(path, json=body, headers={**instructor.headers, "If-Match": current.headers["etag"]})
    assert saved.status_code == 200, saved.text


def at(day: datetime, days: int, clock: str) -> str:
    hour, minute = map(int, clock.split(":"))
    local = (day + timedelta(days=days)).replace(hour=hour, minute=minute)
    return local.isoformat(timespec="seconds")


def ids(body) -> list[int]:
    return [r["instructor"]["id"] for r in body["results"]]


def said(q: str, body) -> dict[str, list[str]]:
    """`understood_from` as the words of `q` it points at."""
    return {key: [q[start:end] for start, end in spans] for key, spans in body["understood_from"].items()}


async def test_understood_from_points_at_the_words_of_each_filter_in_effect(client, wednesday):
    q = "Voice ONLINE for kids after 6pm on weekdays, please"
    body = await search(client, q=q)
    assert said(q, body) == {
        "service": ["Voice"], "age_group": ["kids"], "online": ["ONLINE"],
        **{key: ["after 6pm", "on weekdays"] for key in ("start", "end", "times")},
    }  # fmt: skip

    given = await search(client, q="piano for kids online under $50", service="guitar", online="false")
    assert set(given["understood"]) == set(given["understood_from"]) == {"age_group", "max_price_cents"}
    assert await search(client, service="piano") == {**await search(client, service="piano"), "understood_from": {}}


async def test_the_contracts_example_finds_the_one_instructor_that_fits_every_filter(client, accounts, wednesday):
    slope = POINTS["Park Slope"]
    fits = await place_instructor(client, accounts, slope, radius=5, offers={"piano": FOR_KIDS}, name="Clara Keys")
    pricey = await place_instructor(
        client, accounts, slope, radius=5, offers={"piano": {**FOR_KIDS, "hourly_rate_cents": 9000}}
    )
    adults = await place_instructor(
        client, accounts, slope, radius=5, offers={"piano": {**FOR_KIDS, "age_groups": ["adults"]}}
    )
    weekdays = await place_instructor(client, accounts, slope, radius=5, offers={"piano": FOR_KIDS})
    far = await place_instructor(client, accounts, POINTS["Flushing"], radius=2, offers={"piano": FOR_KIDS})
    for teacher in (fits, pricey, adults, far):
        await weekly_hours(client, teacher, sat=("09:00", "12:00"), sun=("09:00", "12:00"))
    await weekly_hours(client, weekdays, mon=("09:00", "12:00"))

    q = "piano lessons for my 8 year old in Park Slope under $80 this weekend"
    body = await search(client, q=q)

    saturday = wednesday + timedelta(days=3)
    assert body["understood"] == {
        "service": "piano", "age_group": "kids", "age": 8, "max_price_cents": 8000,
        "place": {"kind": "neighborhood", "name": "Park Slope", "borough": "Brooklyn", "lat": 40.671, "lng": -73.9814},
        "start": at(saturday, 0, "00:00"), "end": at(saturday, 2, "00:00"),
    }  # fmt: skip
    assert said(q, body) == {
        "service": ["piano"], "age_group": ["8 year old"], "age": ["8 year old"], "place": ["Park Slope"],
        "max_price_cents": ["under $80"], "start": ["this weekend"], "end": ["this weekend"],
    }  # fmt: skip
    assert ids(body) == [fits.id]
    assert body["results"][0] == {
        "instructor": {"id": fits.id, "full_name": "Clara Keys", "headline": "Patient teacher", "picture": None},
        "service": {"id": body["results"][0]["service"]["id"], "slug": "piano", "name": "Piano"},
        "hourly_rate_cents": 7000,
        "distance_miles": 0.0,
        "rating": {"average": None, "count": 0},
        # The service's shortest duration (30 minutes) on the 15-minute grid.
        "next_slots": [at(saturday, 0, "09:00"), at(saturday, 0, "09:15"), at(saturday, 0, "09:30")],
    }
    assert body["next_cursor"] is None


async def test_next_slots_use_the_shortest_duration_of_the_service(client, accounts, wednesday):
    teacher = await place_instructor(
        client, accounts, POINTS["Midtown"], offers={"piano": {**OFFER, "durations_minutes": [45, 60]}}
    )
    await weekly_hours(client, teacher, thu=("09:00", "10:00"), fri=("09:00", "10:00"))
    body = await search(client, service="piano")
    # 45 minutes: two starts fit in each hour (60 minutes would fit one).
    assert body["results"][0]["next_slots"] == [
        at(wednesday, 1, "09:00"),
        at(wednesday, 1, "09:15"),
        at(wednesday, 2, "09:00"),
    ]


async def test_start_and_end_keep_only_instructors_with_an_open_slot_inside(client, accounts, wednesday):
    thursday = await place_instructor(client, accounts, POINTS["Midtown"])
    friday = await place_instructor(client, accounts, POINTS["Harlem"])
    await weekly_hours(client, thursday, thu=("14:00", "16:00"))
    await weekly_hours(client, friday, fri=("14:00", "16:00"))
    body = await search(client, service="piano", start=at(wednesday, 1, "00:00"), end=at(wednesday, 2, "00:00"))
    assert ids(body) == [thursday.id]
    assert body["understood"] == {}
    assert body["results"][0]["next_slots"] == [
        at(wednesday, 1, "14:00"),
        at(wednesday, 1, "14:15"),
        at(wednesday, 1, "14:30"),
    ]
    # A lesson must fit inside: 14:00-15:00 does not fit in a window ending at 14:30.
    narrow = await search(client, service="piano", start=at(wednesday, 1, "13:00"), end=at(wednesday, 1, "14:30"))
    assert ids(narrow) == []


async def test_after_6pm_on_weekdays_keeps_evening_weekday_teachers(client, accounts, wednesday):
    evenings = await place_instructor(client, accounts, POINTS["Midtown"])
    mornings = await place_instructor(client, accounts, POINTS["Harlem"])
    saturday_evenings = await place_instructor(client, accounts, POINTS["Astoria"])
    await weekly_hours(client, evenings, mon=("18:00", "20:00"), thu=("18:00", "20:00"))
    await weekly_hours(client, mornings, mon=("09:00", "12:00"), thu=("09:00", "12:00"))
    await weekly_hours(client, saturday_evenings, sat=("19:00", "21:00"))
    body = await search(client, q="piano after 6pm on weekdays")
    assert body["understood"]["times"] == {
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
        "start_time": "18:00",
        "end_time": "24:00",
    }
    assert ids(body) == [evenings.id]
    assert body["results"][0]["next_slots"][0] == at(wednesday, 1, "18:00")


async def test_after_6pm_on_weekdays_is_read_in_the_searchers_zone_for_an_instructor_in_another(
    client, accounts, wednesday
):
    """Tokyo is 13-14 hours ahead of New York: a New York Monday 05:00 is a Tokyo Monday evening, a New
    York Monday 18:00 a Tokyo Tuesday morning, a New York Sunday 05:00 a Tokyo Sunday evening."""
    tokyo_evenings = await place_instructor(client, accounts, POINTS["Midtown"])
    new_york_evenings = await place_instructor(client, accounts, POINTS["Harlem"])
    tokyo_sundays = await place_instructor(client, accounts, POINTS["Astoria"])
    await weekly_hours(client, tokyo_evenings, mon=("05:00", "07:00"))
    await weekly_hours(client, new_york_evenings, mon=("18:00", "20:00"))
    await weekly_hours(client, tokyo_sundays, sun=("05:00", "07:00"))
    body = await search(client, q="piano after 6pm on weekdays", tz="Asia/Tokyo")
    assert ids(body) == [tokyo_evenings.id]
    monday = [at(wednesday, 5, clock) for clock in ("05:00", "05:15", "05:30")]
    assert body["results"][0]["next_slots"] == monday
    in_new_york = await search(client, q="piano after 6pm on weekdays")
    assert ids(in_new_york) == [new_york_evenings.id]


async def test_paging_by_cursor_never_repeats_or_skips_instructors_that_tie(client, accounts):
    teachers = [await place_instructor(client, accounts, POINTS["Midtown"]) for _ in range(5)]
    for sort in ("price", "relevance"):
        seen, cursor = [], None
        for _ in range(3):
            page = await search(client, service="piano", sort=sort, limit=2, **({"cursor": cursor} if cursor else {}))
            seen += ids(page)
            cursor = page["next_cursor"]
        assert seen == [t.id for t in teachers], sort
        assert cursor is None


async def test_a_time_window_pages_through_instructors_without_a_slot_in_it(client, accounts, wednesday):
    """The first round of candidates is small (twice a page); the ones after it find the rest."""
    prices = [{"piano": {**OFFER, "hourly_rate_cents": 5000 + n}} for n in range(7)]
    teachers = [await place_instructor(client, accounts, POINTS["Midtown"], offers=offers) for offers in prices]
    for teacher in teachers[:5]:
        await weekly_hours(client, teacher, fri=("14:00", "16:00"))
    for teacher in teachers[5:]:
        await weekly_hours(client, teacher, thu=("14:00", "16:00"))
    window = {"start": at(wednesday, 1, "00:00"), "end": at(wednesday, 2, "00:00")}
    seen, cursor, pages = [], None, 0
    while pages == 0 or cursor:
        page = await search(
            client, service="piano", sort="price", limit=1, **window, **({"cursor": cursor} if cursor else {})
        )
        seen, cursor, pages = seen + ids(page), page["next_cursor"], pages + 1
    assert seen == [teachers[5].id, teachers[6].id]
    assert pages == 2


async def test_sort_by_rating_and_by_price(client, accounts, settings):
    best = await place_instructor(
        client, accounts, POINTS["Midtown"], offers={"piano": {**OFFER, "hourly_rate_cents": 9000}}
    )
    good = await place_instructor(
        client, accounts, POINTS["Harlem"], offers={"piano": {**OFFER, "hourly_rate_cents": 5000}}
    )
    unrated = await place_instructor(
        client, accounts, POINTS["Astoria"], offers={"piano": {**OFFER, "hourly_rate_cents": 7000}}
    )
    conn = await asyncpg.connect(settings.database_url)
    try:  # the rows the reviews trigger keeps: best 5.0 over 2 reviews, good 4.0 over 1
        await conn.executemany(
            "INSERT INTO review_summaries (instructor, review_count, rating_sum) VALUES ($1, $2, $3)",
            [(best.id, 2, 10), (good.id, 1, 4)],
        )
    finally:
        await conn.close()
    by_rating = await search(client, service="piano", sort="rating")
    assert ids(by_rating) == [best.id, good.id, unrated.id]
    assert [r["rating"] for r in by_rating["results"]] == [
        {"average": 5.0, "count": 2}, {"average": 4.0, "count": 1}, {"average": None, "count": 0}
    ]  # fmt: skip
    assert ids(await search(client, service="piano", sort="price")) == [good.id, unrated.id, best.id]
    # Relevance shrinks ratings towards 4.0: 2 fives outrank 1 four; no reviews ties with 1 four (then by id).
    assert ids(await search(client, service="piano")) == [best.id, good.id, unrated.id]


async def test_a_signed_in_searchers_relative_times_are_in_their_own_zone(client, accounts, wednesday):
    tokyo = await accounts.student(card=None, timezone="Asia/Tokyo")
    body = await search(client, q="piano today", headers=tokyo.headers)
    today_in_tokyo = wednesday.astimezone(ZoneInfo("Asia/Tokyo")).date()
    assert body["understood"]["start"] == f"{today_in_tokyo.isoformat()}T00:00:00+09:00"
    explicit = await search(client, q="piano today", tz="America/New_York", headers=tokyo.headers)
    assert explicit["understood"]["start"] == at(wednesday, 0, "00:00")
    anonymous = await search(client, q="piano today")
    assert anonymous["understood"]["start"] == at(wednesday, 0, "00:00")


async def test_searches_read_on_the_search_pools_connections(client, accounts, settings):
    await place_instructor(client, accounts, POINTS["Midtown"], offers={"piano": OFFER})
    assert len(ids(await search(client, service="piano"))) == 1
    conn = await asyncpg.connect(settings.database_url)
    try:  # each search pool connection's last statement
        last = await conn.fetch(
            "SELECT query FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
            PLANNED_ONCE_APPLICATION,
        )
    finally:
        await conn.close()
    # the page with what its next slots are computed from (pg_stat_activity keeps the first 1 kB)
    assert any(row["query"].startswith("WITH page AS ( SELECT top.*, u.full_name") for row in last), last


async def test_a_services_live_offers_are_read_from_their_index_alone(client, accounts, settings):
    """Migration 0019: the live offers' index holds every column of an offer the search reads, so
    PostgreSQL can answer the offers part from the index (once the table is vacuumed: all-visible)."""
    await place_instructor(client, accounts, POINTS["Astoria"], offers={"piano": OFFER})
    filters = Filters(
        service_id=(await service_ids(client))["piano"], age_group="adults", max_price_cents=8000,
        place=place_by_neighborhood("Astoria"), online=True, words=("patient",),
    )  # fmt: skip
    text, args = candidates_query(filters, None, 21)
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("VACUUM instructor_services")
        await conn.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
        plan = "\n".join(row[0] for row in await conn.fetch(f"EXPLAIN {text}", *args))
    finally:
        await conn.close()
    assert "Index Only Scan using instructor_services_live on instructor_services" in plan, plan

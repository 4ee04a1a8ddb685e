"""The natural-language reader, table-driven: each query with exactly the filters it must yield (every
filter not named must be absent), and queries that must yield none rather than a wrong one."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.catalog.seed import CATALOG, SERVICE_NAMES
from app.search.parse import understand

NEW_YORK = ZoneInfo("America/New_York")
SEEDED = tuple(
    (slug, SERVICE_NAMES.get(slug, slug.replace("-", " ").title())) for *_, slugs in CATALOG for slug in slugs
)
# A Friday afternoon two days before New York leaves daylight time (2026-11-01 02:00 EDT → 01:00 EST).
FRIDAY = "2026-10-30T15:00"
SATURDAY = "2026-10-31T10:00"
SUNDAY_OF_THE_CHANGE = "2026-11-01T10:00"
BEFORE_SPRING_FORWARD = "2027-03-13T09:00"  # 2027-03-14 02:00 EST → 03:00 EDT


def window(start: str, end: str, weekdays: set[int] | None = None, hours: tuple[int, int] | None = None) -> dict:
    return {"start": start, "end": end, "weekdays": weekdays, "hours": hours}


FORTNIGHT_FROM_FRIDAY = ("2026-10-30T00:00:00-04:00", "2026-11-13T00:00:00-05:00")
WEEKDAYS = {0, 1, 2, 3, 4}

# (query, asked at (New York wall time), filters)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # The contract's own example, across the DST change.
    (
        "piano lessons for my 8 year old in Park Slope under $80 this weekend",
        FRIDAY,
        {
            "service": "piano",
            "age": 8,
            "age_group": "kids",
            "place": "Park Slope",
            "max_price_cents": 8000,
            "window": window("2026-10-31T00:00:00-04:00", "2026-11-02T00:00:00-05:00"),
        },
    ),
    # Services: names, synonyms, typos.
    ("pianno lessons", FRIDAY, {"service": "piano"}),
    ("paino teacher", FRIDAY, {"service": "piano"}),
    ("gitar", FRIDAY, {"service": "guitar"}),
    ("voice lessons", FRIDAY, {"service": "voice"}),
    ("vocal coach", FRIDAY, {"service": "voice"}),
    ("Singing", FRIDAY, {"service": "voice"}),
    ("swiming for my son who is 7", FRIDAY, {"service": "swimming", "age": 7, "age_group": "kids"}),
    ("chemestry help for my 17-year-old", FRIDAY, {"service": "chemistry", "age": 17, "age_group": "teens"}),
    ("SAT prep for my 16 year old", FRIDAY, {"service": "sat-prep", "age": 16, "age_group": "teens"}),
    ("maths tutor", FRIDAY, {"service": "math"}),
    ("sketching class", FRIDAY, {"service": "drawing"}),
    ("coding for kids", FRIDAY, {"service": "coding-for-kids", "age_group": "kids"}),
    ("English as a second language", FRIDAY, {"service": "english-esl"}),
    # Ages and groups.
    ("spanish for my daughter, 15", FRIDAY, {"service": "spanish", "age": 15, "age_group": "teens"}),
    ("adult beginner guitar", FRIDAY, {"service": "guitar", "age_group": "adults"}),
    ("kids chess", FRIDAY, {"service": "chess", "age_group": "kids"}),
    ("swim for my 3yo", FRIDAY, {"service": "swimming", "age": 3, "age_group": "kids"}),
    ("violin for an eight year old", FRIDAY, {"service": "violin", "age": 8, "age_group": "kids"}),
    ("drums for my 45 year old husband", FRIDAY, {"service": "drums", "age": 45, "age_group": "adults"}),
    ("photography in my 40s", FRIDAY, {"service": "photography", "age_group": "adults"}),
    ("art for kids ages 6-8", FRIDAY, {"age_group": "kids"}),
    ("high schooler math", FRIDAY, {"service": "math", "age_group": "teens"}),
    # Places: neighbourhoods (aliases, abbreviations), boroughs, zips.
    ("vocal coach near Astoria", FRIDAY, {"service": "voice", "place": "Astoria"}),
    ("UWS piano", FRIDAY, {"service": "piano", "place": "Upper West Side"}),
    ("bed-stuy drums", FRIDAY, {"service": "drums", "place": "Bedford-Stuyvesant"}),
    ("hells kitchen yoga", FRIDAY, {"service": "yoga", "place": "Hell's Kitchen"}),
    ("singing lessons in Williamsburg, Brooklyn", FRIDAY, {"service": "voice", "place": "Williamsburg"}),
    ("kids swimming in queens", FRIDAY, {"service": "swimming", "age_group": "kids", "place": "Queens"}),
    ("math tutor in the Bronx", FRIDAY, {"service": "math", "place": "Bronx"}),
    ("chess 11215", FRIDAY, {"service": "chess", "place": "11215"}),
    ("guitar in Travis", FRIDAY, {"service": "guitar", "place": "Travis"}),
    # Prices written several ways.
    ("math tutor less than 80 dollars", FRIDAY, {"service": "math", "max_price_cents": 8000}),
    ("guitar $80/hr max", FRIDAY, {"service": "guitar", "max_price_cents": 8000}),
    ("no more than 80 bucks yoga", FRIDAY, {"service": "yoga", "max_price_cents": 8000}),
    ("cheaper than $75.50 violin", FRIDAY, {"service": "violin", "max_price_cents": 7550}),
    ("violin 60 an hour or less", FRIDAY, {"service": "violin", "max_price_cents": 6000}),
    ("french with a budget of $55", FRIDAY, {"service": "french", "max_price_cents": 5500}),
    ("spanish below 45 per hour", FRIDAY, {"service": "spanish", "max_price_cents": 4500}),
    ("guitar under 80", FRIDAY, {"service": "guitar", "max_price_cents": 8000}),
    # Times, in the searcher's zone.
    (
        "tomorrow evening drums",
        FRIDAY,
        {"service": "drums", "window": window("2026-10-31T17:00:00-04:00", "2026-10-31T22:00:00-04:00")},
    ),
    ("after 6pm on weekdays", FRIDAY, {"window": window(*FORTNIGHT_FROM_FRIDAY, WEEKDAYS, (1080, 1440))}),
    (
        "next Tuesday morning french",
        FRIDAY,
        {"service": "french", "window": window("2026-11-03T06:00:00-05:00", "2026-11-03T12:00:00-05:00")},
    ),
    (
        "today pilates",
        FRIDAY,
        {"service": "pilates", "window": window("2026-10-30T00:00:00-04:00", "2026-10-31T00:00:00-04:00")},
    ),
    (
        "piano tonight",
        FRIDAY,
        {"service": "piano", "window": window("2026-10-30T17:00:00-04:00", "2026-10-31T00:00:00-04:00")},
    ),
    (
        "drum lessons between 3 and 5pm on saturday",
        FRIDAY,
        {"service": "drums", "window": window("2026-10-31T15:00:00-04:00", "2026-10-31T17:00:00-04:00")},
    ),
    ("piano mondays and wednesdays", FRIDAY, {"service": "piano", "window": window(*FORTNIGHT_FROM_FRIDAY, {0, 2})}),
    (
        "yoga for seniors in the morning",
        FRIDAY,
        {"service": "yoga", "age_group": "adults", "window": window(*FORTNIGHT_FROM_FRIDAY, None, (360, 720))},
    ),
    (
        "after school piano",
        FRIDAY,
        {"service": "piano", "window": window(*FORTNIGHT_FROM_FRIDAY, WEEKDAYS, (900, 1440))},
    ),
    (
        "piano on the 5th of december",
        FRIDAY,
        {"service": "piano", "window": window("2026-12-05T00:00:00-05:00", "2026-12-06T00:00:00-05:00")},
    ),
    # Relative days across the DST change: a Saturday's weekend is today and tomorrow; Sunday lasts 25 hours.
    ("this weekend", SATURDAY, {"window": window("2026-10-31T00:00:00-04:00", "2026-11-02T00:00:00-05:00")}),
    ("tomorrow", SATURDAY, {"window": window("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00")}),
    (
        "this weekend",
        SUNDAY_OF_THE_CHANGE,
        {"window": window("2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00")},
    ),
    (
        "next tuesday",
        SUNDAY_OF_THE_CHANGE,
        {"window": window("2026-11-03T00:00:00-05:00", "2026-11-04T00:00:00-05:00")},
    ),
    ("tomorrow", BEFORE_SPRING_FORWARD, {"window": window("2027-03-14T00:00:00-05:00", "2027-03-15T00:00:00-04:00")}),
    # Online.
    ("online mandarin", FRIDAY, {"service": "mandarin", "online": True}),
    ("piano over zoom", FRIDAY, {"service": "piano", "online": True}),
    ("virtual yoga for adults", FRIDAY, {"service": "yoga", "online": True, "age_group": "adults"}),
]

# Queries whose words must not become filters (a filter named here must be absent).
NOTHING_WRONG: list[tuple[str, dict[str, Any]]] = [
    ("80s music", {}),
    ("piano bar reviews", {}),
    ("Park Avenue piano", {"service": "piano"}),
    ("piano $80", {"service": "piano"}),
    ("piano lessons under 30 minutes", {"service": "piano"}),
    ("kids under 12 chess", {"service": "chess", "age_group": "kids"}),
    ("piano and guitar", {}),
    ("park slope or williamsburg piano", {"service": "piano"}),
    ("charleston dance", {}),
    ("lessons with Travis", {}),
    ("fordham university piano", {"service": "piano"}),
    ("next weekend piano", {"service": "piano"}),
    ("ages 10-14 chess", {"service": "chess"}),
    ("kids and adults yoga", {"service": "yoga"}),
    ("my son", {}),
    ("not online piano", {"service": "piano"}),
    ("signing lessons", {}),
    ("yoga mat", {}),
    ("piano lessons 99999", {"service": "piano"}),
    ("piano in les", {"service": "piano"}),
    ("piano from 9 to 5", {"service": "piano"}),
    ("guitar after 6", {"service": "guitar"}),
    ("yoga max 5000 dollars", {"service": "yoga"}),
    ("", {}),
]


def read(query: str, asked_at: str) -> dict[str, Any]:
    now = datetime.fromisoformat(asked_at).replace(tzinfo=NEW_YORK)
    understood = understand(query, now=now, tz=NEW_YORK, catalog=SEEDED)
    found: dict[str, Any] = {
        "service": understood.service,
        "age": understood.age,
        "age_group": understood.age_group,
        "max_price_cents": understood.max_price_cents,
        "online": understood.online,
    }
    place = understood.place
    if place is not None:
        found["place"] = place.zip or place.neighborhood or place.borough
    w = understood.window
    if w is not None:
        for instant in (w.start, w.end):
            assert instant.tzinfo is not None and instant.utcoffset() == instant.astimezone(NEW_YORK).utcoffset()
        hours = (w.day_from, w.day_until) if w.day_from is not None else None
        found["window"] = window(w.start.isoformat(), w.end.isoformat(), w.weekdays and set(w.weekdays), hours)
    return {key: value for key, value in found.items() if value is not None}


@pytest.mark.parametrize(("query", "asked_at", "expected"), CASES, ids=[case[0] or "empty" for case in CASES])
def test_query_yields_exactly_its_filters(query, asked_at, expected):
    assert read(query, asked_at) == expected


@pytest.mark.parametrize(("query", "expected"), NOTHING_WRONG, ids=[case[0] or "empty" for case in NOTHING_WRONG])
def test_unclear_words_yield_no_filter_rather_than_a_wrong_one(query, expected):
    assert read(query, FRIDAY) == expected


def test_this_weekend_across_the_dst_change_lasts_49_hours():
    spans = read("this weekend", FRIDAY)["window"]
    start, end = datetime.fromisoformat(spans["start"]), datetime.fromisoformat(spans["end"])
    assert (end - start).total_seconds() == 49 * 3600


def test_relative_days_follow_the_searchers_zone():
    london = ZoneInfo("Europe/London")  # left summer time on 2026-10-25
    now = datetime(2026, 10, 24, 23, 30, tzinfo=london)  # already the 25th's eve in London, still the 24th in New York
    understood = understand("tomorrow", now=now, tz=london, catalog=SEEDED)
    assert understood.window is not None
    assert understood.window.start.isoformat() == "2026-10-25T00:00:00+01:00"
    assert understood.window.end.isoformat() == "2026-10-26T00:00:00+00:00"
    in_new_york = understand("tomorrow", now=now, tz=NEW_YORK, catalog=SEEDED)
    assert in_new_york.window is not None and in_new_york.window.start.date().isoformat() == "2026-10-25"


def test_words_no_filter_took_are_left_over():
    now = datetime.fromisoformat(FRIDAY).replace(tzinfo=NEW_YORK)
    understood = understand("adult beginner guitar near Astoria for jazz", now=now, tz=NEW_YORK, catalog=SEEDED)
    assert understood.text_left == "beginner jazz"
    assert understand("piano bar reviews", now=now, tz=NEW_YORK, catalog=SEEDED).text_left == "piano bar reviews"


def test_a_service_the_catalog_lacks_is_never_named():
    now = datetime.fromisoformat(FRIDAY).replace(tzinfo=NEW_YORK)
    only_piano = (("piano", "Piano"),)
    assert understand("voice lessons", now=now, tz=NEW_YORK, catalog=only_piano).service is None
    assert understand("singing", now=now, tz=NEW_YORK, catalog=(("singing", "Singing"),)).service == "singing"


def test_the_same_words_asked_on_another_day_read_that_days_dates():
    friday = understand(
        "tomorrow", now=datetime.fromisoformat(FRIDAY).replace(tzinfo=NEW_YORK), tz=NEW_YORK, catalog=SEEDED
    )
    saturday = understand(
        "tomorrow", now=datetime.fromisoformat(SATURDAY).replace(tzinfo=NEW_YORK), tz=NEW_YORK, catalog=SEEDED
    )
    assert friday.window is not None and friday.window.start.date().isoformat() == "2026-10-31"
    assert saturday.window is not None and saturday.window.start.date().isoformat() == "2026-11-01"

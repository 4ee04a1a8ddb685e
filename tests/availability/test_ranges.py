from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.availability.ranges import (
    RangeProblem,
    covers,
    days_to_json,
    parse_week_days,
    week_digest,
    week_intervals_utc,
)
from app.core.parsing import parse_instant
from app.core.time import (
    boundary_to_utc,
    is_valid_timezone,
    local_to_utc,
    monday_of,
    steady_offset,
    to_iso,
    today_in,
    week_dates,
)

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEK = date(2026, 11, 23)
SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def problems_of(days: object) -> list[dict]:
    with pytest.raises(RangeProblem) as caught:
        parse_week_days(WEEK, days)
    return caught.value.problems


def empty_week() -> dict[date, list]:
    return {d: [] for d in week_dates(WEEK)}


# --- time helpers -------------------------------------------------------------------------


def test_iana_zones_are_valid_and_anything_else_is_not():
    assert is_valid_timezone("America/New_York")
    assert is_valid_timezone("UTC")
    assert is_valid_timezone("Asia/Tokyo")
    for name in ["", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "localtime", " UTC", "EST+5"]:
        assert not is_valid_timezone(name), name


def test_ordinary_wall_clock_time_converts_with_the_local_offset():
    assert local_to_utc(WEEK, 9 * 60, NEW_YORK) == utc(2026, 11, 23, 14, 0)
    assert local_to_utc(date(2026, 7, 1), 9 * 60, NEW_YORK) == utc(2026, 7, 1, 13, 0)
    assert local_to_utc(WEEK, 9 * 60, NEW_YORK).tzinfo is UTC


def test_minute_1440_is_midnight_of_the_next_day():
    assert local_to_utc(WEEK, 1440, NEW_YORK) == utc(2026, 11, 24, 5, 0)
    assert boundary_to_utc(WEEK, 1440, NEW_YORK) == utc(2026, 11, 24, 5, 0)


def test_spring_forward_gap_times_do_not_exist():
    assert local_to_utc(SPRING_FORWARD, 2 * 60, NEW_YORK) is None
    assert local_to_utc(SPRING_FORWARD, 2 * 60 + 30, NEW_YORK) is None
    assert local_to_utc(SPRING_FORWARD, 2 * 60 + 59, NEW_YORK) is None
    assert local_to_utc(SPRING_FORWARD, 1 * 60 + 59, NEW_YORK) == utc(2026, 3, 8, 6, 59)
    assert local_to_utc(SPRING_FORWARD, 3 * 60, NEW_YORK) == utc(2026, 3, 8, 7, 0)


def test_fall_back_repeated_time_means_its_first_occurrence():
    assert local_to_utc(FALL_BACK, 1 * 60 + 30, NEW_YORK) == utc(2026, 11, 1, 5, 30)
    assert to_iso(local_to_utc(FALL_BACK, 1 * 60 + 30, NEW_YORK), NEW_YORK) == "2026-11-01T01:30:00-04:00"
    assert local_to_utc(FALL_BACK, 2 * 60, NEW_YORK) == utc(2026, 11, 1, 7, 0)


def test_range_boundary_in_the_gap_maps_to_the_transition_instant():
    transition = utc(2026, 3, 8, 7, 0)
    assert boundary_to_utc(SPRING_FORWARD, 2 * 60, NEW_YORK) == transition
    assert boundary_to_utc(SPRING_FORWARD, 2 * 60 + 30, NEW_YORK) == transition
    assert boundary_to_utc(SPRING_FORWARD, 3 * 60, NEW_YORK) == transition
    assert boundary_to_utc(FALL_BACK, 1 * 60 + 30, NEW_YORK) == utc(2026, 11, 1, 5, 30)


def test_half_hour_gap_of_lord_howe_maps_to_its_transition_instant():
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    assert local_to_utc(date(2026, 10, 4), 2 * 60 + 15, lord_howe) is None
    assert boundary_to_utc(date(2026, 10, 4), 2 * 60 + 15, lord_howe) == utc(2026, 10, 3, 15, 30)
    assert local_to_utc(date(2026, 10, 4), 2 * 60 + 30, lord_howe) == utc(2026, 10, 3, 15, 30)


def test_steady_offset_is_none_only_on_transition_days():
    assert steady_offset(SPRING_FORWARD, NEW_YORK) is None
    assert steady_offset(FALL_BACK, NEW_YORK) is None
    assert steady_offset(WEEK, NEW_YORK) == local_to_utc(WEEK, 0, NEW_YORK).astimezone(NEW_YORK).utcoffset()
    assert steady_offset(date(2026, 3, 9), NEW_YORK) is not None


def test_monday_of_and_week_dates():
    assert monday_of(date(2026, 11, 26)) == WEEK
    assert monday_of(WEEK) == WEEK
    assert monday_of(date(2026, 11, 29)) == WEEK
    assert week_dates(WEEK) == [date(2026, 11, d) for d in range(23, 30)]


def test_today_is_the_date_in_the_users_timezone():
    now = utc(2026, 11, 24, 3, 0)
    assert today_in(NEW_YORK, now) == date(2026, 11, 23)
    assert today_in(TOKYO, now) == date(2026, 11, 24)
    with pytest.raises(ValueError):
        today_in(NEW_YORK, datetime(2026, 11, 24, 3, 0))


def test_iso_strings_carry_the_zones_offset_at_seconds_precision():
    assert to_iso(utc(2026, 11, 23, 14, 0), NEW_YORK) == "2026-11-23T09:00:00-05:00"
    assert to_iso(utc(2026, 7, 1, 13, 0), NEW_YORK) == "2026-07-01T09:00:00-04:00"
    assert to_iso(datetime(2026, 11, 23, 14, 0, 7, 123456, tzinfo=UTC), TOKYO) == "2026-11-23T23:00:07+09:00"


def test_parse_instant_accepts_offsets_and_z_and_rejects_naive_times():
    assert parse_instant("2026-11-23T09:00:00-05:00") == utc(2026, 11, 23, 14, 0)
    assert parse_instant("2026-11-23T14:00:00Z") == utc(2026, 11, 23, 14, 0)
    assert parse_instant("2026-11-23T14:00:00Z").tzinfo is UTC
    for bad in ["2026-11-23T09:00:00", "2026-11-23", "tomorrow", ""]:
        with pytest.raises(ValueError):
            parse_instant(bad)
    with pytest.raises(ValueError):
        parse_instant(1763906400)


# --- parsing a week ------------------------------------------------------------------------


def test_valid_week_is_sorted_with_all_seven_dates():
    week = parse_week_days(
        WEEK,
        {"2026-11-25": [{"start": "13:00", "end": "17:00"}, {"start": "09:00", "end": "12:00"}]},
    )
    assert list(week) == week_dates(WEEK)
    assert week == {**empty_week(), date(2026, 11, 25): [(540, 720), (780, 1020)]}


def test_touching_ranges_are_merged():
    week = parse_week_days(
        WEEK,
        {
            "2026-11-23": [
                {"start": "10:00", "end": "12:00"},
                {"start": "09:00", "end": "10:00"},
                {"start": "14:00", "end": "15:00"},
                {"start": "12:00", "end": "12:30"},
            ]
        },
    )
    assert week[WEEK] == [(540, 750), (840, 900)]


def test_24_00_is_allowed_as_an_end_and_rendered_back():
    week = parse_week_days(WEEK, {"2026-11-29": [{"start": "22:00", "end": "24:00"}]})
    assert week[date(2026, 11, 29)] == [(1320, 1440)]
    assert days_to_json(week)["2026-11-29"] == [{"start": "22:00", "end": "24:00"}]


def test_days_that_are_not_an_object_are_one_problem():
    assert problems_of([{"start": "09:00", "end": "10:00"}]) == [
        {"key": "days", "message": "must be an object mapping dates (YYYY-MM-DD) to lists of ranges"}
    ]
    assert problems_of(None)[0]["key"] == "days"


def test_bad_dates_are_named_by_their_key():
    assert problems_of({"2026-11-30": [], "2026-11-22": [], "23-11-2026": [], "2026-02-30": []}) == [
        {"key": "days.2026-11-30", "message": "is outside the week 2026-11-23 to 2026-11-29"},
        {"key": "days.2026-11-22", "message": "is outside the week 2026-11-23 to 2026-11-29"},
        {"key": "days.23-11-2026", "message": "must be a date written YYYY-MM-DD"},
        {"key": "days.2026-02-30", "message": "must be a date written YYYY-MM-DD"},
    ]


def test_compact_iso_dates_are_not_accepted():
    assert problems_of({"20261123": []}) == [{"key": "days.20261123", "message": "must be a date written YYYY-MM-DD"}]


def test_wrong_types_are_problems_not_exceptions():
    assert problems_of(
        {
            "2026-11-23": "09:00-12:00",
            "2026-11-24": ["09:00", None],
            "2026-11-25": [{"start": 900, "end": None}],
        }
    ) == [
        {"key": "days.2026-11-23", "message": "must be a list of ranges"},
        {"key": "days.2026-11-24[0]", "message": 'must be an object {"start": "HH:MM", "end": "HH:MM"}'},
        {"key": "days.2026-11-24[1]", "message": 'must be an object {"start": "HH:MM", "end": "HH:MM"}'},
        {"key": "days.2026-11-25[0].start", "message": "must be a time written HH:MM"},
        {"key": "days.2026-11-25[0].end", "message": "must be a time written HH:MM"},
    ]


def test_malformed_times_are_named_by_field():
    assert problems_of(
        {
            "2026-11-23": [
                {"start": "9:00", "end": "12:00"},
                {"start": "09:00:00", "end": "12:60"},
                {"start": "25:00", "end": "24:01"},
            ]
        }
    ) == [
        {"key": "days.2026-11-23[0].start", "message": "must be a time written HH:MM"},
        {"key": "days.2026-11-23[1].start", "message": "must be a time written HH:MM"},
        {"key": "days.2026-11-23[1].end", "message": "must be a time written HH:MM"},
        {"key": "days.2026-11-23[2].start", "message": "must be a time written HH:MM"},
        {"key": "days.2026-11-23[2].end", "message": "must be between 00:01 and 24:00"},
    ]


def test_start_at_24_00_and_end_at_00_00_are_out_of_bounds():
    assert problems_of({"2026-11-23": [{"start": "24:00", "end": "00:00"}]}) == [
        {"key": "days.2026-11-23[0].start", "message": "must be between 00:00 and 23:59"},
        {"key": "days.2026-11-23[0].end", "message": "must be between 00:01 and 24:00"},
    ]


def test_end_must_be_after_start():
    assert problems_of({"2026-11-23": [{"start": "12:00", "end": "09:00"}, {"start": "10:00", "end": "10:00"}]}) == [
        {"key": "days.2026-11-23[0].end", "message": "must be after the start 12:00"},
        {"key": "days.2026-11-23[1].end", "message": "must be after the start 10:00"},
    ]


def test_missing_and_extra_fields_of_a_range():
    assert problems_of({"2026-11-23": [{"start": "09:00", "end": "10:00", "note": "x"}, {"start": "11:00"}]}) == [
        {"key": "days.2026-11-23[0].note", "message": "is not a field of a range (only start and end)"},
        {"key": "days.2026-11-23[1].end", "message": "is required"},
    ]


def test_overlapping_ranges_name_both_ranges():
    assert problems_of(
        {
            "2026-11-23": [
                {"start": "09:00", "end": "12:00"},
                {"start": "13:00", "end": "14:00"},
                {"start": "11:00", "end": "13:30"},
            ],
            "2026-11-24": [{"start": "09:00", "end": "10:00"}, {"start": "09:00", "end": "10:00"}],
        }
    ) == [
        {"key": "days.2026-11-23[2]", "message": "11:00-13:30 overlaps days.2026-11-23[0] (09:00-12:00)"},
        {"key": "days.2026-11-23[1]", "message": "13:00-14:00 overlaps days.2026-11-23[2] (11:00-13:30)"},
        {"key": "days.2026-11-24[1]", "message": "09:00-10:00 overlaps days.2026-11-24[0] (09:00-10:00)"},
    ]


def test_all_problems_are_collected_before_raising():
    problems = problems_of(
        {
            "2026-11-23": [{"start": "12:00", "end": "09:00"}],
            "2026-11-30": [{"start": "09:00", "end": "10:00"}],
            "2026-11-24": [{"start": "09:00", "end": "10:00", "until": "x"}],
            "2026-11-25": [{"start": "09:00", "end": "11:00"}, {"start": "10:00", "end": "12:00"}],
            "2026-11-26": {"start": "09:00", "end": "10:00"},
        }
    )
    assert [p["key"] for p in problems] == [
        "days.2026-11-23[0].end",
        "days.2026-11-30",
        "days.2026-11-24[0].until",
        "days.2026-11-25[1]",
        "days.2026-11-26",
    ]


def test_ranges_of_a_date_outside_the_week_are_still_checked():
    assert [p["key"] for p in problems_of({"2026-12-01": [{"start": "x", "end": "10:00"}]})] == [
        "days.2026-12-01",
        "days.2026-12-01[0].start",
    ]


# --- rendering and digest ----------------------------------------------------------------


def test_days_to_json_renders_all_seven_dates_of_the_week():
    rendered = days_to_json({WEEK: [(540, 720)]}, week_start=WEEK)
    assert rendered == {
        "2026-11-23": [{"start": "09:00", "end": "12:00"}],
        "2026-11-24": [],
        "2026-11-25": [],
        "2026-11-26": [],
        "2026-11-27": [],
        "2026-11-28": [],
        "2026-11-29": [],
    }
    assert days_to_json(parse_week_days(WEEK, {})) == {d.isoformat(): [] for d in week_dates(WEEK)}


BOOKED = [
    {"booking_id": 7, "date": "2026-11-23", "start": "09:00", "end": "10:00", "status": "confirmed"},
    {"booking_id": 9, "date": "2026-11-25", "start": "13:00", "end": "14:00", "status": "held"},
]


def test_week_digest_is_stable_for_the_same_content():
    week = {**empty_week(), WEEK: [(540, 720)]}
    digest = week_digest(week, BOOKED)
    assert len(digest) == 16
    assert int(digest, 16) >= 0
    assert week_digest({WEEK: [(540, 720)]}, list(reversed(BOOKED))) == digest
    assert week_digest(dict(reversed(week.items())), [dict(reversed(b.items())) for b in BOOKED]) == digest


def test_week_digest_changes_when_a_range_or_the_booked_list_changes():
    week = {WEEK: [(540, 720)]}
    digest = week_digest(week, BOOKED)
    assert week_digest({WEEK: [(540, 721)]}, BOOKED) != digest
    assert week_digest({WEEK: [(540, 720)], date(2026, 11, 24): [(60, 120)]}, BOOKED) != digest
    assert week_digest({date(2026, 11, 24): [(540, 720)]}, BOOKED) != digest
    assert week_digest(week, BOOKED[:1]) != digest
    assert week_digest(week, [BOOKED[0], {**BOOKED[1], "status": "confirmed"}]) != digest
    assert week_digest(week, []) != digest


# --- UTC intervals and coverage ----------------------------------------------------------


def test_week_intervals_of_an_ordinary_week():
    assert week_intervals_utc({WEEK: [(540, 720), (780, 840)], date(2026, 11, 24): []}, NEW_YORK) == [
        (utc(2026, 11, 23, 14, 0), utc(2026, 11, 23, 17, 0)),
        (utc(2026, 11, 23, 18, 0), utc(2026, 11, 23, 19, 0)),
    ]


def test_week_intervals_never_grow_into_the_spring_forward_gap():
    assert week_intervals_utc({SPRING_FORWARD: [(60, 150)]}, NEW_YORK) == [
        (utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 7, 0))
    ]
    assert week_intervals_utc({SPRING_FORWARD: [(150, 240)]}, NEW_YORK) == [
        (utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0))
    ]
    assert week_intervals_utc({SPRING_FORWARD: [(60, 240)]}, NEW_YORK) == [
        (utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 8, 0))
    ]


def test_range_entirely_inside_the_gap_disappears():
    assert week_intervals_utc({SPRING_FORWARD: [(120, 180), (130, 170)]}, NEW_YORK) == []


def test_fall_back_range_lasts_its_elapsed_time():
    assert week_intervals_utc({FALL_BACK: [(0, 180)]}, NEW_YORK) == [(utc(2026, 11, 1, 4, 0), utc(2026, 11, 1, 8, 0))]


def test_ranges_touching_across_midnight_stay_separate_but_cover_continuously():
    intervals = week_intervals_utc({WEEK: [(1320, 1440)], date(2026, 11, 24): [(0, 120)]}, NEW_YORK)
    assert intervals == [
        (utc(2026, 11, 24, 3, 0), utc(2026, 11, 24, 5, 0)),
        (utc(2026, 11, 24, 5, 0), utc(2026, 11, 24, 7, 0)),
    ]
    assert covers(intervals, utc(2026, 11, 24, 4, 0), utc(2026, 11, 24, 6, 0))
    assert covers(intervals, utc(2026, 11, 24, 3, 0), utc(2026, 11, 24, 7, 0))


def test_covers_refuses_anything_reaching_outside_the_union():
    intervals = [
        (utc(2026, 11, 23, 18, 0), utc(2026, 11, 23, 19, 0)),
        (utc(2026, 11, 23, 14, 0), utc(2026, 11, 23, 17, 0)),
    ]
    assert covers(intervals, utc(2026, 11, 23, 14, 0), utc(2026, 11, 23, 17, 0))
    assert covers(intervals, utc(2026, 11, 23, 18, 30), utc(2026, 11, 23, 19, 0))
    assert not covers(intervals, utc(2026, 11, 23, 16, 30), utc(2026, 11, 23, 18, 30))
    assert not covers(intervals, utc(2026, 11, 23, 13, 59), utc(2026, 11, 23, 15, 0))
    assert not covers(intervals, utc(2026, 11, 23, 18, 30), utc(2026, 11, 23, 19, 1))
    assert not covers([], utc(2026, 11, 23, 14, 0), utc(2026, 11, 23, 15, 0))


def test_covers_is_false_for_an_empty_or_inverted_interval():
    intervals = [(utc(2026, 11, 23, 14, 0), utc(2026, 11, 23, 17, 0))]
    assert not covers(intervals, utc(2026, 11, 23, 15, 0), utc(2026, 11, 23, 15, 0))
    assert not covers(intervals, utc(2026, 11, 23, 16, 0), utc(2026, 11, 23, 15, 0))

import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.availability.slots import SlotRequest, open_slot_starts
from app.core.parsing import parse_instant
from app.core.time import boundary_to_utc, local_to_utc, slot_time_iso, to_iso

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
WEDNESDAY = date(2026, 11, 25)
SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def slots(days, *, duration=60, busy=(), buffer=0, not_before=LONG_AGO, first=None, last=None, tz=NEW_YORK):
    return open_slot_starts(
        days,
        tz,
        duration_minutes=duration,
        busy=list(busy),
        buffer_minutes=buffer,
        not_before=not_before,
        first_day=first or min(days),
        last_day=last or max(days),
    )


def starts_in(found, tz=NEW_YORK) -> list[str]:
    return [to_iso(start, tz) for start, _ in found]


def local_starts(found, tz=NEW_YORK) -> list[str]:
    return [start.astimezone(tz).strftime("%H:%M") for start, _ in found]


# --- an ordinary week --------------------------------------------------------------------


def test_ordinary_week_gives_every_grid_start_that_fits():
    found = slots({MONDAY: [(hm("09:00"), hm("12:00"))], WEDNESDAY: [(hm("13:00"), hm("14:30"))]})
    assert starts_in(found) == [
        "2026-11-23T09:00:00-05:00",
        "2026-11-23T09:15:00-05:00",
        "2026-11-23T09:30:00-05:00",
        "2026-11-23T09:45:00-05:00",
        "2026-11-23T10:00:00-05:00",
        "2026-11-23T10:15:00-05:00",
        "2026-11-23T10:30:00-05:00",
        "2026-11-23T10:45:00-05:00",
        "2026-11-23T11:00:00-05:00",
        "2026-11-25T13:00:00-05:00",
        "2026-11-25T13:15:00-05:00",
        "2026-11-25T13:30:00-05:00",
    ]
    assert found[0] == (utc(2026, 11, 23, 14, 0), utc(2026, 11, 23, 15, 0))
    assert found[-1] == (utc(2026, 11, 25, 18, 30), utc(2026, 11, 25, 19, 30))
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in found)


def test_grid_is_anchored_at_each_ranges_start():
    found = slots({MONDAY: [(hm("09:10"), hm("10:30")), (hm("14:05"), hm("15:00"))]}, duration=30)
    assert local_starts(found) == ["09:10", "09:25", "09:40", "09:55", "14:05", "14:20"]


def test_range_shorter_than_the_lesson_gives_nothing():
    assert slots({MONDAY: [(hm("09:00"), hm("09:45"))]}, duration=60) == []


def test_range_ending_at_24_00_offers_its_last_lesson_up_to_midnight():
    found = slots({MONDAY: [(hm("22:00"), 1440)]}, duration=60)
    assert starts_in(found) == [
        "2026-11-23T22:00:00-05:00",
        "2026-11-23T22:15:00-05:00",
        "2026-11-23T22:30:00-05:00",
        "2026-11-23T22:45:00-05:00",
        "2026-11-23T23:00:00-05:00",
    ]
    assert to_iso(found[-1][1], NEW_YORK) == "2026-11-24T00:00:00-05:00"


def test_a_lesson_never_spans_two_ranges_touching_at_midnight():
    found = slots({MONDAY: [(hm("23:00"), 1440)], TUESDAY: [(0, hm("01:00"))]}, duration=60)
    assert starts_in(found) == ["2026-11-23T23:00:00-05:00", "2026-11-24T00:00:00-05:00"]


def test_only_days_between_first_and_last_day_are_offered():
    days = {
        MONDAY: [(hm("09:00"), hm("10:00"))],
        TUESDAY: [(hm("09:00"), hm("10:00"))],
        WEDNESDAY: [(hm("09:00"), hm("10:00"))],
    }
    found = slots(days, first=TUESDAY, last=TUESDAY)
    assert starts_in(found) == ["2026-11-24T09:00:00-05:00"]


def test_overlapping_ranges_never_give_duplicate_slots():
    found = slots({MONDAY: [(hm("10:00"), hm("11:30")), (hm("09:00"), hm("11:00"))]}, duration=60)
    assert local_starts(found) == ["09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30"]


def test_duration_must_be_positive():
    with pytest.raises(ValueError):
        slots({MONDAY: [(hm("09:00"), hm("10:00"))]}, duration=0)


# --- spring forward (America/New_York, 2026-03-08, 02:00 EST -> 03:00 EDT) -------------------


def test_spring_forward_gap_start_times_are_skipped():
    found = slots({SPRING_FORWARD: [(hm("01:00"), hm("04:00"))]}, duration=15)
    assert starts_in(found) == [
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T01:15:00-05:00",
        "2026-03-08T01:30:00-05:00",
        "2026-03-08T01:45:00-05:00",
        "2026-03-08T03:00:00-04:00",
        "2026-03-08T03:15:00-04:00",
        "2026-03-08T03:30:00-04:00",
        "2026-03-08T03:45:00-04:00",
    ]


def test_spring_forward_lesson_lasts_elapsed_time_across_the_gap():
    found = slots({SPRING_FORWARD: [(hm("01:00"), hm("04:00"))]}, duration=60)
    assert [(to_iso(s, NEW_YORK), to_iso(e, NEW_YORK)) for s, e in found] == [
        ("2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"),
        ("2026-03-08T01:15:00-05:00", "2026-03-08T03:15:00-04:00"),
        ("2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00"),
        ("2026-03-08T01:45:00-05:00", "2026-03-08T03:45:00-04:00"),
        ("2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"),
    ]
    assert not [s for s, _ in found if s.astimezone(NEW_YORK).hour == 2]


def test_range_starting_inside_the_gap_begins_at_the_first_real_grid_time():
    found = slots({SPRING_FORWARD: [(hm("02:30"), hm("04:00"))]}, duration=30)
    assert starts_in(found) == [
        "2026-03-08T03:00:00-04:00",
        "2026-03-08T03:15:00-04:00",
        "2026-03-08T03:30:00-04:00",
    ]


def test_range_entirely_inside_the_gap_gives_nothing():
    assert slots({SPRING_FORWARD: [(hm("02:00"), hm("03:00"))]}, duration=15) == []


# --- fall back (America/New_York, 2026-11-01, 02:00 EDT -> 01:00 EST) ----------------------


def test_fall_back_wall_clock_starts_are_never_doubled():
    found = slots({FALL_BACK: [(0, hm("03:00"))]}, duration=15)
    assert len(found) == 12
    assert local_starts(found) == [f"{h:02d}:{m:02d}" for h in range(3) for m in (0, 15, 30, 45)]
    assert [to_iso(s, NEW_YORK)[-6:] for s, _ in found] == ["-04:00"] * 8 + ["-05:00"] * 4
    assert to_iso(found[-1][1], NEW_YORK) == "2026-11-01T03:00:00-05:00"


def test_fall_back_repeated_hour_means_its_first_occurrence_and_lessons_last_elapsed_time():
    found = slots({FALL_BACK: [(0, hm("03:00"))]}, duration=60)
    assert [(to_iso(s, NEW_YORK), to_iso(e, NEW_YORK)) for s, e in found] == [
        ("2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00"),
        ("2026-11-01T00:15:00-04:00", "2026-11-01T01:15:00-04:00"),
        ("2026-11-01T00:30:00-04:00", "2026-11-01T01:30:00-04:00"),
        ("2026-11-01T00:45:00-04:00", "2026-11-01T01:45:00-04:00"),
        ("2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"),
        ("2026-11-01T01:15:00-04:00", "2026-11-01T01:15:00-05:00"),
        ("2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00"),
        ("2026-11-01T01:45:00-04:00", "2026-11-01T01:45:00-05:00"),
        ("2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00"),
    ]
    assert found[6] == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30))


def test_fall_back_range_inside_the_repeated_hour_uses_only_its_first_occurrence():
    found = slots({FALL_BACK: [(hm("01:00"), hm("02:00"))]}, duration=30)
    assert starts_in(found) == [
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:15:00-04:00",
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:45:00-04:00",
    ]


# --- busy times, buffer, notice ------------------------------------------------------------


def test_busy_interval_takes_out_overlapping_starts():
    busy = [(utc(2026, 11, 23, 15, 30), utc(2026, 11, 23, 16, 0))]  # 10:30-11:00 local
    found = slots({MONDAY: [(hm("09:00"), hm("13:00"))]}, busy=busy)
    assert local_starts(found) == ["09:00", "09:15", "09:30", "11:00", "11:15", "11:30", "11:45", "12:00"]


def test_buffer_widens_busy_intervals_on_both_sides():
    busy = [(utc(2026, 11, 23, 15, 30), utc(2026, 11, 23, 16, 0))]
    found = slots({MONDAY: [(hm("09:00"), hm("13:00"))]}, busy=busy, buffer=15)
    assert local_starts(found) == ["09:00", "09:15", "11:15", "11:30", "11:45", "12:00"]


def test_busy_intervals_in_any_offset_and_order_are_the_same_instants():
    in_utc = [
        (utc(2026, 11, 23, 17, 0), utc(2026, 11, 23, 17, 30)),
        (utc(2026, 11, 23, 15, 0), utc(2026, 11, 23, 15, 30)),
    ]
    in_tokyo = [(s.astimezone(TOKYO), e.astimezone(TOKYO)) for s, e in reversed(in_utc)]
    days = {MONDAY: [(hm("09:00"), hm("13:00"))]}
    assert slots(days, busy=in_utc, buffer=10) == slots(days, busy=in_tokyo, buffer=10)
    assert local_starts(slots(days, busy=in_utc, buffer=10)) == ["10:45"]


def test_starts_before_not_before_are_taken_out():
    days = {MONDAY: [(hm("09:00"), hm("12:00"))]}
    found = slots(days, not_before=utc(2026, 11, 23, 14, 20))
    assert local_starts(found) == ["09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]
    assert local_starts(slots(days, not_before=utc(2026, 11, 23, 14, 30)))[0] == "09:30"
    assert slots(days, not_before=utc(2026, 11, 23, 16, 1)) == []


def test_not_before_and_busy_apply_on_transition_days_too():
    busy = [(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 0))]  # 01:30-02:00 EDT, before the repeat
    found = slots({FALL_BACK: [(0, hm("03:00"))]}, duration=30, busy=busy, not_before=utc(2026, 11, 1, 4, 30))
    assert starts_in(found) == [
        "2026-11-01T00:30:00-04:00",
        "2026-11-01T00:45:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T02:00:00-05:00",
        "2026-11-01T02:15:00-05:00",
        "2026-11-01T02:30:00-05:00",
    ]


# --- viewers in other timezones ------------------------------------------------------------


def test_student_in_another_timezone_sees_the_same_instants_with_the_instructors_offset():
    days = {MONDAY: [(hm("20:00"), hm("22:00"))]}
    found = slots(days, first=MONDAY, last=MONDAY)
    first_start, first_end = found[0]
    assert (first_start, first_end) == (utc(2026, 11, 24, 1, 0), utc(2026, 11, 24, 2, 0))
    assert to_iso(first_start, NEW_YORK) == "2026-11-23T20:00:00-05:00"
    assert to_iso(first_start, TOKYO) == "2026-11-24T10:00:00+09:00"
    assert parse_instant(to_iso(first_start, NEW_YORK)) == parse_instant(to_iso(first_start, TOKYO)) == first_start
    # Dates asked for are the instructor's: the Tokyo student's 24th holds none of them.
    assert slots(days, first=TUESDAY, last=TUESDAY) == []


def test_instructor_zone_decides_the_wall_clock():
    days = {MONDAY: [(hm("09:00"), hm("10:00"))]}
    assert slots(days, tz=TOKYO) == [(utc(2026, 11, 23, 0, 0), utc(2026, 11, 23, 1, 0))]
    assert starts_in(slots(days, tz=TOKYO), TOKYO) == ["2026-11-23T09:00:00+09:00"]


# --- against the rules written out plainly -------------------------------------------------


def reference_slots(days, tz, duration, busy, buffer, not_before):
    widen, length = timedelta(minutes=buffer), timedelta(minutes=duration)
    found = set()
    for day, ranges in days.items():
        for range_start, range_end in ranges:
            closes = boundary_to_utc(day, range_end, tz)
            for minute in range(range_start, range_end, 15):
                start = local_to_utc(day, minute, tz)
                if start is None or start < not_before or start + length > closes:
                    continue
                if all(not (s - widen < start + length and start < e + widen) for s, e in busy):
                    found.add((start, start + length))
    return sorted(found)


@pytest.mark.parametrize(
    ("zone", "first_day"),
    [
        ("America/New_York", date(2026, 3, 1)),
        ("America/New_York", date(2026, 10, 25)),
        ("Europe/London", date(2026, 3, 25)),
        ("Australia/Lord_Howe", date(2026, 9, 30)),
        ("America/Santiago", date(2026, 4, 1)),
        ("Asia/Tokyo", date(2026, 6, 1)),
    ],
)
def test_slots_match_the_rules_written_out_plainly(zone, first_day):
    rng = random.Random(f"{zone}{first_day}")
    tz = ZoneInfo(zone)
    days = {}
    for offset in range(14):
        # Every day's small hours and late evening are open, so each transition lies in a range.
        cuts = sorted(rng.sample(range(240, 1200, 5), 3))
        days[first_day + timedelta(days=offset)] = [(0, cuts[0]), (cuts[1], cuts[2]), (cuts[2] + 5, 1440)]
    origin = datetime.combine(first_day, datetime.min.time(), UTC)
    busy = []
    for _ in range(40):
        start = origin + timedelta(minutes=rng.randrange(0, 14 * 1440, 5))
        busy.append((start, start + timedelta(minutes=rng.choice([30, 45, 60, 90]))))
    not_before = origin + timedelta(hours=30)
    for duration in (15, 45, 60, 120):
        got = slots(days, tz=tz, duration=duration, busy=busy, buffer=10, not_before=not_before)
        assert got == reference_slots(days, tz, duration, busy, 10, not_before)


@pytest.mark.parametrize(
    ("zone", "first_day"), [("America/New_York", date(2026, 3, 7)), ("Europe/London", date(2026, 10, 24))]
)
def test_asked_for_the_first_few_a_day_gives_the_first_few_of_all_its_slots(zone, first_day):
    """Transition days, busy times splitting the ranges, and ranges that overlap (a lesson fits both)."""
    rng = random.Random(zone)
    tz = ZoneInfo(zone)
    origin = datetime.combine(first_day, datetime.min.time(), UTC)
    for offset in range(4):
        day = first_day + timedelta(days=offset)
        ranges = [(0, 180), (60, 240), (600, 660), (900, 1440)]
        busy = [(start, start + timedelta(minutes=50)) for start in (
            origin + timedelta(minutes=rng.randrange(0, 4 * 1440, 5)) for _ in range(12)
        )]  # fmt: skip
        for duration in (15, 60):
            request = SlotRequest(tz, duration, busy, 10, origin + timedelta(minutes=offset * 1440 + 30))
            every = request.slots({day: ranges}, day, day)
            assert len(every) > 6
            for limit in (1, 2, 3, 6):
                assert request.slots({day: ranges}, day, day, limit) == every[:limit]


def test_a_busy_month_is_computed_in_milliseconds():
    first = date(2026, 10, 20)  # includes the fall-back day
    days = {first + timedelta(days=i): [(0, 360), (420, 720), (780, 1440)] for i in range(31)}
    rng = random.Random(1)
    origin = datetime(2026, 10, 20, tzinfo=UTC)
    busy = []
    for _ in range(300):
        start = origin + timedelta(minutes=15 * rng.randrange(0, 31 * 96))
        busy.append((start, start + timedelta(minutes=60)))
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        found = slots(days, duration=15, busy=busy, buffer=15, not_before=origin)
        timings.append(time.perf_counter() - began)
    assert found
    assert min(timings) < 0.02


def test_a_slot_time_is_its_instant_read_in_the_zone_asked_whatever_zone_it_came_in():
    first_one_thirty, second_one_thirty = utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)  # the fall back
    assert slot_time_iso(first_one_thirty, NEW_YORK) == "2026-11-01T01:30:00-04:00"
    assert slot_time_iso(second_one_thirty, NEW_YORK) == "2026-11-01T01:30:00-05:00"
    assert slot_time_iso(second_one_thirty.astimezone(TOKYO), NEW_YORK) == "2026-11-01T01:30:00-05:00"
    assert slot_time_iso(second_one_thirty, TOKYO) == "2026-11-01T15:30:00+09:00"
    with pytest.raises(ValueError):
        slot_time_iso(datetime(2026, 11, 1, 6, 30), NEW_YORK)

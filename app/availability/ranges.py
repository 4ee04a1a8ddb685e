"""An instructor's week: wall-clock ranges per date, validated, rendered, hashed, made UTC."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.core.parsing import WireFormatError, parse_date, parse_minute_of_day
from app.core.time import boundary_to_utc, week_dates

Range = tuple[int, int]
Week = dict[date, list[Range]]

DAY_MINUTES = 1440
_RANGE_FIELDS = ("start", "end")


class RangeProblem(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__("; ".join(f"{p['key']}: {p['message']}" for p in problems))
        self.problems = problems


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, key: str, message: str) -> None:
        self.items.append({"key": key, "message": message})


def parse_week_days(week_start: date, days: object) -> Week:
    problems = _Problems()
    week = {d: [] for d in week_dates(week_start)}
    if not isinstance(days, dict):
        problems.add("days", "must be an object mapping dates (YYYY-MM-DD) to lists of ranges")
        raise RangeProblem(problems.items)
    for raw_date, raw_ranges in days.items():
        key = f"days.{raw_date}"
        day = _parse_day(raw_date, week, key, problems)
        ranges = _parse_day_ranges(raw_ranges, key, problems)
        if day is not None:
            week[day] = ranges
    if problems.items:
        raise RangeProblem(problems.items)
    return week


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekdays = dict[int, list[Range]]  # Monday is 0


def parse_weekdays(weekdays: object) -> Weekdays:
    """A weekly template's body: {"mon": [{"start", "end"}], ...}; weekdays left out are empty."""
    problems = _Problems()
    template: Weekdays = {index: [] for index in range(7)}
    if not isinstance(weekdays, dict):
        problems.add("weekdays", "must be an object mapping mon, tue, ... sun to lists of ranges")
        raise RangeProblem(problems.items)
    for name, raw_ranges in weekdays.items():
        key = f"weekdays.{name}"
        if name not in WEEKDAYS:
            problems.add(key, f"is not a weekday: use {', '.join(WEEKDAYS)}")
            continue
        template[WEEKDAYS.index(name)] = _parse_day_ranges(raw_ranges, key, problems)
    if problems.items:
        raise RangeProblem(problems.items)
    return template


def week_from_weekdays(weekdays: Weekdays, week_start: date) -> Week:
    return {day: list(weekdays.get(day.weekday(), [])) for day in week_dates(week_start)}


def weekdays_to_json(weekdays: Weekdays) -> dict[str, list[dict]]:
    return {
        name: [{"start": minutes_to_hhmm(s), "end": minutes_to_hhmm(e)} for s, e in sorted(weekdays.get(i, []))]
        for i, name in enumerate(WEEKDAYS)
    }


def _parse_day(raw: object, week: Week, key: str, problems: _Problems) -> date | None:
    day = _strict_date(raw)
    if day is None:
        problems.add(key, "must be a date written YYYY-MM-DD")
        return None
    if day not in week:
        first, last = min(week), max(week)
        problems.add(key, f"is outside the week {first.isoformat()} to {last.isoformat()}")
        return None
    return day


def _strict_date(raw: object) -> date | None:
    try:
        return parse_date(raw)
    except WireFormatError:
        return None


def _parse_day_ranges(raw: object, key: str, problems: _Problems) -> list[Range]:
    if not isinstance(raw, list):
        problems.add(key, "must be a list of ranges")
        return []
    indexed = []
    for index, item in enumerate(raw):
        parsed = _parse_range(item, f"{key}[{index}]", problems)
        if parsed is not None:
            indexed.append((parsed, index))
    _report_overlaps(indexed, key, problems)
    return merge_touching([r for r, _ in indexed])


def _parse_range(item: object, key: str, problems: _Problems) -> Range | None:
    if not isinstance(item, dict):
        problems.add(key, 'must be an object {"start": "HH:MM", "end": "HH:MM"}')
        return None
    extras = [field for field in item if field not in _RANGE_FIELDS]
    for field in extras:
        problems.add(f"{key}.{field}", "is not a field of a range (only start and end)")
    start = _parse_field(item, "start", key, problems, lowest=0, highest=DAY_MINUTES - 1)
    end = _parse_field(item, "end", key, problems, lowest=1, highest=DAY_MINUTES)
    if start is None or end is None:
        return None
    if start >= end:
        problems.add(f"{key}.end", f"must be after the start {minutes_to_hhmm(start)}")
        return None
    return None if extras else (start, end)


def _parse_field(item: dict, field: str, key: str, problems: _Problems, *, lowest: int, highest: int) -> int | None:
    path = f"{key}.{field}"
    if field not in item:
        problems.add(path, "is required")
        return None
    minutes = hhmm_to_minutes(item[field])
    if minutes is None:
        problems.add(path, "must be a time written HH:MM")
        return None
    if not lowest <= minutes <= highest:
        bounds = f"{minutes_to_hhmm(lowest)} and {minutes_to_hhmm(highest)}"
        problems.add(path, f"must be between {bounds}")
        return None
    return minutes


def hhmm_to_minutes(raw: object) -> int | None:
    try:
        return parse_minute_of_day(raw)
    except WireFormatError:
        return None


def minutes_to_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _report_overlaps(indexed: list[tuple[Range, int]], key: str, problems: _Problems) -> None:
    # One sweep: a range starting before the furthest end seen so far overlaps that range.
    furthest: tuple[Range, int] | None = None
    for current in sorted(indexed):
        (start, end), index = current
        if furthest is not None and start < furthest[0][1]:
            other, other_index = furthest
            problems.add(
                f"{key}[{index}]",
                f"{_range_text((start, end))} overlaps {key}[{other_index}] ({_range_text(other)})",
            )
        if furthest is None or end > furthest[0][1]:
            furthest = current


def _range_text(r: Range) -> str:
    return f"{minutes_to_hhmm(r[0])}-{minutes_to_hhmm(r[1])}"


def merge_touching(ranges: list[Range]) -> list[Range]:
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def days_to_json(days: Week, *, week_start: date | None = None) -> dict[str, list[dict]]:
    dates = week_dates(week_start) if week_start is not None else sorted(days)
    return {
        d.isoformat(): [
            {"start": minutes_to_hhmm(start), "end": minutes_to_hhmm(end)} for start, end in sorted(days.get(d, []))
        ]
        for d in dates
    }


def week_digest(days: Week, booked: list[dict]) -> str:
    # A date missing and a date with no ranges are the same week; so is any order of booked.
    ranges = days_to_json({d: r for d, r in days.items() if r})
    booked_items = sorted(_canonical(item) for item in booked)
    body = json.dumps({"days": ranges, "booked": booked_items}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def week_intervals_utc(days: Week, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    intervals = []
    for day in sorted(days):
        for start, end in days[day]:
            start_utc = boundary_to_utc(day, start, tz)
            end_utc = boundary_to_utc(day, end, tz)
            if start_utc < end_utc:
                intervals.append((start_utc, end_utc))
    return sorted(intervals)


def covers(intervals: list[tuple[datetime, datetime]], start_utc: datetime, end_utc: datetime) -> bool:
    if end_utc <= start_utc:
        return False
    reached = start_utc
    for start, end in sorted(intervals):
        if start > reached:
            return False
        if end > reached:
            reached = end
        if reached >= end_utc:
            return True
    return False

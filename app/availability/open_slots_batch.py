"""Open slots of many instructors at once (a page of search results): one query each for their week
snapshots, weekly hours, settings and live bookings, then open_slots.py's computation per instructor.
Asked for the first few slots, it looks a few days ahead first and further only when it must."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.availability import template
from app.availability.ranges import Week, week_from_weekdays
from app.availability.service import stored_days
from app.availability.slots import Interval, open_slot_starts
from app.availability.tables import AvailabilityWeek, WeeklyTemplate
from app.bookings.live import live_bookings_condition
from app.bookings.tables import Booking
from app.core.db import json_value
from app.core.time import monday_of
from app.core.time import now as clock_now
from app.instructors.service import DEFAULT_SETTINGS, Instructor
from app.instructors.tables import AvailabilitySettings

# Days looked at per step when only the first few slots are wanted.
STEPS = (3, 7, 14, 31)


@dataclass(frozen=True)
class SlotAsk:
    instructor: Instructor
    duration_minutes: int


@dataclass(frozen=True)
class DailyHours:
    """Days of the week (Monday 0) and minutes of the day slots must keep to, in `timezone`: for an
    instructor in that zone the ranges are cut to them before any slot is computed."""

    timezone: str
    weekdays: frozenset[int] | None
    day_from: int
    day_until: int

    def cut(self, days: Week) -> Week:
        return {
            day: [
                (max(s, self.day_from), min(e, self.day_until))
                for s, e in ranges
                if s < self.day_until and e > self.day_from
            ]
            for day, ranges in days.items()
            if self.weekdays is None or day.weekday() in self.weekdays
        }


async def open_slots_of_many(
    asks: list[SlotAsk],
    start: datetime,
    end: datetime,
    *,
    limit: int | None = None,
    keep: Callable[[Interval], bool] | None = None,
    daily: DailyHours | None = None,
    now: datetime | None = None,
) -> dict[int, list[Interval]]:
    """Each instructor's open slots lying inside [start, end) (and passing `keep`), at most `limit`;
    `daily` spares computing slots `keep` would refuse anyway."""
    if not asks:
        return {}
    now = now or clock_now()
    ids = [ask.instructor.id for ask in asks]
    spans = {ask.instructor.id: _local_dates(ask.instructor, start, end) for ask in asks}
    first_monday = monday_of(min(first for first, _ in spans.values()))
    last_monday = monday_of(max(last for _, last in spans.values()))
    snapshots = await _snapshots(ids, first_monday, last_monday)
    weekly = await _templates(ids)
    settings = await _settings(ids)
    bookings = await _live_bookings(ids, start - timedelta(days=1), end + timedelta(days=1))
    found: dict[int, list[Interval]] = {}
    for ask in asks:
        instructor, (first, last) = ask.instructor, spans[ask.instructor.id]
        days = _days(instructor, first, last, snapshots.get(instructor.id, {}), weekly.get(instructor.id))
        if daily is not None and daily.timezone == instructor.timezone:
            days = daily.cut(days)
        rules = settings.get(instructor.id, DEFAULT_SETTINGS)
        buffer = timedelta(minutes=rules["buffer_minutes"])
        busy = [(b["start_at"] - buffer, b["blocked_until"]) for b in bookings.get(instructor.id, [])]
        not_before = max(now + timedelta(minutes=rules["min_notice_minutes"]), start)

        def inside(slot: Interval) -> bool:
            return slot[0] >= start and slot[1] <= end and (keep is None or keep(slot))

        slots: list[Interval] = []
        for chunk_first, chunk_last in _chunks(first, last, limit is not None):
            if not any(ranges for day, ranges in days.items() if chunk_first <= day <= chunk_last):
                continue
            computed = open_slot_starts(
                days, instructor.tz, duration_minutes=ask.duration_minutes, busy=busy, buffer_minutes=0,
                not_before=not_before, first_day=chunk_first, last_day=chunk_last,
            )  # fmt: skip
            slots += [slot for slot in computed if inside(slot)]
            if limit is not None and len(slots) >= limit:
                break
        found[instructor.id] = slots[:limit] if limit is not None else slots
    return found


def _local_dates(instructor: Instructor, start: datetime, end: datetime) -> tuple[date, date]:
    last_instant = max(start, end - timedelta(microseconds=1))
    return start.astimezone(instructor.tz).date(), last_instant.astimezone(instructor.tz).date()


def _chunks(first: date, last: date, stepwise: bool) -> list[tuple[date, date]]:
    if not stepwise:
        return [(first, last)]
    chunks, begin = [], first
    for days in STEPS:
        end = min(first + timedelta(days=days - 1), last)
        if begin <= end:
            chunks.append((begin, end))
        begin = end + timedelta(days=1)
    if begin <= last:
        chunks.append((begin, last))
    return chunks


def _days(instructor: Instructor, first: date, last: date, snapshots: dict[date, dict[str, Any]], weekly: Any) -> Week:
    """As open_slots.weeks_between: a week's own snapshot, else the weekly hours that govern it."""
    days: Week = {}
    monday = monday_of(first)
    while monday <= last:
        if monday in snapshots:
            days.update(stored_days(snapshots[monday], monday))
        elif weekly is not None and template.governs(instructor, monday):
            days.update(week_from_weekdays(weekly, monday))
        monday += timedelta(days=7)
    return days


async def _snapshots(ids: list[int], first: date, last: date) -> dict[int, dict[date, dict[str, Any]]]:
    rows = await AvailabilityWeek.select(
        AvailabilityWeek.instructor, AvailabilityWeek.week_start, AvailabilityWeek.days
    ).where(
        AvailabilityWeek.instructor.is_in(ids) & (AvailabilityWeek.week_start >= first)
        & (AvailabilityWeek.week_start <= last)
    )  # fmt: skip
    found: dict[int, dict[date, dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["instructor"], {})[row["week_start"]] = row
    return found


async def _templates(ids: list[int]) -> dict[int, dict[int, list[tuple[int, int]]]]:
    rows = await WeeklyTemplate.select(WeeklyTemplate.instructor, WeeklyTemplate.weekdays).where(
        WeeklyTemplate.instructor.is_in(ids)
    )
    return {
        row["instructor"]: {int(day): [tuple(r) for r in ranges] for day, ranges in json_value(row["weekdays"]).items()}
        for row in rows
    }


async def _settings(ids: list[int]) -> dict[int, dict[str, int]]:
    rows = await AvailabilitySettings.select(
        AvailabilitySettings.instructor, AvailabilitySettings.min_notice_minutes, AvailabilitySettings.buffer_minutes
    ).where(AvailabilitySettings.instructor.is_in(ids))
    return {row.pop("instructor"): row for row in rows}


async def _live_bookings(ids: list[int], start: datetime, end: datetime) -> dict[int, list[dict[str, Any]]]:
    rows = await Booking.select(Booking.instructor, Booking.start_at, Booking.blocked_until).where(
        Booking.instructor.is_in(ids) & (Booking.start_at < end) & (Booking.blocked_until > start)
        & live_bookings_condition()
    )  # fmt: skip
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["instructor"], []).append(row)
    return found

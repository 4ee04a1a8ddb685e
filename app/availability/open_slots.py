"""Bookable start times of an instructor: weeks minus live bookings (with buffers) and minimum notice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.availability import template
from app.availability.ranges import week_from_weekdays
from app.availability.schemas import OpenSlots, Slot
from app.availability.service import stored_days
from app.availability.slots import open_slot_starts
from app.availability.tables import AvailabilityWeek
from app.bookings.live import live_bookings_between
from app.core.errors import bad_input
from app.core.parsing import WireFormatError, parse_count, parse_date
from app.core.time import boundary_to_utc, monday_of, slot_time_iso
from app.instructors.service import Instructor, settings_of

MAX_DAYS = 31


def parse_slot_query(start: str | None, end: str | None, duration: object) -> tuple[date, date, int]:
    problems = []
    dates: dict[str, date] = {}
    for key, raw in (("start", start), ("end", end)):
        try:
            dates[key] = parse_date(raw)
        except WireFormatError as exc:
            problems.append({"key": key, "message": f"Required, {exc}"})
    minutes = duration if isinstance(duration, int) else None
    if isinstance(duration, str):
        try:
            minutes = parse_count(duration, low=15, high=240)
        except WireFormatError:
            minutes = None
    if minutes is None or minutes % 15 or not 15 <= minutes <= 240:
        problems.append({"key": "duration", "message": "Required, minutes: a multiple of 15 from 15 to 240"})
    if not problems and dates["end"] < dates["start"]:
        problems.append({"key": "end", "message": "Must not be before start"})
    if not problems and (dates["end"] - dates["start"]).days + 1 > MAX_DAYS:
        problems.append({"key": "end", "message": f"At most {MAX_DAYS} days from start"})
    if problems:
        raise bad_input(problems)
    return dates["start"], dates["end"], minutes  # type: ignore[return-value]


async def weeks_between(instructor: Instructor, first: date, last: date) -> dict[date, list[tuple[int, int]]]:
    """The ranges of every date in [first, last]: a week's own snapshot, else the weekly hours it follows."""
    rows = await AvailabilityWeek.select(AvailabilityWeek.week_start, AvailabilityWeek.days).where(
        (AvailabilityWeek.instructor == instructor.id)
        & (AvailabilityWeek.week_start >= monday_of(first))
        & (AvailabilityWeek.week_start <= monday_of(last))
    )
    snapshots = {row["week_start"]: row for row in rows}
    weekly = None
    days: dict[date, list[tuple[int, int]]] = {}
    monday = monday_of(first)
    while monday <= last:
        if monday in snapshots:
            days.update(stored_days(snapshots[monday], monday))
        elif template.governs(instructor, monday):
            weekly = weekly or await template.load_template(instructor)
            days.update(week_from_weekdays(weekly.weekdays, monday))
        monday += timedelta(days=7)
    return days


async def compute_open_slots(
    instructor: Instructor, first: date, last: date, duration: int, now: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    now = now or datetime.now(UTC)
    tz = instructor.tz
    settings = await settings_of(instructor.id)
    days = await weeks_between(instructor, first, last)
    window_start = boundary_to_utc(first - timedelta(days=1), 0, tz)
    window_end = boundary_to_utc(last + timedelta(days=2), 0, tz)
    buffer = timedelta(minutes=settings["buffer_minutes"])
    # A new lesson [s, e) is blocked until e + buffer, exactly what the exclusion constraint compares.
    busy = [
        (b["start_at"] - buffer, b["blocked_until"])
        for b in await live_bookings_between(instructor.id, window_start, window_end)
    ]
    return open_slot_starts(
        days,
        tz,
        duration_minutes=duration,
        busy=busy,
        buffer_minutes=0,
        not_before=now + timedelta(minutes=settings["min_notice_minutes"]),
        first_day=first,
        last_day=last,
    )


async def open_slots(instructor: Instructor, first: date, last: date, duration: int) -> OpenSlots:
    tz = instructor.tz
    slots = await compute_open_slots(instructor, first, last, duration)
    return OpenSlots(
        instructor_id=instructor.id,
        timezone=instructor.timezone,
        duration=duration,
        slots=[Slot(slot_time_iso(s, tz), slot_time_iso(e, tz)) for s, e in slots],
    )


def slot_is_open(slots: list[tuple[datetime, datetime]], start: datetime) -> bool:
    return any(s == start for s, _ in slots)

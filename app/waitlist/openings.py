"""Open slots of several lesson lengths for one instructor, read in one batch of queries (weeks,
settings and live bookings once), as app.availability.open_slots computes them for one length."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.availability.open_slots import weeks_between
from app.availability.slots import open_slot_starts
from app.bookings.live import live_bookings_between
from app.core.time import boundary_to_utc
from app.instructors.service import Instructor, settings_of

Interval = tuple[datetime, datetime]


async def open_slots_by_length(
    instructor: Instructor, first: date, last: date, lengths: set[int], now: datetime
) -> dict[int, list[Interval]]:
    tz = instructor.tz
    settings = await settings_of(instructor.id)
    days = await weeks_between(instructor, first, last)
    window_start = boundary_to_utc(first - timedelta(days=1), 0, tz)
    window_end = boundary_to_utc(last + timedelta(days=2), 0, tz)
    buffer = timedelta(minutes=settings["buffer_minutes"])
    busy = [
        (b["start_at"] - buffer, b["blocked_until"])
        for b in await live_bookings_between(instructor.id, window_start, window_end)
    ]
    not_before = now + timedelta(minutes=settings["min_notice_minutes"])
    return {
        length: open_slot_starts(
            days, tz, duration_minutes=length, busy=busy, buffer_minutes=0, not_before=not_before,
            first_day=first, last_day=last,
        )
        for length in lengths
    }  # fmt: skip


def inside(slots: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(s, e) for s, e in slots if s >= start and e <= end]

"""Open slots: bookable lesson times computed from the wall-clock ranges and the busy times.

A month of 15-minute candidates must cost milliseconds. On a day without a DST transition the
grid is evenly spaced in UTC, so the starts that fit in each gap between busy times are found by
division; only transition days walk the grid one wall-clock start at a time.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.availability.ranges import DAY_MINUTES, Range, Week
from app.core.time import boundary_to_utc, local_to_utc, steady_offset

GRID_MINUTES = 15

Interval = tuple[datetime, datetime]

_GRID = timedelta(minutes=GRID_MINUTES)
_MINUTES = [timedelta(minutes=m) for m in range(DAY_MINUTES + 1)]


class _Busy:
    def __init__(self, busy: list[Interval], buffer_minutes: int):
        if not busy:  # most instructors' next weeks
            self._starts: list[datetime] = []
            self._ends: list[datetime] = []
            return
        widen = timedelta(minutes=buffer_minutes)
        widened = sorted((start.astimezone(UTC) - widen, end.astimezone(UTC) + widen) for start, end in busy)
        merged: list[list[datetime]] = []
        for start, end in widened:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        i = bisect_right(self._ends, start)
        return i < len(self._starts) and self._starts[i] < end

    def free_windows(self, start: datetime, end: datetime) -> Iterator[Interval]:
        cursor = start
        i = bisect_right(self._ends, start)
        while i < len(self._starts) and self._starts[i] < end:
            if self._starts[i] > cursor:
                yield cursor, self._starts[i]
            cursor = max(cursor, self._ends[i])
            i += 1
        if cursor < end:
            yield cursor, end


class SlotRequest:
    """Lessons of one length against one instructor's busy times and earliest start, set up once and
    asked for any run of days (a batch of instructors asks day by day)."""

    def __init__(
        self, tz: ZoneInfo, duration_minutes: int, busy: list[Interval], buffer_minutes: int, not_before: datetime
    ):
        if duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if buffer_minutes < 0:
            raise ValueError("buffer_minutes must not be negative")
        self.tz = tz
        self.duration = timedelta(minutes=duration_minutes)
        self.taken = _Busy(busy, buffer_minutes)
        self.earliest = not_before.astimezone(UTC)

    def slots(self, days: Week, first_day: date, last_day: date, limit: int | None = None) -> list[Interval]:
        """In order; with `limit`, only the first `limit` (each range stops once it has that many: the
        first `limit` of them all are among those, whatever ranges overlap)."""
        starts: list[datetime] = []
        for day in sorted(d for d in days if first_day <= d <= last_day):
            starts += self._starts_on(day, days[day], limit)
        return self._in_order(starts, limit)

    def slots_on(self, day: date, ranges: list[Range], limit: int | None = None) -> list[Interval]:
        """One day's, as `slots`."""
        return self._in_order(self._starts_on(day, ranges, limit), limit)

    def _starts_on(self, day: date, ranges: list[Range], limit: int | None) -> list[datetime]:
        offset = steady_offset(day, self.tz)
        starts: list[datetime] = []
        for range_start, range_end in ranges:
            if offset is None:
                starts += _starts_across_transition(day, range_start, range_end, self.tz, self, limit)
            else:
                starts += _starts_on_steady_day(day, range_start, range_end, offset, self, limit)
        return starts

    def _in_order(self, starts: list[datetime], limit: int | None) -> list[Interval]:
        starts.sort()
        unique = [start for i, start in enumerate(starts) if i == 0 or start != starts[i - 1]]
        return [(start, start + self.duration) for start in unique[:limit]]


def open_slot_starts(
    days: Week,
    tz: ZoneInfo,
    *,
    duration_minutes: int,
    busy: list[Interval],
    buffer_minutes: int,
    not_before: datetime,
    first_day: date,
    last_day: date,
) -> list[Interval]:
    return SlotRequest(tz, duration_minutes, busy, buffer_minutes, not_before).slots(days, first_day, last_day)


def _starts_on_steady_day(
    day: date, range_start: int, range_end: int, offset: timedelta, request: SlotRequest, limit: int | None
) -> list[datetime]:
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - offset
    opens, closes = midnight + _MINUTES[range_start], midnight + _MINUTES[range_end]
    starts: list[datetime] = []
    for free_from, free_until in request.taken.free_windows(max(opens, request.earliest), closes):
        first = -((opens - free_from) // _GRID)  # ceiling division
        last = (free_until - request.duration - opens) // _GRID
        if limit is not None:
            last = min(last, first + limit - len(starts) - 1)
        starts += [opens + _MINUTES[step * GRID_MINUTES] for step in range(first, last + 1)]
        if limit is not None and len(starts) >= limit:
            break
    return starts


def _starts_across_transition(
    day: date, range_start: int, range_end: int, tz: ZoneInfo, request: SlotRequest, limit: int | None
) -> list[datetime]:
    closes = boundary_to_utc(day, range_end, tz)
    starts = []
    for minute in range(range_start, range_end, GRID_MINUTES):
        start = local_to_utc(day, minute, tz)
        if start is None:
            continue
        end = start + request.duration
        if end > closes:
            # Existing wall-clock times map to instants in order: later starts end later.
            break
        if start >= request.earliest and not request.taken.overlaps(start, end):
            starts.append(start)
            if len(starts) == limit:
                break
    return starts

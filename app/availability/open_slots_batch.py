"""Open slots of many instructors at once (a page of search results): their week snapshots, weekly
hours, settings and live bookings read as columns beside another query's rows (`availability_columns`),
then open_slots.py's computation per instructor. Asked for the first few slots, it computes one day at
a time and stops once it has them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
from asyncpg import Record

from app.availability.ranges import Range
from app.availability.slots import Interval, SlotRequest
from app.bookings.tables import BookingStatus
from app.core.sql import Sql
from app.core.time import monday_of, today_in
from app.instructors.service import DEFAULT_SETTINGS

_ONE_DAY, _ONE_WEEK = timedelta(days=1), timedelta(weeks=1)
_DAYS_IN = [timedelta(days=n) for n in range(7)]  # a week's days after its Monday
# Stored JSON read straight into ranges: weekly hours by weekday (Monday 0), a week's own days by date.
_WEEKDAYS = msgspec.json.Decoder(dict[int, list[tuple[int, int]]])
_DAYS = msgspec.json.Decoder(dict[date, list[tuple[int, int]]])

# An instructor's weekly hours, week snapshots, earliest bookable start (its minimum notice from now,
# or the start asked) and live bookings (held and unexpired, or confirmed: app.bookings.live's
# condition) overlapping the days asked for, each from its start less the buffer to the end of its block.
_COLUMNS = """
(SELECT t.weekdays FROM availability_templates t WHERE t.instructor = {of}) AS weekdays,
greatest({{}}::timestamptz + make_interval(mins => coalesce(
  (SELECT s.min_notice_minutes FROM availability_settings s WHERE s.instructor = {of}), {{}})), {{}}::timestamptz)
  AS not_before,
ARRAY(SELECT ROW(w.week_start, w.days) FROM availability_weeks w
      WHERE w.instructor = {of} AND w.week_start >= {{}} AND w.week_start <= {{}}) AS weeks,
ARRAY(SELECT ROW(b.start_at - make_interval(mins => coalesce(
        (SELECT s.buffer_minutes FROM availability_settings s WHERE s.instructor = {of}), {{}})), b.blocked_until)
      FROM bookings b
      WHERE b.instructor = {of} AND b.start_at < {{}} AND b.blocked_until > {{}}
        AND (b.status = {{}} OR (b.status = {{}} AND b.expires_at > {{}}::timestamptz))) AS busy
"""


class SlotAsk(msgspec.Struct, frozen=True):
    """One instructor's lessons of one length (a struct: made for each candidate of a search)."""

    instructor_id: int
    timezone: str
    duration_minutes: int


@dataclass(frozen=True)
class DailyHours:
    """Days of the week (Monday 0) and minutes of the day [day_from, day_until) slots must keep to, read
    in `tz`. For an instructor in that zone the ranges are cut to them before any slot is computed (every
    slot of a cut range keeps to them); another's slots are each tested."""

    tz: ZoneInfo
    weekdays: frozenset[int] | None
    day_from: int
    day_until: int

    def cut(self, day: date, ranges: list[Range]) -> list[Range]:
        if self.weekdays is not None and day.weekday() not in self.weekdays:
            return []
        return [
            (max(s, self.day_from), min(e, self.day_until))
            for s, e in ranges
            if s < self.day_until and e > self.day_from
        ]

    def keeps(self, slot: Interval) -> bool:
        start, end = slot[0].astimezone(self.tz), slot[1].astimezone(self.tz)
        if self.weekdays is not None and start.weekday() not in self.weekdays:
            return False
        ends_at = (end.date() - start.date()).days * 1440 + end.hour * 60 + end.minute
        return self.day_from <= start.hour * 60 + start.minute and ends_at <= self.day_until


@dataclass
class Availability:
    weekly: dict[int, list[Range]] | None
    snapshots: dict[date, dict[date, list[Range]]]  # Monday → that week's own days
    not_before: datetime
    busy: list[Interval]  # (start less the buffer, blocked until) of each live booking


def availability_columns(of: str, start: datetime, end: datetime, now: datetime) -> Sql:
    """The columns `availability_from` reads, for the instructor whose id the SQL expression `of` gives, with
    what slots in [start, end) need (weeks and bookings of the days around it in any zone)."""
    first_day, last_day = start.astimezone(UTC).date() - _ONE_DAY, end.astimezone(UTC).date() + _ONE_DAY
    first_monday, last_monday = monday_of(first_day), monday_of(last_day)
    return Sql(
        _COLUMNS.format(of=of),
        now, DEFAULT_SETTINGS["min_notice_minutes"], start, first_monday, last_monday,
        DEFAULT_SETTINGS["buffer_minutes"], end + _ONE_DAY, start - _ONE_DAY,
        BookingStatus.confirmed.value, BookingStatus.held.value, now,
    )  # fmt: skip


def availability_from(row: Record) -> Availability:
    """From a row with `availability_columns`."""
    weekly = _WEEKDAYS.decode(row["weekdays"]) if row["weekdays"] is not None else None
    snapshots = {monday: _DAYS.decode(days) for monday, days in row["weeks"]}
    return Availability(weekly, snapshots, row["not_before"], list(row["busy"]))


def slots_of_many(
    asks: list[SlotAsk],
    stored: Mapping[int, Availability],
    start: datetime,
    end: datetime,
    *,
    limit: int | None = None,
    daily: DailyHours | None = None,
) -> dict[int, list[Interval]]:
    """Each instructor's open slots lying inside [start, end) (and keeping to `daily`), at most `limit`,
    from its availability read with `availability_columns` for [start, end)."""
    zones = {ask.timezone for ask in asks}
    # Per zone: the local dates [start, end) touches, and the Monday from which weekly hours govern
    # (template.governs: the current week on).
    dates = {zone: _local_dates(ZoneInfo(zone), start, end) for zone in zones}
    governed_from = {zone: monday_of(today_in(ZoneInfo(zone))) for zone in zones}
    found: dict[int, list[Interval]] = {}
    for ask in asks:
        availability, zone = stored[ask.instructor_id], ask.timezone
        first, last = dates[zone]
        cut = keep = None
        if daily is not None:
            cut, keep = (daily.cut, None) if daily.tz.key == zone else (None, daily.keeps)
        request = SlotRequest(ZoneInfo(zone), ask.duration_minutes, availability.busy, 0, availability.not_before)
        slots: list[Interval] = []
        # Days are computed in order and a day's slots all come before the next day's.
        for day, ranges in _ranges_by_day(first, last, availability, governed_from[zone]):
            if cut is not None:
                ranges = cut(day, ranges)
            if not ranges:
                continue
            # Without `keep`, the tests below keep a day's first slots and drop the rest (the earliest
            # start is `not_before`; only the last day can end too late), so the first few will do.
            wanted = limit - len(slots) if limit is not None and keep is None else None
            for slot in request.slots_on(day, ranges, wanted):
                if slot[0] >= start and slot[1] <= end and (keep is None or keep(slot)):
                    slots.append(slot)
                    if len(slots) == limit:
                        break
            if len(slots) == limit:
                break
        found[ask.instructor_id] = slots
    return found


def _local_dates(tz: ZoneInfo, start: datetime, end: datetime) -> tuple[date, date]:
    last_instant = max(start, end - timedelta(microseconds=1))
    return start.astimezone(tz).date(), last_instant.astimezone(tz).date()


def _ranges_by_day(
    first: date, last: date, availability: Availability, governed_from: date
) -> Iterator[tuple[date, list[Range]]]:
    """As open_slots.weeks_between, the days with ranges in order: a week's own snapshot, else the weekly
    hours that govern it."""
    monday = monday_of(first)
    while monday <= last:
        week = availability.snapshots.get(monday)
        weekly = availability.weekly if week is None and monday >= governed_from else None
        if week is not None or weekly is not None:
            for weekday in range(max(0, (first - monday).days), min(6, (last - monday).days) + 1):
                day = monday + _DAYS_IN[weekday]
                ranges = week.get(day) if week is not None else weekly.get(weekday)  # type: ignore[union-attr]
                if ranges:
                    yield day, ranges
        monday += _ONE_WEEK

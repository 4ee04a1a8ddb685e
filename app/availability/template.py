"""Recurring weekly hours: an instructor's template, which every week without a snapshot of its own
follows from the current week on; saving such a week makes it an exception, deleting the
exception hands it back to the template."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from app.availability import events, service
from app.availability.ranges import (
    RangeProblem,
    Weekdays,
    covers,
    parse_weekdays,
    week_from_weekdays,
    week_intervals_utc,
    weekdays_to_json,
)
from app.availability.schemas import RangeOut, TemplateOut
from app.availability.tables import AvailabilityWeek, WeeklyTemplate
from app.bookings.live import live_bookings_between
from app.core.db import json_value
from app.core.errors import ApiError, bad_input
from app.core.outbox import change
from app.core.time import boundary_to_utc, monday_of, today_in
from app.instructors.service import Instructor, lock_instructor
from app.services import Services

# Weeks ahead whose editors and watchers hear of a template change at once.
ANNOUNCED_WEEKS = 26


@dataclass(frozen=True)
class TemplateView:
    instructor_id: int
    timezone: str
    revision: int
    weekdays: Weekdays
    updated_at: datetime | None

    @property
    def version(self) -> str:
        body = json.dumps(weekdays_to_json(self.weekdays), sort_keys=True)
        return f"{self.revision}.{hashlib.sha256(body.encode()).hexdigest()[:16]}"

    def out(self) -> TemplateOut:
        weekdays = weekdays_to_json(self.weekdays)
        return TemplateOut(
            instructor_id=self.instructor_id,
            timezone=self.timezone,
            version=self.version,
            weekdays={day: [RangeOut(**r) for r in ranges] for day, ranges in weekdays.items()},
        )

    def to_json(self) -> dict[str, Any]:
        return msgspec.to_builtins(self.out())


async def load_template(instructor: Instructor) -> TemplateView:
    row = (
        await WeeklyTemplate.select(WeeklyTemplate.weekdays, WeeklyTemplate.revision, WeeklyTemplate.updated_at)
        .where(WeeklyTemplate.instructor == instructor.id)
        .first()
    )
    weekdays: Weekdays = {index: [] for index in range(7)}
    if row:
        for index, ranges in json_value(row["weekdays"]).items():
            weekdays[int(index)] = [tuple(r) for r in ranges]
    return TemplateView(
        instructor.id, instructor.timezone, row["revision"] if row else 0, weekdays, row["updated_at"] if row else None
    )


def governs(instructor: Instructor, week_start: date) -> bool:
    """The template governs the current week and later ones, never a week that has ended."""
    return week_start >= monday_of(today_in(instructor.tz))


def template_refused(current: TemplateView, if_match: str) -> ApiError:
    return ApiError(
        409,
        f"The weekly hours changed since you loaded them (now version {current.version}); reload and reapply",
        code="stale_version",
        body={"current": current.to_json()},
    )


async def _weeks_with_snapshots(instructor: Instructor, first: date) -> set[date]:
    rows = await AvailabilityWeek.select(AvailabilityWeek.week_start).where(
        (AvailabilityWeek.instructor == instructor.id) & (AvailabilityWeek.week_start >= first)
    )
    return {row["week_start"] for row in rows}


async def _bookings_the_template_would_lose(
    instructor: Instructor, weekdays: Weekdays, first: date, snapshots: set[date]
) -> list[dict[str, Any]]:
    far = boundary_to_utc(first + timedelta(days=7 * 520), 0, instructor.tz)
    bookings = await live_bookings_between(instructor.id, boundary_to_utc(first, 0, instructor.tz), far)
    outside = []
    for booking in bookings:
        monday = monday_of(booking["start_at"].astimezone(instructor.tz).date())
        if monday < first or monday in snapshots:
            continue
        intervals = week_intervals_utc(week_from_weekdays(weekdays, monday), instructor.tz)
        if not covers(intervals, booking["start_at"], booking["end_at"]):
            outside.append(booking)
    return await service.booked_entries(outside, instructor.tz)


async def replace_template(
    services: Services,
    instructor: Instructor,
    raw_weekdays: Any,
    if_match: str,
    *,
    by: int,
    by_name: str,
    client_id: str | None,
) -> TemplateView:
    try:
        weekdays = parse_weekdays(raw_weekdays)
    except RangeProblem as problem:
        raise bad_input(problem.problems) from None
    async with change(services.relay) as effects:
        await lock_instructor(instructor.id)
        current = await load_template(instructor)
        if if_match != current.version:
            raise template_refused(current, if_match)
        first = monday_of(today_in(instructor.tz))
        snapshots = await _weeks_with_snapshots(instructor, first)
        outside = await _bookings_the_template_would_lose(instructor, weekdays, first, snapshots)
        if outside:
            raise service.booked_range(outside, "The new weekly hours")
        await _write_template(instructor.id, weekdays)
        for monday in (first + timedelta(weeks=n) for n in range(ANNOUNCED_WEEKS)):
            if monday not in snapshots:
                view = await service.load_week(instructor, monday)
                await events.week_changed(effects, view, by=by, client_id=client_id)
        last = first + timedelta(weeks=ANNOUNCED_WEEKS, days=-1)
        await events.slots_changed(effects, instructor.id, first, last)
        saved = await load_template(instructor)
        await events.template_changed(effects, saved, by=by, by_name=by_name, client_id=client_id)
        return saved


async def _write_template(instructor_id: int, weekdays: Weekdays) -> None:
    payload = {str(index): [list(r) for r in ranges] for index, ranges in weekdays.items() if ranges}
    now = datetime.now(UTC)
    updated = (
        await WeeklyTemplate.update(
            {
                WeeklyTemplate.weekdays: payload,
                WeeklyTemplate.revision: WeeklyTemplate.revision + 1,
                WeeklyTemplate.updated_at: now,
            }
        )
        .where(WeeklyTemplate.instructor == instructor_id)
        .returning(WeeklyTemplate.id)
    )
    if not updated:
        await WeeklyTemplate.insert(
            WeeklyTemplate(instructor=instructor_id, weekdays=payload, revision=1, updated_at=now)
        )


async def drop_week_exception(
    services: Services, instructor: Instructor, week_start: date, if_match: str, *, by: int, client_id: str | None
) -> service.WeekView:
    """The week follows the template again (its bookings must still fit)."""
    async with service.refusals_in_feed(services, by, instructor.id, week_start), change(services.relay) as effects:
        await lock_instructor(instructor.id)
        current, bookings = await service.read_week(instructor, week_start)
        if if_match != current.version:
            raise service.stale(current, if_match)
        template = await load_template(instructor)
        days = week_from_weekdays(template.weekdays, week_start) if governs(instructor, week_start) else {}
        outside = service.bookings_outside(current, days, instructor.tz, bookings)
        if outside:
            raise service.booked_range(outside, "The weekly hours")
        await AvailabilityWeek.delete().where(
            (AvailabilityWeek.instructor == instructor.id) & (AvailabilityWeek.week_start == week_start)
        )
        view = await service.load_week(instructor, week_start)
        await events.week_saved(effects, view, by=by, client_id=client_id)
        return view

"""Instructor weeks: read with a version, replace atomically under optimistic concurrency, copy."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from app.accounts.tables import User
from app.availability import events, template
from app.availability.ranges import (
    RangeProblem,
    Week,
    covers,
    days_to_json,
    minutes_to_hhmm,
    parse_week_days,
    week_digest,
    week_from_weekdays,
    week_intervals_utc,
)
from app.availability.schemas import BookedOut, CollaboratorOut, RangeOut, WeekOut
from app.availability.tables import AvailabilityWeek, Collaborator
from app.bookings.live import live_bookings_between
from app.bookings.tables import Booking, BookingStatus
from app.core.db import json_value
from app.core.errors import ApiError, bad_input
from app.core.outbox import change
from app.core.parsing import WireFormatError, parse_date
from app.core.time import boundary_to_utc, to_iso, week_dates
from app.instructors.service import Instructor, find_instructor, lock_instructor
from app.services import Services


@dataclass(frozen=True)
class WeekView:
    instructor_id: int
    week_start: date
    timezone: str
    version: str
    days: Week
    booked: list[dict[str, Any]]
    last_modified: datetime
    # "week": a snapshot of its own (an exception); "template": it follows the weekly hours
    source: str = "week"

    def out(self) -> WeekOut:
        days = days_to_json(self.days, week_start=self.week_start)
        return WeekOut(
            instructor_id=self.instructor_id,
            week_start=self.week_start.isoformat(),
            timezone=self.timezone,
            version=self.version,
            days={d: [RangeOut(**r) for r in ranges] for d, ranges in days.items()},
            booked=[BookedOut(**entry) for entry in self.booked],
            source=self.source,
        )

    def to_json(self) -> dict[str, Any]:
        """The week as GET returns it, for event payloads and conflict bodies."""
        return msgspec.to_builtins(self.out())


async def is_editor(user_id: int, instructor_id: int) -> bool:
    if user_id == instructor_id:
        return True
    return await Collaborator.exists().where(
        (Collaborator.instructor == instructor_id) & (Collaborator.user == user_id)
    )


async def require_editor(user: Any, instructor_id: int) -> Instructor:
    instructor = await find_instructor(instructor_id)
    if not await is_editor(user.id, instructor_id):
        raise ApiError(403, "Only the instructor and its collaborators may see or edit this calendar", code="forbidden")
    return instructor


def parse_week_start(raw: str, key: str = "week_start") -> date:
    try:
        week_start = parse_date(raw)
    except WireFormatError as exc:
        raise bad_input([{"key": key, "message": str(exc)}]) from None
    if week_start.weekday() != 0:
        raise bad_input([{"key": key, "message": f"{raw} is not a Monday"}])
    return week_start


def week_span_utc(week_start: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return boundary_to_utc(week_start, 0, tz), boundary_to_utc(week_start + timedelta(days=7), 0, tz)


async def booked_entries(rows: list[dict[str, Any]], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Live bookings as a calendar shows them to its editors: when, and who takes which lesson."""
    if not rows:
        return []
    student, service = Booking.student.full_name.as_alias("student_name"), Booking.service.name.as_alias("service_name")
    query = Booking.select(Booking.id, student, service).where(Booking.id.is_in([r["id"] for r in rows]))
    names = {row["id"]: row for row in await query}
    return [booked_entry(row, tz, names.get(row["id"], {})) for row in rows]


def booked_entry(row: dict[str, Any], tz: ZoneInfo, names: dict[str, Any]) -> dict[str, Any]:
    start, end = row["start_at"].astimezone(tz), row["end_at"].astimezone(tz)
    end_minutes = end.hour * 60 + end.minute
    if end.date() > start.date() and end_minutes == 0:
        end_minutes = 1440
    return {
        "booking_id": row["id"],
        "date": start.date().isoformat(),
        "start": minutes_to_hhmm(start.hour * 60 + start.minute),
        "end": minutes_to_hhmm(end_minutes),
        "status": BookingStatus(row["status"]),
        # Unambiguous where the wall clock is not: a lesson across the fall-back hour.
        "start_at": to_iso(row["start_at"], tz),
        "end_at": to_iso(row["end_at"], tz),
        "student_name": names.get("student_name") or "",
        "service_name": names.get("service_name") or "",
    }


def stored_days(row: dict[str, Any] | None, week_start: date) -> Week:
    days: Week = {d: [] for d in week_dates(week_start)}
    if row:
        for key, ranges in json_value(row["days"]).items():
            days[date.fromisoformat(key)] = [tuple(r) for r in ranges]
    return days


async def load_week(instructor: Instructor, week_start: date) -> WeekView:
    return (await read_week(instructor, week_start))[0]


async def read_week(instructor: Instructor, week_start: date) -> tuple[WeekView, list[dict[str, Any]]]:
    """The week, and its live bookings (those starting on its days: a change checks its new ranges
    against them)."""
    tz = instructor.tz
    row = (
        await AvailabilityWeek.select(AvailabilityWeek.days, AvailabilityWeek.revision, AvailabilityWeek.updated_at)
        .where((AvailabilityWeek.instructor == instructor.id) & (AvailabilityWeek.week_start == week_start))
        .first()
    )
    days, revision, source = stored_days(row, week_start), str(row["revision"]) if row else "0", "week"
    changes = [row["updated_at"]] if row else [instructor.created_at]
    if row is None and template.governs(instructor, week_start):
        weekly = await template.load_template(instructor)
        days, revision, source = week_from_weekdays(weekly.weekdays, week_start), f"t{weekly.revision}", "template"
        changes += [weekly.updated_at] if weekly.updated_at else []
    span = await live_bookings_between(instructor.id, *week_span_utc(week_start, tz))
    bookings = [b for b in span if week_start <= b["start_at"].astimezone(tz).date() < week_start + timedelta(7)]
    booked = await booked_entries(bookings, tz)
    return _week_view(instructor, week_start, days, revision, booked, changes, bookings, source), bookings


def _week_view(
    instructor: Instructor,
    week_start: date,
    days: Week,
    revision: str | int,
    booked: list[dict[str, Any]],
    changes: list[datetime],
    bookings: list[dict[str, Any]],
    source: str = "week",
) -> WeekView:
    """`changes`: when the week's hours last changed (its own or the weekly hours it follows)."""
    return WeekView(
        instructor_id=instructor.id,
        week_start=week_start,
        timezone=instructor.timezone,
        version=f"{revision}.{week_digest(days, booked)}",
        days=days,
        booked=booked,
        last_modified=max(changes + [b["updated_at"] for b in bookings]),
        source=source,
    )


def parse_days(week_start: date, raw_days: Any) -> Week:
    try:
        return parse_week_days(week_start, raw_days)
    except RangeProblem as problem:
        raise bad_input(problem.problems) from None


def stale(current: WeekView, if_match: str, week_label: str = "") -> ApiError:
    return ApiError(
        409,
        f"The week{week_label} changed since you loaded it (now version {current.version}); reload and reapply",
        code="stale_version",
        body={"current": current.to_json()},
    )


def bookings_outside(current: WeekView, new_days: Week, tz: ZoneInfo, bookings: list[dict[str, Any]]) -> list[dict]:
    intervals = week_intervals_utc(new_days, tz)
    outside_ids = {b["id"] for b in bookings if not covers(intervals, b["start_at"], b["end_at"])}
    return [entry for entry in current.booked if entry["booking_id"] in outside_ids]


def booking_who(entry: dict[str, Any]) -> str:
    return ", ".join(part for part in (entry.get("student_name"), entry.get("service_name")) if part)


def booked_range(outside: list[dict[str, Any]], what: str) -> ApiError:
    names = ", ".join(
        f"#{b['booking_id']}{f' ({who})' if (who := booking_who(b)) else ''} on {b['date']} {b['start']}-{b['end']}"
        for b in outside
    )
    return ApiError(
        409, f"{what} would no longer contain booking {names}", code="booked_range", body={"bookings": outside}
    )


async def _write_week(instructor_id: int, week_start: date, days: Week) -> tuple[int, datetime]:
    """The week's own snapshot written; its new revision and when."""
    payload = {d.isoformat(): [list(r) for r in ranges] for d, ranges in days.items() if ranges}
    now = datetime.now(UTC)
    updated = (
        await AvailabilityWeek.update(
            {
                AvailabilityWeek.days: payload,
                AvailabilityWeek.revision: AvailabilityWeek.revision + 1,
                AvailabilityWeek.updated_at: now,
            }
        )
        .where((AvailabilityWeek.instructor == instructor_id) & (AvailabilityWeek.week_start == week_start))
        .returning(AvailabilityWeek.revision)
    )
    if updated:
        return updated[0]["revision"], now
    await AvailabilityWeek.insert(
        AvailabilityWeek(instructor=instructor_id, week_start=week_start, days=payload, revision=1, updated_at=now)
    )
    return 1, now


async def _save_checked(
    instructor: Instructor, week_start: date, days: Week, if_match: str, label: str = ""
) -> WeekView:
    """Inside the caller's transaction, with the instructor locked: the 409 checks, then the write. The
    week as saved: what `load_week` would now read, built from what the checks read."""
    current, bookings = await read_week(instructor, week_start)
    if if_match != current.version:
        raise stale(current, if_match, label)
    outside = bookings_outside(current, days, instructor.tz, bookings)
    if outside:
        raise booked_range(outside, f"The new ranges{label}")
    revision, saved_at = await _write_week(instructor.id, week_start, days)
    return _week_view(instructor, week_start, days, revision, current.booked, [saved_at], bookings)


def parse_if_match(header: str | None) -> str:
    if not header:
        raise ApiError(428, "Send If-Match with the version you loaded", code="if_match_required")
    return header.strip().removeprefix("W/").strip('"')


@asynccontextmanager
async def refusals_in_feed(services: Services, user_id: int, instructor_id: int, week_start: date):
    """A save refused by a conflict also stays in its author's feed."""
    try:
        yield
    except ApiError as refused:
        async with change(services.relay) as effects:
            await events.save_refused(effects, user_id, instructor_id, week_start, refused)
        raise


async def replace_week(
    services: Services,
    instructor: Instructor,
    week_start: date,
    raw_days: Any,
    if_match: str,
    *,
    by: int,
    client_id: str | None,
) -> WeekView:
    days = parse_days(week_start, raw_days)
    async with refusals_in_feed(services, by, instructor.id, week_start), change(services.relay) as effects:
        await lock_instructor(instructor.id)
        view = await _save_checked(instructor, week_start, days, if_match)
        await events.week_saved(effects, view, by=by, client_id=client_id)
    return view


# Half a year of weeks: what a "repeat this week" needs, and a bound on one request's work.
MAX_COPY_TARGETS = 26


async def copy_week(
    services: Services, instructor: Instructor, week_start: date, targets: Any, *, by: int, client_id: str | None
) -> list[WeekView]:
    if not isinstance(targets, dict) or not targets:
        raise bad_input([{"key": "to", "message": "Name each target week_start with the version you loaded"}])
    if len(targets) > MAX_COPY_TARGETS:
        raise bad_input([{"key": "to", "message": f"At most {MAX_COPY_TARGETS} target weeks at once"}])
    parsed: dict[date, str] = {}
    problems = []
    for raw, version in targets.items():
        try:
            target = parse_week_start(raw, key=f"to.{raw}")
        except ApiError as exc:
            problems.extend(exc.extra)
            continue
        if target == week_start:
            problems.append({"key": f"to.{raw}", "message": "Cannot copy a week onto itself"})
        elif not isinstance(version, str):
            problems.append({"key": f"to.{raw}", "message": "The version must be a string"})
        else:
            parsed[target] = version
    if problems:
        raise bad_input(problems)
    async with refusals_in_feed(services, by, instructor.id, week_start), change(services.relay) as effects:
        await lock_instructor(instructor.id)
        source = await load_week(instructor, week_start)
        views = []
        for target, version in sorted(parsed.items()):
            shift = target - week_start
            days = {d + shift: ranges for d, ranges in source.days.items()}
            views.append(await _save_checked(instructor, target, days, version, f" {target.isoformat()}"))
        for view in views:
            await events.week_saved(effects, view, by=by, client_id=client_id)
    return views


# ---- collaborators ---------------------------------------------------------------


async def collaborators_of(instructor_id: int) -> list[CollaboratorOut]:
    rows = (
        await Collaborator.select(Collaborator.user.id, Collaborator.user.email, Collaborator.user.full_name)
        .where(Collaborator.instructor == instructor_id)
        .order_by(Collaborator.id)
    )
    return [CollaboratorOut(r["user.id"], r["user.email"], r["user.full_name"]) for r in rows]


async def add_collaborator(instructor_id: int, email: str) -> CollaboratorOut:
    """Idempotent: adding someone who already collaborates (a retry, a double click, a concurrent
    add) answers with the same collaborator, as the first add did."""
    # An instructor must learn whether the person can be added, so an unknown email gets 404
    # `no_account`; what keeps that from being an account-lookup oracle is the per-instructor
    # hourly limit (accounts.limits.AccountLookupLimiter) and an answer holding nothing the
    # collaborator list would not show anyway. README "Architecture" (security notes) says why.
    user = await User.select(User.id, User.email, User.full_name).where(User.email == email.strip().lower()).first()
    if user is None:
        raise ApiError(404, "No account has this email: ask them to sign up, then add them", code="no_account")
    if user["id"] == instructor_id:
        raise bad_input([{"key": "email", "message": "You already edit your own calendar"}])
    await Collaborator.insert(
        Collaborator(instructor=instructor_id, user=user["id"], created_at=datetime.now(UTC))
    ).on_conflict(action="DO NOTHING")
    return CollaboratorOut(user["id"], user["email"], user["full_name"])


async def remove_collaborator(services: Services, instructor_id: int, user_id: int) -> None:
    async with change(services.relay) as effects:
        deleted = (
            await Collaborator.delete()
            .where((Collaborator.instructor == instructor_id) & (Collaborator.user == user_id))
            .returning(Collaborator.id)
        )
        if not deleted:
            raise ApiError(404, f"User {user_id} is not a collaborator", code="not_found")
        await events.calendar_access_ended(effects, int(user_id), instructor_id)

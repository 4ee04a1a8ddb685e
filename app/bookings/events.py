"""What a booking change tells others, recorded in the change's transaction (the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.availability import events as availability_events
from app.availability.service import load_week
from app.core.outbox import Effects
from app.core.time import monday_of
from app.instructors.service import Instructor
from app.notifications.service import notify


async def booking_changed(effects: Effects, instructor: Instructor, booking: dict[str, Any], *, by: int | None) -> None:
    """Watchers of the slots and editors of the week see it at once."""
    local_day = booking["start_at"].astimezone(instructor.tz).date()
    await availability_events.slots_changed(effects, instructor.id, local_day, local_day)
    view = await load_week(instructor, monday_of(local_day))
    await availability_events.week_changed(effects, view, by=by, client_id=None, booking_id=booking["id"])


def _when(at: datetime, tz_name: str) -> str:
    """The app's one way to say a time in a sentence: 'Mon Dec 14, 10:00 AM EST' in the reader's zone."""
    local = at.astimezone(ZoneInfo(tz_name))
    return f"{local:%a %b} {local.day}, {local.hour % 12 or 12}:{local:%M %p} {local.tzname()}"


def _length(booking: dict[str, Any]) -> str:
    minutes = round((booking["end_at"] - booking["start_at"]).total_seconds() / 60)
    return f"{minutes}-minute"


def _links(instructor: Instructor, booking: dict[str, Any]) -> dict[str, Any]:
    """The ids a client needs to open the lesson or its week."""
    local_day = booking["start_at"].astimezone(instructor.tz).date()
    return {
        "booking_id": booking["id"],
        "instructor_id": instructor.id,
        "week_start": monday_of(local_day).isoformat(),
        "start": booking["start_at"].isoformat(),
    }


async def notify_booked(effects: Effects, instructor: Instructor, booking: dict[str, Any]) -> None:
    """`booking` carries the parties' names (service.with_parties); each party reads it in its own zone."""
    student, teacher, lesson = booking["student_name"], booking["instructor_name"], booking["service_name"]
    length, links = _length(booking), _links(instructor, booking)
    await notify(
        effects, instructor.id, "booking.created", f"{student} booked {lesson}",
        f"{student} booked a {length} {lesson} lesson on {_when(booking['start_at'], instructor.timezone)}.", links,
    )  # fmt: skip
    await notify(
        effects, booking["student"], "booking.created", f"{lesson} with {teacher} is booked",
        f"You booked a {length} {lesson} lesson with {teacher} on "
        f"{_when(booking['start_at'], booking['student_timezone'])}.", links,
    )  # fmt: skip


async def notify_rescheduled(
    effects: Effects, instructor: Instructor, booking: dict[str, Any], old_start: datetime, by: int
) -> None:
    """Both parties read it, each in its own zone; `booking` carries the parties' names."""
    lesson, length = booking["service_name"], _length(booking)
    mover = booking["instructor_name"] if by == instructor.id else booking["student_name"]
    readers = (
        (booking["student"], booking["student_timezone"], booking["instructor_name"]),
        (instructor.id, instructor.timezone, booking["student_name"]),
    )
    data = {**_links(instructor, booking), "previous_start": old_start.isoformat(), "rescheduled_by": by}
    for reader, tz, other in readers:
        who = "You" if reader == by else mover
        body = (
            f"{who} moved the {length} {lesson} lesson with {other} from {_when(old_start, tz)} "
            f"to {_when(booking['start_at'], tz)}."
        )
        await notify(effects, reader, "booking.rescheduled", f"{lesson} with {other} moved", body, data)


async def notify_cancelled(
    effects: Effects, instructor: Instructor, booking: dict[str, Any], by: int, outcome: str
) -> None:
    """The other party reads it, in its own timezone; `outcome` says what the policy did."""
    by_instructor = by == booking["instructor"]
    reader, reader_tz = (
        (booking["student"], booking["student_timezone"]) if by_instructor else (instructor.id, instructor.timezone)
    )
    who = booking["instructor_name"] if by_instructor else booking["student_name"]
    lesson = booking["service_name"]
    title = f"{who} cancelled your {lesson} lesson" if by_instructor else f"{who} cancelled {lesson}"
    body = f"The {_length(booking)} {lesson} lesson on {_when(booking['start_at'], reader_tz)} was cancelled. {outcome}"
    data = {**_links(instructor, booking), "outcome": booking["cancel_outcome"], "cancelled_by": by}
    await notify(effects, reader, "booking.cancelled", title, body, data)


async def notify_unpaid_cancelled(
    effects: Effects, instructor: Instructor, booking: dict[str, Any], outcome: str
) -> None:
    """Both parties read it: nobody cancelled, the card could not be authorized in time."""
    lesson, length = booking["service_name"], _length(booking)
    readers = (
        (booking["student"], booking["student_timezone"], booking["instructor_name"]),
        (instructor.id, instructor.timezone, booking["student_name"]),
    )
    data = {**_links(instructor, booking), "outcome": booking["cancel_outcome"], "cancelled_by": None}
    for reader, tz, other in readers:
        body = f"The {length} {lesson} lesson with {other} on {_when(booking['start_at'], tz)} was cancelled. {outcome}"
        await notify(
            effects, reader, "booking.cancelled", f"{lesson} with {other} cancelled: payment failed", body, data
        )

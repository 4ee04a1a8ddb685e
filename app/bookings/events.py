"""What a booking change tells others, recorded in the change's transaction (the outbox)."""

from __future__ import annotations

from typing import Any

from app.availability import events as availability_events
from app.availability.service import Instructor, load_week
from app.core.outbox import Effects
from app.core.time import monday_of
from app.notifications.service import notify


async def booking_changed(effects: Effects, instructor: Instructor, booking: dict[str, Any], *, by: int | None) -> None:
    """Watchers of the slots and editors of the week see it at once."""
    local_day = booking["start_at"].astimezone(instructor.tz).date()
    await availability_events.slots_changed(effects, instructor.id, local_day, local_day)
    view = await load_week(instructor, monday_of(local_day))
    await availability_events.week_changed(effects, view, by=by, client_id=None, booking_id=booking["id"])


def _when(instructor: Instructor, booking: dict[str, Any]) -> str:
    return booking["start_at"].astimezone(instructor.tz).strftime("%a %b %d, %H:%M")


async def notify_booked(effects: Effects, instructor: Instructor, booking: dict[str, Any]) -> None:
    await notify(
        effects, instructor.id, "booking.created", "New booking",
        f"A lesson was booked for {_when(instructor, booking)} ({instructor.timezone})",
        {"booking_id": booking["id"], "start": booking["start_at"].isoformat()},
    )  # fmt: skip


async def notify_cancelled(effects: Effects, instructor: Instructor, booking: dict[str, Any], by: int) -> None:
    other = booking["student"] if by == booking["instructor"] else booking["instructor"]
    await notify(
        effects, other, "booking.cancelled", "Booking cancelled",
        f"The lesson on {_when(instructor, booking)} ({instructor.timezone}) was cancelled",
        {"booking_id": booking["id"], "outcome": booking["cancel_outcome"], "cancelled_by": by},
    )  # fmt: skip

"""What a booking change tells others, after its transaction committed."""

from __future__ import annotations

from typing import Any

from app.availability import events as availability_events
from app.availability.service import Instructor, load_week
from app.core.time import monday_of
from app.notifications.service import notify


async def booking_changed(hub: Any, instructor: Instructor, booking: dict[str, Any], *, by: int | None) -> None:
    """Watchers of the slots and editors of the week see it at once."""
    local_day = booking["start_at"].astimezone(instructor.tz).date()
    await availability_events.slots_changed(hub, instructor.id, local_day, local_day)
    view = await load_week(instructor, monday_of(local_day))
    await availability_events.week_changed(hub, view, by=by, client_id=None, booking_id=booking["id"])


def _when(instructor: Instructor, booking: dict[str, Any]) -> str:
    return booking["start_at"].astimezone(instructor.tz).strftime("%a %b %d, %H:%M")


async def notify_booked(hub: Any, instructor: Instructor, booking: dict[str, Any]) -> None:
    await notify(
        hub, instructor.id, "booking.created", "New booking",
        f"A lesson was booked for {_when(instructor, booking)} ({instructor.timezone})",
        {"booking_id": booking["id"], "start": booking["start_at"].isoformat()},
    )  # fmt: skip


async def notify_cancelled(hub: Any, instructor: Instructor, booking: dict[str, Any], by: int) -> None:
    other = booking["student"] if by == booking["instructor"] else booking["instructor"]
    await notify(
        hub, other, "booking.cancelled", "Booking cancelled",
        f"The lesson on {_when(instructor, booking)} ({instructor.timezone}) was cancelled",
        {"booking_id": booking["id"], "outcome": booking["cancel_outcome"], "cancelled_by": by},
    )  # fmt: skip

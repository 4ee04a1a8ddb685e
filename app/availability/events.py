"""What availability changes tell the realtime channels, after their transaction committed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.availability.service import WeekView


def calendar_channel(instructor_id: int, week_start: date) -> str:
    return f"calendar:{instructor_id}:{week_start.isoformat()}"


def slots_channel(instructor_id: int) -> str:
    return f"slots:{instructor_id}"


async def week_changed(
    hub: Any, view: WeekView, *, by: int | None, client_id: str | None, booking_id: int | None = None
) -> None:
    channel = calendar_channel(view.instructor_id, view.week_start)
    await hub.publish(channel, "availability.updated", {**view.to_json(), "by": by, "client_id": client_id})
    conflict: dict[str, Any] = {"version": view.version, "by": by, "client_id": client_id}
    if booking_id is not None:
        conflict["booking_id"] = booking_id
    await hub.publish_live(channel, "conflict", conflict)


async def slots_changed(hub: Any, instructor_id: int, first: date, last: date) -> None:
    await hub.publish(
        slots_channel(instructor_id), "slots.changed", {"start": first.isoformat(), "end": last.isoformat()}
    )


async def week_saved(hub: Any, view: WeekView, *, by: int, client_id: str | None) -> None:
    await week_changed(hub, view, by=by, client_id=client_id)
    await slots_changed(hub, view.instructor_id, view.week_start, view.week_start + timedelta(days=6))

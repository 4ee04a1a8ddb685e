"""What availability changes tell others: recorded in the change's transaction (the outbox),
relayed after its commit; and what a refused save leaves in its author's feed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from app.core.errors import ApiError
from app.core.outbox import Effects
from app.notifications.service import notify, unread_exists
from app.waitlist.hooks import check_waitlist_after

if TYPE_CHECKING:
    from app.availability.service import WeekView
    from app.availability.template import TemplateView


def calendar_channel(instructor_id: int, week_start: date) -> str:
    return f"calendar:{instructor_id}:{week_start.isoformat()}"


def template_channel(instructor_id: int) -> str:
    # Under the calendar's name, so it is read and revoked exactly as the calendar's weeks are.
    return f"calendar:{instructor_id}:template"


def slots_channel(instructor_id: int) -> str:
    return f"slots:{instructor_id}"


async def week_changed(
    effects: Effects, view: WeekView, *, by: int | None, client_id: str | None, booking_id: int | None = None
) -> None:
    channel = calendar_channel(view.instructor_id, view.week_start)
    await effects.event(channel, "availability.updated", {**view.to_json(), "by": by, "client_id": client_id})
    conflict: dict[str, Any] = {"version": view.version, "by": by, "client_id": client_id}
    if booking_id is not None:
        conflict["booking_id"] = booking_id
    await effects.live(channel, "conflict", conflict)


CONFLICTS = ("stale_version", "booked_range")


async def save_refused(effects: Effects, user_id: int, instructor_id: int, week_start: date, refused: ApiError) -> None:
    """A save refused by a conflict stays in its author's feed: one unread notice per week, however
    many retries."""
    if refused.code not in CONFLICTS:
        return
    week = date.fromisoformat(refused.body.get("current", {}).get("week_start", week_start.isoformat()))
    about = {"instructor_id": instructor_id, "week_start": week.isoformat()}
    if await unread_exists(user_id, "calendar.conflict", about):
        return
    title = f"Your changes to the week of {week:%b} {week.day} were not saved"
    await notify(effects, user_id, "calendar.conflict", title, refused.detail, {**about, "code": refused.code})


async def slots_changed(effects: Effects, instructor_id: int, first: date, last: date) -> None:
    await effects.event(
        slots_channel(instructor_id), "slots.changed", {"start": first.isoformat(), "end": last.isoformat()}
    )
    await check_waitlist_after(effects, instructor_id, first, last)


async def template_changed(
    effects: Effects, saved: TemplateView, *, by: int, by_name: str, client_id: str | None
) -> None:
    """The weekly-hours screens of the calendar's editors get the new hours and who saved them."""
    data = {**saved.to_json(), "by": by, "by_name": by_name, "client_id": client_id}
    await effects.event(template_channel(saved.instructor_id), "template.updated", data)


async def week_saved(effects: Effects, view: WeekView, *, by: int, client_id: str | None) -> None:
    await week_changed(effects, view, by=by, client_id=client_id)
    await slots_changed(effects, view.instructor_id, view.week_start, view.week_start + timedelta(days=6))


async def calendar_access_ended(effects: Effects, user_id: int, instructor_id: int) -> None:
    """A removed collaborator's live subscriptions (the weeks and the weekly hours) end at once, in
    every process."""
    await effects.control({"kind": "access", "user_id": user_id, "channel_prefix": f"calendar:{instructor_id}:"})

"""The one hook availability changes call (app.availability.events.slots_changed: a week saved or
copied, the weekly hours changed, a booking made, cancelled, released or moved): when a student
waits on this instructor around those dates, the change records a check of the waitlist."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from app.core.outbox import Effects
from app.core.time import now
from app.waitlist.tables import WaitlistEntry

CHECK_WAITLIST = "check_waitlist"


async def check_waitlist_after(effects: Effects, instructor_id: int, first: date, last: date) -> None:
    # A day's margin either side: the dates are the instructor's local ones.
    start = datetime.combine(first - timedelta(days=1), time(), UTC)
    end = datetime.combine(last + timedelta(days=2), time(), UTC)
    waiting = await WaitlistEntry.exists().where(
        (WaitlistEntry.instructor == instructor_id)
        & (WaitlistEntry.window_end > max(start, now()))
        & (WaitlistEntry.window_start < end)
    )
    if waiting:
        # Every change gets its own check (a shared id would be refused while an earlier one is kept).
        await effects.job(CHECK_WAITLIST, instructor_id, job_id=f"waitlist:{instructor_id}:{uuid.uuid4().hex}")

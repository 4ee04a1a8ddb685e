"""The waitlist: a student asks to be told when an instructor has an opening of a given length in a
window. Each change that may open slots records a check (app.waitlist.hooks); the check compares
every waiting entry of that instructor with the open slots now, and an entry whose window shows a
start it did not know of gets `waitlist.slot_open` (at most once an hour; one held back is checked
again when its hour is up)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.bookings.events import _when
from app.core.errors import ApiError, bad_input
from app.core.outbox import Effects, change
from app.core.parsing import WireFormatError, parse_instant
from app.core.time import monday_of, to_iso
from app.core.time import now as clock_now
from app.instructors.service import Instructor, find_instructor
from app.notifications.service import notify
from app.services import Services
from app.waitlist.hooks import CHECK_WAITLIST
from app.waitlist.openings import inside, open_slots_by_length
from app.waitlist.schemas import WaitlistEntryOut, WaitlistJoin
from app.waitlist.tables import WaitlistEntry

MAX_WINDOW = timedelta(days=14)
MAX_WAITING = 50
AT_MOST_EVERY = timedelta(hours=1)


def entry_out(row: dict[str, Any], tz: ZoneInfo) -> WaitlistEntryOut:
    return WaitlistEntryOut(
        id=row["id"],
        instructor_id=row["instructor"],
        start=to_iso(row["window_start"], tz),
        end=to_iso(row["window_end"], tz),
        duration_minutes=row["duration_minutes"],
    )


def _window(data: WaitlistJoin, now: datetime) -> tuple[datetime, datetime]:
    problems, times = [], {}
    for key in ("start", "end"):
        try:
            times[key] = parse_instant(getattr(data, key))
        except WireFormatError as exc:
            problems.append({"key": key, "message": str(exc)})
    if not problems:
        start, end = times["start"], times["end"]
        if end <= start:
            problems.append({"key": "end", "message": "Must be after start"})
        elif end - start > MAX_WINDOW:
            problems.append({"key": "end", "message": "The window is at most 14 days long"})
        elif end - start < timedelta(minutes=data.duration_minutes):
            problems.append({"key": "duration_minutes", "message": "Longer than the window"})
        if start <= now:
            problems.append({"key": "start", "message": "Must be in the future"})
    if problems:
        raise bad_input(problems)
    return times["start"], times["end"]


async def _open_starts(instructor: Instructor, start: datetime, end: datetime, length: int) -> list[datetime]:
    tz = instructor.tz
    slots = await open_slots_by_length(
        instructor, start.astimezone(tz).date(), end.astimezone(tz).date(), {length}, clock_now()
    )
    return [s for s, _ in inside(slots[length], start, end)]


async def join(student_id: int, instructor_id: int, data: WaitlistJoin) -> WaitlistEntryOut:
    """Slots already open when the student joins are not news: only later openings are told."""
    start, end = _window(data, clock_now())
    instructor = await find_instructor(instructor_id)
    waiting = await WaitlistEntry.count().where(
        (WaitlistEntry.student == student_id) & (WaitlistEntry.window_end > clock_now())
    )
    if waiting >= MAX_WAITING:
        raise ApiError(409, f"At most {MAX_WAITING} waitlist entries at once", code="too_many_waitlist_entries")
    known = await _open_starts(instructor, start, end, data.duration_minutes)
    rows = await WaitlistEntry.insert(
        WaitlistEntry(
            student=student_id, instructor=instructor_id, window_start=start, window_end=end,
            duration_minutes=data.duration_minutes, known_open=known, created_at=clock_now(),
        )
    ).returning(*WaitlistEntry.all_columns())  # fmt: skip
    return entry_out(rows[0], instructor.tz)


async def entries_of(student_id: int) -> list[WaitlistEntryOut]:
    """The student's entries whose window has not ended, soonest first, in each instructor's zone."""
    rows = (
        await WaitlistEntry.select(*WaitlistEntry.all_columns(), WaitlistEntry.instructor.timezone.as_alias("tz"))
        .where((WaitlistEntry.student == student_id) & (WaitlistEntry.window_end > clock_now()))
        .order_by(WaitlistEntry.window_start)
    )
    return [entry_out(row, ZoneInfo(row["tz"])) for row in rows]


async def leave(student_id: int, entry_id: int) -> None:
    deleted = (
        await WaitlistEntry.delete()
        .where((WaitlistEntry.id == entry_id) & (WaitlistEntry.student == student_id))
        .returning(WaitlistEntry.id)
    )
    if not deleted:
        raise ApiError(404, f"No waitlist entry with id {entry_id}", code="not_found")


async def check_waitlist(services: Services, instructor_id: int) -> int:
    """The worker's: every waiting entry of the instructor against its open slots; returns how many
    students were told. Safe to run twice or at once: entries are locked and compared again."""
    now = clock_now()
    waiting = await WaitlistEntry.select().where(
        (WaitlistEntry.instructor == instructor_id) & (WaitlistEntry.window_end > now)
    )
    if not waiting:
        return 0
    instructor = await find_instructor(instructor_id)
    tz = instructor.tz
    first = min(e["window_start"] for e in waiting).astimezone(tz).date()
    last = max(e["window_end"] for e in waiting).astimezone(tz).date()
    slots = await open_slots_by_length(instructor, first, last, {e["duration_minutes"] for e in waiting}, now)
    told = 0
    async with change(services.relay) as effects:
        locked = await WaitlistEntry.raw(
            "SELECT w.*, u.timezone AS student_timezone FROM waitlist_entries w JOIN users u ON u.id = w.student "
            "WHERE w.id = ANY({}) ORDER BY w.id FOR UPDATE OF w",
            [e["id"] for e in waiting],
        )
        for entry in locked:
            open_now = inside(slots[entry["duration_minutes"]], entry["window_start"], entry["window_end"])
            told += await _compare(services, effects, instructor, entry, open_now, now)
    return told


async def _compare(
    services: Services, effects: Effects, instructor: Instructor, entry: dict[str, Any], open_now: list, now: datetime
) -> int:
    known = set(entry["known_open"] or [])
    news = [(s, e) for s, e in open_now if s not in known]
    last = entry["last_notified_at"]
    due = last is None or now - last >= AT_MOST_EVERY
    if news and due:
        await _tell(effects, instructor, entry, news)
        await _remember(entry["id"], [s for s, _ in open_now], now)
        return 1
    # Starts that closed are forgotten, so their reopening is news again.
    still_known = [s for s, _ in open_now if s in known]
    if set(still_known) != known:
        await _remember(entry["id"], still_known, last)
    if news:
        job_id = services.job_id("waitlist", entry["id"], "after", int(last.timestamp()))
        await effects.job(CHECK_WAITLIST, instructor.id, job_id=job_id, defer_until=last + AT_MOST_EVERY)
    return 0


async def _remember(entry_id: int, known: list[datetime], notified_at: datetime | None) -> None:
    await WaitlistEntry.update({WaitlistEntry.known_open: known, WaitlistEntry.last_notified_at: notified_at}).where(
        WaitlistEntry.id == entry_id
    )


async def _tell(effects: Effects, instructor: Instructor, entry: dict[str, Any], news: list) -> None:
    start, end = news[0]
    length = entry["duration_minutes"]
    when = _when(start, entry["student_timezone"])
    more = f" ({len(news) - 1} more in your window)" if len(news) > 1 else ""
    body = f"{instructor.full_name} has a {length}-minute opening on {when}{more}. Book it before someone else does."
    data = {
        "waitlist_entry_id": entry["id"],
        "instructor_id": instructor.id,
        "start": to_iso(start, instructor.tz),
        "end": to_iso(end, instructor.tz),
        "duration_minutes": length,
        "week_start": monday_of(start.astimezone(instructor.tz).date()).isoformat(),
    }
    await notify(effects, entry["student"], "waitlist.slot_open", f"{instructor.full_name} has an opening", body, data)

"""Time helpers: every wall-clock ↔ instant conversion of the project goes through here.

Availability is wall-clock in the instructor's zone. Across DST a local time that does not
exist is skipped, a repeated one means its first occurrence (fold=0), lessons last elapsed time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

_ONE_SECOND = timedelta(seconds=1)
# Where a test stopped this process's clock; None: the wall clock plus the shared offset.
_stopped_at: datetime | None = None
# TEST_CLOCK=1: how far an admin moved the one shared clock ahead (app/clock/service.py keeps this
# process's copy fresh from Redis); always zero otherwise.
_offset = timedelta(0)
# Files of the system zone database that name this machine's setting or no zone, not an IANA zone.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _iana_zones() -> frozenset[str]:
    # Canonical IANA names and their links (US/Eastern, Asia/Calcutta: browsers still report some
    # of these, with the same rules); never the right/ (leap-second) and posix/ copies, which
    # available_timezones() leaves out.
    return frozenset(available_timezones()) - _NOT_ZONES


def is_valid_timezone(name: str) -> bool:
    return isinstance(name, str) and name in _iana_zones()


def _wall(day: date, minute_of_day: int) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(minutes=minute_of_day)


def _offsets(wall: datetime, tz: ZoneInfo) -> tuple[timedelta, timedelta]:
    aware = wall.replace(tzinfo=tz)
    return aware.utcoffset(), aware.replace(fold=1).utcoffset()


def _is_gap(first: timedelta, second: timedelta) -> bool:
    # PEP 495: in a gap fold=0 reads the old, smaller offset; in a fold it reads the larger one.
    return first < second


def local_to_utc(day: date, minute_of_day: int, tz: ZoneInfo) -> datetime | None:
    wall = _wall(day, minute_of_day)
    first, second = _offsets(wall, tz)
    if _is_gap(first, second):
        return None
    return (wall - first).replace(tzinfo=UTC)


def boundary_to_utc(day: date, minute_of_day: int, tz: ZoneInfo) -> datetime:
    wall = _wall(day, minute_of_day)
    first, second = _offsets(wall, tz)
    if _is_gap(first, second):
        return _transition_within_gap(wall, tz, first)
    return (wall - first).replace(tzinfo=UTC)


@lru_cache(maxsize=4096)
def steady_offset(day: date, tz: ZoneInfo) -> timedelta | None:
    # Zones never change offset and change back within one day, so equal offsets (both folds)
    # at both midnights mean no transition on that local day. Cached: slots ask it per day per instructor.
    offsets = {*_offsets(_wall(day, 0), tz), *_offsets(_wall(day, 1440), tz)}
    return offsets.pop() if len(offsets) == 1 else None


def _transition_within_gap(wall: datetime, tz: ZoneInfo, old: timedelta) -> datetime:
    # Read with the new offset the gap's wall time is an instant before the transition, with
    # the old one an instant after it: bisect between them down to the second.
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    after = (wall - old).replace(tzinfo=UTC)
    while after - before > _ONE_SECOND:
        middle = (before + (after - before) / 2).replace(microsecond=0)
        if middle.astimezone(tz).utcoffset() == old:
            before = middle
        else:
            after = middle
    return after


def now() -> datetime:
    """The current instant for booking and payment rules: the one clock a test clock can move."""
    return _stopped_at or datetime.now(UTC) + _offset


def set_clock(at: datetime | None) -> None:
    """In-process tests only: now() reads `at` until moved again; None: the running clock again."""
    global _stopped_at
    _stopped_at = None if at is None else _require_aware(at).astimezone(UTC)


def set_clock_offset(seconds: float) -> None:
    """TEST_CLOCK: now() runs this far ahead of the wall clock (never set otherwise)."""
    global _offset
    _offset = timedelta(seconds=seconds)


def monday_of(d: date) -> date:
    return d - timedelta(days=d.weekday())


def week_dates(week_start: date) -> list[date]:
    return [week_start + timedelta(days=i) for i in range(7)]


def today_in(tz: ZoneInfo, now_utc: datetime | None = None) -> date:
    now = datetime.now(UTC) if now_utc is None else _require_aware(now_utc)
    return now.astimezone(tz).date()


def to_iso(dt_utc: datetime, tz: ZoneInfo) -> str:
    return _require_aware(dt_utc).astimezone(tz).isoformat(timespec="seconds")


@lru_cache(maxsize=16384)
def slot_time_iso(at: datetime, tz: ZoneInfo) -> str:
    """As to_iso, for open slots' times: they lie on a 15-minute grid over the weeks ahead, so the same
    few thousand recur in every answer, and formatting one (~3 µs) costs more than looking it up."""
    return to_iso(at, tz)


def _require_aware(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("a time with an offset (or Z) is required")
    return dt

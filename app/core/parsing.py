"""Strict parsers for what the wire carries: ASCII digits in exactly the formats API.md gives.

Python's own parsers are lenient past the contract (`int()` takes Arabic-Indic digits, `"²".isdigit()`,
`date.fromisoformat("2026-W50")`, a trailing NUL or newline), so every date, time, instant and
id a client sends goes through here. Each parser raises `WireFormatError` with a message that
can be shown to the client next to the field's key.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

# The dates the platform deals in: far enough from year 1 and 9999 that week, slot-window and
# time-zone arithmetic can never overflow.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)
MAX_ID = 2**31 - 1
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME_OF_DAY = re.compile(r"([0-9]{2}):([0-9]{2})")
_INSTANT = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_ID = re.compile(r"[1-9][0-9]{0,9}")
_UINT = re.compile(r"0|[1-9][0-9]{0,8}")


class WireFormatError(ValueError):
    pass


def parse_date(raw: object) -> date:
    if not isinstance(raw, str) or not _DATE.fullmatch(raw):
        raise WireFormatError("must be a date written YYYY-MM-DD")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise WireFormatError(f"{raw} is not a date in the calendar") from None
    _require_in_range(value)
    return value


def parse_instant(raw: object) -> datetime:
    """An ISO 8601 time with an offset or Z, as an aware UTC datetime."""
    match = _INSTANT.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise WireFormatError("must be an ISO 8601 time with an offset, e.g. 2026-11-23T09:00:00-05:00")
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))  # type: ignore[union-attr]
    except ValueError:
        raise WireFormatError(f"{raw} is not a real time") from None
    _require_in_range(value.date())
    return value.astimezone(UTC)


def parse_minute_of_day(raw: object) -> int:
    """`HH:MM` as minutes after midnight, up to 24:59: the caller bounds it (24:00 ends a day)."""
    match = _TIME_OF_DAY.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise WireFormatError("must be a time written HH:MM")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24:
        raise WireFormatError(f"{raw} is not a time of day")
    return hours * 60 + minutes


def parse_id(raw: object) -> int:
    """A positive id below 2^31, written in canonical decimal."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and _ID.fullmatch(raw):
        value = int(raw)
    else:
        raise WireFormatError(f"must be a whole number from 1 to {MAX_ID}")
    if not 1 <= value <= MAX_ID:
        raise WireFormatError(f"must be a whole number from 1 to {MAX_ID}")
    return value


def parse_count(raw: object, *, low: int, high: int) -> int:
    """A whole number within [low, high], written in canonical decimal."""
    if not isinstance(raw, str) or not _UINT.fullmatch(raw) or not low <= int(raw) <= high:
        raise WireFormatError(f"must be a whole number from {low} to {high}")
    return int(raw)


def _require_in_range(value: date) -> None:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise WireFormatError(f"must lie between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}")

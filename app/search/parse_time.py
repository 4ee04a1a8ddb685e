"""When: a window in the searcher's time zone read from "this weekend", "tomorrow evening", "after 6pm on
weekdays", "next Tuesday morning", "today". Days end at local midnight, so a window across a DST change
is as long as the clocks make it. Rules chosen where English is loose:
- "<weekday>" / "this <weekday>" is the next such day, today included; "next <weekday>" is that day
  in next week (weeks start on Monday, as calendars here do).
- "this weekend" on a Saturday is today and tomorrow, on a Sunday today; "next weekend" is read as
  nothing (people mean either of two weekends).
- Recurring times ("on weekdays", "mornings", "after 6pm") hold over the next HORIZON_DAYS days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core.time import boundary_to_utc
from app.search.query_text import QueryText

HORIZON_DAYS = 14
DAY = 1440
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Whole names only: "sat" is the SAT, "sun" the sun.
_WEEKDAY = r"(?P<wd>monday|tues(?:day)?|wednesday|weds|thurs(?:day)?|friday|saturday|sunday)"
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = (
    r"(?P<mo>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_THIS = r"(?:(?:this|on|this\s+coming|coming)\s+)?"
PARTS = {"morning": (360, 720), "afternoon": (720, 1020), "evening": (1020, 1320), "night": (1080, DAY)}


@dataclass(frozen=True)
class TimeWindow:
    """Slots must lie inside [start, end); when set, also on one of `weekdays` (Monday 0) and within
    [day_from, day_until) minutes of the local day, in the searcher's zone."""

    start: datetime
    end: datetime
    weekdays: frozenset[int] | None = None
    day_from: int | None = None
    day_until: int | None = None

    @property
    def is_recurring(self) -> bool:
        return self.weekdays is not None or self.day_from is not None


@dataclass(frozen=True)
class _Days:
    first: date | None = None  # a run of dates...
    last: date | None = None
    weekdays: frozenset[int] | None = None  # ...or days of the week over the horizon


def _weekday_index(match: re.Match[str]) -> int:
    return next(i for i, name in enumerate(WEEKDAYS) if name.startswith(match["wd"].lower()[:3]))


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.I)


# Day words, each read as a function of today and the match.
_DAY_WORDS: list[tuple[re.Pattern[str], object]] = [
    (_compile(r"(?:the\s+)?day\s+after\s+tomorrow"), lambda t, m: _one(t + timedelta(days=2))),
    (_compile(r"tomorrow|tmrw|tmr"), lambda t, m: _one(t + timedelta(days=1))),
    (_compile(r"today"), lambda t, m: _one(t)),
    (_compile(r"(?:(?:this|on\s+the|over\s+the)\s+)?weekend"), lambda t, m: _this_weekend(t)),
    (_compile(r"(?:on\s+|during\s+the\s+)?weekdays?|during\s+the\s+week"), lambda t, m: _every(*range(5))),
    (_compile(r"(?:on\s+)?weekends"), lambda t, m: _every(5, 6)),
    (_compile(r"this\s+week"), lambda t, m: _Days(t, t + timedelta(days=6 - t.weekday()))),
    (_compile(r"next\s+week"), lambda t, m: _Days(_next_monday(t), _next_monday(t) + timedelta(days=6))),
    (_compile(rf"next\s+{_WEEKDAY}"), lambda t, m: _one(_next_monday(t) + timedelta(days=_weekday_index(m)))),
    (_compile(rf"{_THIS}{_WEEKDAY}s"), lambda t, m: _every(_weekday_index(m))),
    (_compile(rf"{_THIS}{_WEEKDAY}"), lambda t, m: _one(_coming(t, _weekday_index(m)))),
    (_compile(rf"(?:on\s+)?{_MONTH}\.?\s+(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?"), lambda t, m: _on_date(t, m)),
    (
        _compile(rf"(?:on\s+)?(?:the\s+)?(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}"),
        lambda t, m: _on_date(t, m),
    ),
]
# Words that name a day and a part of it at once.
_TODAY_PARTS = _compile(r"tonight|this\s+(?P<part>morning|afternoon|evening)")
# "next weekend" is claimed and read as nothing (see the module's rules).
_UNREADABLE = _compile(r"next\s+weekend")

_CLOCK = (
    r"(?:(?P<{n}h>[0-9]{{1,2}})(?::(?P<{n}m>[0-5][0-9]))?\s*(?P<{n}ap>[ap]\.?m\.?)?"
    r"|(?P<{n}noon>noon|midday|midnight))"
)
_PART_WORDS = _compile(r"(?:in\s+the\s+|early\s+|late\s+)?(?P<part>morning|afternoon|evening|night)s?")
_AFTER = _compile(r"(?:after|from|past|later\s+than)\s+" + _CLOCK.format(n="a"))
_BEFORE = _compile(r"(?:before|until|till|by|earlier\s+than)\s+" + _CLOCK.format(n="a"))
_BETWEEN = _compile(
    r"(?:between\s+|from\s+)?" + _CLOCK.format(n="a") + r"\s*(?:and|to|-|\u2013|until|till)\s*" + _CLOCK.format(n="b")
)
_AT = _compile(r"(?:at|around|@)\s+" + _CLOCK.format(n="a"))
_AFTER_SCHOOL = _compile(r"after\s+(?P<what>school|work)")


def _one(day: date) -> _Days:
    return _Days(day, day)


def _every(*weekdays: int) -> _Days:
    return _Days(weekdays=frozenset(weekdays))


def _next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def _coming(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _this_weekend(today: date) -> _Days:
    if today.weekday() == 6:
        return _Days(today, today)
    saturday = _coming(today, 5)
    return _Days(saturday, saturday + timedelta(days=1))


def _on_date(today: date, match: re.Match[str]) -> _Days | None:
    month = MONTHS.index(match["mo"].lower()[:3]) + 1
    for year in (today.year, today.year + 1):
        try:
            day = date(year, month, int(match["d"]))
        except ValueError:
            return None
        if day >= today:
            return _one(day)
    return None


def _minute(match: re.Match[str], n: str, fallback_ap: str | None = None) -> int | None:
    """Minutes after midnight of a clock time; None when it names no time (a bare "6")."""
    if match[f"{n}noon"]:
        return DAY if match[f"{n}noon"].lower() == "midnight" else 720
    hour, minute, ap = int(match[f"{n}h"]), int(match[f"{n}m"] or 0), match[f"{n}ap"] or fallback_ap
    if ap:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ap.lower().startswith("p") else 0)
    elif match[f"{n}m"] is None or hour > 24 or (hour == 24 and minute):
        return None
    return hour * 60 + minute


def _between(match: re.Match[str]) -> tuple[int, int] | None:
    if match["anoon"] is None and match["bnoon"] is None and not (match["aap"] or match["bap"] or match["am"]):
        return None  # "2-3", "10 to 12": a count, not clock times
    end = _minute(match, "b", match["aap"])
    start = _minute(match, "a", match["bap"])
    if start is not None and end is not None and start >= end and match["aap"] is None and start >= 720:
        start -= 720  # "from 10 to 2pm": ten in the morning
    if start is None or end is None or start >= end:
        return None
    return start, end


def _read_hours(query: QueryText) -> list[tuple[int, int, frozenset[int] | None]]:
    found: list[tuple[int, int, frozenset[int] | None]] = []
    for match in query.free_matches(_AFTER_SCHOOL):
        query.claim(*match.span())
        found.append((900 if match["what"].lower() == "school" else 1020, DAY, frozenset(range(5))))
    for pattern, read in (
        (_BETWEEN, _between),
        (_AFTER, lambda m: (a, DAY) if (a := _minute(m, "a")) is not None and a < DAY else None),
        (_BEFORE, lambda m: (0, a) if (a := _minute(m, "a")) else None),
        (_AT, lambda m: (a, a + 60) if (a := _minute(m, "a")) is not None and a < DAY - 60 else None),
    ):
        for match in query.free_matches(pattern):
            hours = read(match)
            if hours:
                query.claim(*match.span())
                found.append((*hours, None))
    for match in query.free_matches(_PART_WORDS):
        query.claim(*match.span())
        found.append((*PARTS[match["part"].lower()], None))
    return found


def _read_days(query: QueryText, today: date) -> list[_Days | None]:
    found: list[_Days | None] = []
    for match in query.free_matches(_UNREADABLE):
        query.claim(*match.span())
        found.append(None)
    for pattern, read in _DAY_WORDS:
        for match in query.free_matches(pattern):
            query.claim(*match.span())
            found.append(read(today, match))  # type: ignore[operator]
    return found


def read_window(query: QueryText, today: date, tz: ZoneInfo) -> TimeWindow | None:
    """`today`: the searcher's date in `tz`. None when no time is named, or when what is named cannot be
    one window."""
    days: list[_Days | None] = []
    hours: list[tuple[int, int, frozenset[int] | None]] = []
    for match in query.free_matches(_TODAY_PARTS):
        query.claim(*match.span())
        days.append(_one(today))
        hours.append((*PARTS[(match["part"] or "night").lower()], None) if match["part"] else (1020, DAY, None))
    hours += _read_hours(query)
    days += _read_days(query, today)
    if len(days) > 1 and all(d is not None and d.weekdays is not None for d in days):
        days = [_Days(weekdays=frozenset().union(*(d.weekdays for d in days)))]  # "mondays and wednesdays"
    if len(set(days)) > 1 or len(set(hours)) > 1 or None in days:
        return None
    if not days and not hours:
        return None
    when = days[0] if days else _Days()
    day_from, day_until, school_days = hours[0] if hours else (None, None, None)
    if school_days is not None:
        if when.weekdays is not None and when.weekdays != school_days:
            return None
        if when.first is None:
            when = _Days(weekdays=school_days)
    return _window(when, day_from, day_until, today, tz)


def _at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    return boundary_to_utc(day, minute, tz).astimezone(tz)


def _window(when: _Days, day_from: int | None, day_until: int | None, today: date, tz: ZoneInfo) -> TimeWindow:
    if when.first is not None and when.last is not None:
        if day_from is None or day_until is None:
            return TimeWindow(_at(when.first, 0, tz), _at(when.last, DAY, tz))
        start, end = _at(when.first, day_from, tz), _at(when.last, day_until, tz)
        if when.first == when.last:
            return TimeWindow(start, end)
        return TimeWindow(start, end, day_from=day_from, day_until=day_until)
    return TimeWindow(
        _at(today, 0, tz), _at(today + timedelta(days=HORIZON_DAYS), 0, tz), when.weekdays, day_from, day_until
    )

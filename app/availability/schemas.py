from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from app.bookings.tables import BookingStatus
from app.core.params import DATE_PATTERN

WeekDate = Annotated[str, msgspec.Meta(pattern=DATE_PATTERN, extra_json_schema={"format": "date"})]
Version = Annotated[str, msgspec.Meta(max_length=200)]
START_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
END_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"
# Documentation only: app.availability.ranges validates `days` so every problem is named with its date and index.
DAYS_SCHEMA = {
    "type": "object",
    "maxProperties": 7,
    "propertyNames": {"pattern": DATE_PATTERN, "format": "date"},
    "additionalProperties": {
        "type": "array",
        "maxItems": 96,
        "items": {
            "type": "object",
            "required": ["start", "end"],
            "additionalProperties": False,
            "properties": {
                "start": {"type": "string", "pattern": START_TIME, "examples": ["09:00"]},
                "end": {"type": "string", "pattern": END_TIME, "examples": ["12:00"]},
            },
        },
    },
    "description": "Each date of the week (YYYY-MM-DD) with its half-open HH:MM ranges; dates left out are emptied",
}


WEEKDAYS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        day: DAYS_SCHEMA["additionalProperties"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
    "description": "Each weekday's half-open HH:MM ranges (the instructor's wall clock); weekdays left out are empty",
}


class TemplateReplace(msgspec.Struct, forbid_unknown_fields=True):
    # Validated by app.availability.ranges so every problem is named with its weekday and index.
    weekdays: Annotated[Any, msgspec.Meta(extra_json_schema=WEEKDAYS_SCHEMA)]


class WeekReplace(msgspec.Struct, forbid_unknown_fields=True):
    days: Annotated[Any, msgspec.Meta(extra_json_schema=DAYS_SCHEMA)]


class WeekCopy(msgspec.Struct, forbid_unknown_fields=True):
    # Each target week_start (a Monday) with the version the client loaded; at most 26 targets.
    to: Annotated[dict[WeekDate, Version], msgspec.Meta(min_length=1, max_length=26)]


class CollaboratorAdd(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]


class CollaboratorOut(msgspec.Struct):
    user_id: int
    email: str
    full_name: str


StartTime = Annotated[str, msgspec.Meta(pattern=START_TIME, examples=["09:00"])]
EndTime = Annotated[str, msgspec.Meta(pattern=END_TIME, examples=["12:00"])]


class RangeOut(msgspec.Struct):
    start: StartTime
    end: EndTime


class BookedOut(msgspec.Struct):
    """A live booking or hold in the week, in the instructor's wall-clock time; `start_at`/`end_at`
    are unambiguous where the wall clock is not (a lesson across the fall-back hour). Only the
    calendar's editors see it, so it names the student and the lesson."""

    booking_id: int
    date: WeekDate
    start: StartTime
    end: EndTime
    status: BookingStatus
    start_at: str
    end_at: str
    student_name: str
    service_name: str


class WeekOut(msgspec.Struct):
    instructor_id: int
    week_start: WeekDate
    timezone: str
    # Opaque: changes whenever anything in this body changes, and on every accepted save.
    version: str
    # All seven dates of the week, each with its ranges sorted (an empty day as []).
    days: dict[WeekDate, list[RangeOut]]
    booked: list[BookedOut]
    # "week": the week has a snapshot of its own; "template": it follows the weekly hours
    source: Literal["week", "template"] = "week"


class WeeksOut(msgspec.Struct):
    weeks: list[WeekOut]


class TemplateOut(msgspec.Struct):
    instructor_id: int
    timezone: str
    version: str
    weekdays: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[RangeOut]]


class TemplateConflict(msgspec.Struct):
    """`stale_version` carries `current` (the template), `booked_range` the `bookings` of following weeks in the way."""

    status_code: int
    detail: str
    code: str
    current: TemplateOut | msgspec.UnsetType = msgspec.UNSET
    bookings: list[BookedOut] | msgspec.UnsetType = msgspec.UNSET


class WeekConflict(msgspec.Struct):
    """`stale_version` carries `current` (the week as GET returns it), `booked_range` the `bookings` in the way."""

    status_code: int
    detail: str
    code: str
    current: WeekOut | msgspec.UnsetType = msgspec.UNSET
    bookings: list[BookedOut] | msgspec.UnsetType = msgspec.UNSET


class Slot(msgspec.Struct):
    start: str
    end: str


class OpenSlots(msgspec.Struct):
    instructor_id: int
    timezone: str
    duration: int
    slots: list[Slot]

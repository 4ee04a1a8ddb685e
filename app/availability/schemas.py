from __future__ import annotations

from typing import Annotated, Any

import msgspec

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


class WeekReplace(msgspec.Struct, forbid_unknown_fields=True):
    days: Annotated[Any, msgspec.Meta(extra_json_schema=DAYS_SCHEMA)]


class WeekCopy(msgspec.Struct, forbid_unknown_fields=True):
    # Each target week_start (a Monday) with the version the client loaded; at most 26 targets.
    to: Annotated[dict[WeekDate, Version], msgspec.Meta(min_length=1, max_length=26)]


class AvailabilitySettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    # The bounds of service.SETTING_BOUNDS.
    min_notice_minutes: Annotated[int, msgspec.Meta(ge=0, le=14 * 1440)] | msgspec.UnsetType = msgspec.UNSET
    buffer_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] | msgspec.UnsetType = msgspec.UNSET
    hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=60)] | msgspec.UnsetType = msgspec.UNSET

    def given(self) -> dict[str, int]:
        return {f: v for f in self.__struct_fields__ if (v := getattr(self, f)) is not msgspec.UNSET}


class CollaboratorAdd(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]


class Slot(msgspec.Struct):
    start: str
    end: str


class OpenSlots(msgspec.Struct):
    instructor_id: int
    timezone: str
    duration: int
    slots: list[Slot]

from __future__ import annotations

from typing import Any

import msgspec


class WeekReplace(msgspec.Struct, forbid_unknown_fields=True):
    # Validated by app.availability.ranges so every problem is named with its date and index.
    days: Any


class WeekCopy(msgspec.Struct, forbid_unknown_fields=True):
    to: Any


class AvailabilitySettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    min_notice_minutes: int | msgspec.UnsetType = msgspec.UNSET
    buffer_minutes: int | msgspec.UnsetType = msgspec.UNSET
    hold_minutes: int | msgspec.UnsetType = msgspec.UNSET

    def given(self) -> dict[str, int]:
        return {f: v for f in self.__struct_fields__ if (v := getattr(self, f)) is not msgspec.UNSET}


class CollaboratorAdd(msgspec.Struct, forbid_unknown_fields=True):
    email: str


class Slot(msgspec.Struct):
    start: str
    end: str


class OpenSlots(msgspec.Struct):
    instructor_id: int
    timezone: str
    duration: int
    slots: list[Slot]

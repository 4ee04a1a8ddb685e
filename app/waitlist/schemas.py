from __future__ import annotations

from typing import Annotated

import msgspec

from app.core.params import LessonMinutesField

Instant = Annotated[str, msgspec.Meta(max_length=40, examples=["2026-11-23T09:00:00-05:00"])]


class WaitlistJoin(msgspec.Struct, forbid_unknown_fields=True):
    start: Instant
    end: Instant
    duration_minutes: LessonMinutesField


class WaitlistEntryOut(msgspec.Struct):
    id: int
    instructor_id: int
    start: str
    end: str
    duration_minutes: int

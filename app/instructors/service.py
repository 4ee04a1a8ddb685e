"""Instructors: who is one, the lock that serializes an instructor's calendar changes, and the
settings every booking and slot computation reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.accounts.tables import User
from app.core.db import upsert
from app.core.errors import ApiError, bad_input
from app.instructors.tables import AvailabilitySettings


@dataclass(frozen=True)
class Instructor:
    id: int
    full_name: str
    timezone: str
    created_at: datetime

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


async def find_instructor(instructor_id: int) -> Instructor:
    row = (
        await User.select(User.id, User.full_name, User.timezone, User.created_at)
        .where((User.id == instructor_id) & (User.role == "instructor"))
        .first()
    )
    if row is None:
        raise ApiError(404, f"No instructor with id {instructor_id}", code="not_found")
    return Instructor(**row)


async def instructor_exists(instructor_id: int) -> bool:
    return await User.exists().where((User.id == instructor_id) & (User.role == "instructor"))


async def lock_instructor(instructor_id: int) -> None:
    """Serializes week saves and bookings of one instructor (transaction-scoped)."""
    await User.raw("SELECT pg_advisory_xact_lock({})", instructor_id)


DEFAULT_SETTINGS = {"min_notice_minutes": 120, "buffer_minutes": 0, "hold_minutes": 10}
SETTING_BOUNDS = {"min_notice_minutes": (0, 14 * 1440), "buffer_minutes": (0, 240), "hold_minutes": (1, 60)}


async def settings_of(instructor_id: int) -> dict[str, int]:
    row = (
        await AvailabilitySettings.select(
            AvailabilitySettings.min_notice_minutes,
            AvailabilitySettings.buffer_minutes,
            AvailabilitySettings.hold_minutes,
        )
        .where(AvailabilitySettings.instructor == instructor_id)
        .first()
    )
    return row or dict(DEFAULT_SETTINGS)


async def update_settings(instructor_id: int, data: dict[str, Any]) -> dict[str, int]:
    problems = []
    for key, value in data.items():
        low, high = SETTING_BOUNDS[key]
        if not low <= value <= high:
            problems.append({"key": key, "message": f"Must be between {low} and {high}"})
    if problems:
        raise bad_input(problems)
    merged = {**await settings_of(instructor_id), **data}
    await upsert(
        AvailabilitySettings,
        {AvailabilitySettings.instructor: instructor_id},
        {getattr(AvailabilitySettings, k): v for k, v in merged.items()},
    )
    return merged

"""Who may read each channel kind: the features' rules, handed to the realtime hub at start-up."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.availability.service import instructor_exists, is_editor
from realtime.channels import ChannelRule, UnknownChannel


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 12 else None


def _monday(text: str) -> bool:
    try:
        return date.fromisoformat(text).weekday() == 0 and len(text) == 10
    except ValueError:
        return False


async def may_edit_calendar(user: Any, parts: list[str]) -> bool:
    instructor_id = _int(parts[0])
    if user is None or instructor_id is None or not _monday(parts[1]):
        return False
    return await is_editor(user.id, instructor_id)


async def anyone_for_a_real_instructor(user: Any, parts: list[str]) -> bool:
    # Anyone may watch; a channel of nobody is unknown, so made-up names cost no Redis keys.
    instructor_id = _int(parts[0])
    if instructor_id is None or not await instructor_exists(instructor_id):
        raise UnknownChannel(f"slots:{parts[0]}")
    return True


async def only_that_user(user: Any, parts: list[str]) -> bool:
    return user is not None and _int(parts[0]) == user.id


def channel_rules() -> list[ChannelRule]:
    return [
        ChannelRule("calendar", parts=2, may_read=may_edit_calendar, presence=True),
        ChannelRule("slots", parts=1, may_read=anyone_for_a_real_instructor),
        ChannelRule("notifications", parts=1, may_read=only_that_user),
    ]

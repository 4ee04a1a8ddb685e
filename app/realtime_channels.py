"""Who may read each channel kind: the features' rules, handed to the realtime hub at start-up.

Names are parsed by realtime.channels (one spelling per channel) before any rule runs, so the
rules below get canonical ids and dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.availability.service import is_editor
from app.core.parsing import FIRST_DATE, LAST_DATE
from app.instructors.service import instructor_exists
from realtime.channels import ChannelRule, UnknownChannel, canonical_date, canonical_id


def week_start(text: str) -> date:
    # A week is named by its Monday; any other day is a malformed name, not a refusal.
    day = canonical_date(text)
    if not FIRST_DATE <= day <= LAST_DATE:
        raise UnknownChannel(f"{text} is outside {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}")
    if day.weekday() != 0:
        raise UnknownChannel(f"{text} is not a Monday: a calendar channel is named by its week's Monday")
    return day


def week_or_template(text: str) -> date | str:
    # `calendar:{id}:template` carries the weekly hours to the same editors, and a removed
    # collaborator loses it with the weeks (the revocation ends every `calendar:{id}:` channel).
    return "template" if text == "template" else week_start(text)


async def may_edit_calendar(user: Any, parts: tuple[int, date | str]) -> bool:
    instructor_id, _ = parts
    return user is not None and await is_editor(user.id, instructor_id)


class SlotWatching:
    """Anyone may watch an instructor's slots; a channel of nobody is unknown, so made-up names cost
    no Redis keys. An instructor stays one, so each process asks the database once per instructor
    (a reconnect storm would otherwise ask once per socket)."""

    KNOWN_LIMIT = 100_000

    def __init__(self) -> None:
        self.known: set[int] = set()

    async def may_read(self, user: Any, parts: tuple[int]) -> bool:
        (instructor_id,) = parts
        if instructor_id in self.known:
            return True
        if not await instructor_exists(instructor_id):
            raise UnknownChannel(f"no instructor has id {instructor_id}")
        if len(self.known) < self.KNOWN_LIMIT:
            self.known.add(instructor_id)
        return True


async def only_that_user(user: Any, parts: tuple[int]) -> bool:
    return user is not None and parts[0] == user.id


def channel_rules() -> list[ChannelRule]:
    return [
        ChannelRule("calendar", (canonical_id, week_or_template), may_read=may_edit_calendar, presence=True),
        ChannelRule("slots", (canonical_id,), may_read=SlotWatching().may_read),
        ChannelRule("notifications", (canonical_id,), may_read=only_that_user),
    ]

"""Channel names and who may read them. Features hand the hub one rule per channel kind at start-up.

Every channel has exactly one spelling: each part of a name is parsed by its rule's part parser,
which accepts only the canonical form (ids in canonical decimal, dates `YYYY-MM-DD`, ASCII
only). Any other spelling is unknown before anything is looked up or created for it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from realtime.protocol import MAX_CHANNEL_LENGTH, shown

MAX_ID = 2**31 - 1

_ID = re.compile(r"[1-9][0-9]{0,9}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

# may_read(user or None, the name's parsed parts after the kind) -> bool
MayRead = Callable[[Any, tuple[Any, ...]], Awaitable[bool]]
# Parses one part of a name, raising UnknownChannel(why) for any non-canonical spelling.
PartParser = Callable[[str], Any]


class UnknownChannel(ValueError):
    """No channel has this name; the message says why and is shown to the client."""


def canonical_id(text: str) -> int:
    if not _ID.fullmatch(text) or int(text) > MAX_ID:
        raise UnknownChannel(f"{shown(text)} is not an id: ids are written 1 to {MAX_ID}, no leading zeros")
    return int(text)


def canonical_date(text: str) -> date:
    if not _DATE.fullmatch(text):
        raise UnknownChannel(f"{shown(text)} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UnknownChannel(f"{shown(text)} is not a date in the calendar") from None


@dataclass(frozen=True)
class ChannelRule:
    kind: str
    parts: tuple[PartParser, ...]
    may_read: MayRead
    # Editors on a channel of this kind are listed in `presence` events.
    presence: bool = False

    def parse(self, rest: str) -> tuple[Any, ...]:
        texts = rest.split(":")
        if len(texts) != len(self.parts):
            raise UnknownChannel(f"a {self.kind} channel has {len(self.parts)} part(s) after '{self.kind}:'")
        return tuple(parse(text) for parse, text in zip(self.parts, texts, strict=True))


@dataclass(frozen=True)
class Channels:
    rules: dict[str, ChannelRule]

    def rule_for(self, channel: str) -> tuple[ChannelRule, tuple[Any, ...]]:
        # The longest real name is `calendar:2147483647:2026-11-23`; longer is never a channel.
        if len(channel) > MAX_CHANNEL_LENGTH:
            raise UnknownChannel(f"no channel name is longer than {MAX_CHANNEL_LENGTH} characters")
        kind, _, rest = channel.partition(":")
        rule = self.rules.get(kind)
        if rule is None:
            raise UnknownChannel(f"no channel kind {shown(kind)}; kinds are {', '.join(sorted(self.rules))}")
        return rule, rule.parse(rest)

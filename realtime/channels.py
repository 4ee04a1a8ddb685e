"""Channel names and who may read them. Features hand the hub one rule per channel kind at start-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

# may_read(user or None, the name's parts after the kind) -> bool
MayRead = Callable[[Any, list[str]], Awaitable[bool]]


@dataclass(frozen=True)
class ChannelRule:
    kind: str
    parts: int
    may_read: MayRead
    # Editors on a channel of this kind are listed in `presence` events.
    presence: bool = False


class UnknownChannel(ValueError):
    pass


@dataclass(frozen=True)
class Channels:
    rules: dict[str, ChannelRule]

    def rule_for(self, channel: str) -> tuple[ChannelRule, list[str]]:
        kind, _, rest = channel.partition(":")
        rule = self.rules.get(kind)
        parts = rest.split(":") if rest else []
        if rule is None or len(parts) != rule.parts or not all(parts):
            raise UnknownChannel(channel)
        return rule, parts

    async def may_read(self, user: Any, channel: str) -> bool:
        rule, parts = self.rule_for(channel)
        return await rule.may_read(user, parts)

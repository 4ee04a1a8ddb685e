"""Whole numbers in paths and query strings: canonical ASCII decimal within bounds, nothing else.

Litestar parses `{id:int}` path segments with Python's `int()` (which takes Arabic-Indic digits, `+15`, ` 15`,
`1_5`) and msgspec's lax query conversion takes `15.0` and `1e1`. A route declares `Id`,
`PageSize` or `LessonMinutes` instead (with its path segment typed `:str`): one class both
validates the raw string and documents the parameter (app.core.openapi renders it).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

import msgspec

MAX_ID = 2**31 - 1
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# ISO 8601 with an offset or Z, seconds and up to 6 fraction digits optional (app.core.parsing reads it).
INSTANT_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]"
    r"(:[0-5][0-9](\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_CANONICAL = re.compile(r"0|[1-9][0-9]{0,9}")


class WholeNumber(int):
    low: ClassVar[int]
    high: ClassVar[int]
    step: ClassVar[int] = 1

    @classmethod
    def rule(cls) -> str:
        every = f" in steps of {cls.step}" if cls.step > 1 else ""
        return f"must be a whole number from {cls.low} to {cls.high}{every}, in ASCII digits"

    @classmethod
    def decode(cls, raw: Any) -> WholeNumber:
        # A default arrives as an int; everything a client sends, as a string.
        if isinstance(raw, str) and _CANONICAL.fullmatch(raw):
            raw = int(raw)
        if type(raw) is int and cls.low <= raw <= cls.high and raw % cls.step == 0:
            return cls(raw)
        raise ValueError(cls.rule())


def whole_number(name: str, low: int, high: int, step: int = 1) -> type[WholeNumber]:
    return type(name, (WholeNumber,), {"low": low, "high": high, "step": step, "__module__": __name__})


Id = whole_number("Id", 1, MAX_ID)
PageSize = whole_number("PageSize", 1, 100)  # notifications.service.MAX_PAGE
LessonMinutes = whole_number("LessonMinutes", 15, 240, 15)

# The same bounds in JSON bodies, whose strict decoding (app.core.requests) already refuses "15" and 15.0.
IdField = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
LessonMinutesField = Annotated[int, msgspec.Meta(ge=15, le=240, multiple_of=15)]


def is_whole_number(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, WholeNumber)


# Litestar's `type_decoders`: how a raw path or query string becomes one of these.
DECODERS = [(is_whole_number, lambda cls, raw: cls.decode(raw))]

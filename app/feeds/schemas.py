from __future__ import annotations

import msgspec


class CalendarFeedOut(msgspec.Struct):
    url: str

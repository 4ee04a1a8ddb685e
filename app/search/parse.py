"""Free text → search filters, as pure functions (no I/O): service, age and age group, place, maximum
hourly price, a time window in the searcher's zone and online, plus the words left over. What is
unclear yields no filter rather than a wrong one: two services, two places, "80s music", "piano bar".

Readers claim the words they understand in this order, so each word feeds one filter: prices
("under $80" before "80" could read as anything else), ages, times, online, places, services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.places import Place
from app.search.parse_age import read_age
from app.search.parse_place import read_place
from app.search.parse_price import read_max_price
from app.search.parse_service import read_service
from app.search.parse_time import TimeWindow, read_window
from app.search.query_text import QueryText

MAX_QUERY_LENGTH = 200
_ONLINE = re.compile(
    r"(?<![\w-])(?:online|virtual(?:ly)?|remote(?:ly)?|(?:over|via|on|by|through)\s+(?:zoom|skype|facetime|google\s+meet|video)"
    r"|zoom|skype|facetime|video\s+(?:call|chat|lessons?)s?)(?![\w-])",
    re.I,
)
_NOT = re.compile(r"\b(?:not|no|without|never)\s+$", re.I)


@dataclass(frozen=True)
class Understood:
    service: str | None = None  # a slug
    age_group: str | None = None
    age: int | None = None
    place: Place | None = None
    max_price_cents: int | None = None
    window: TimeWindow | None = None
    online: bool | None = None
    text_left: str = ""
    # Where each reading came from: (reader, spans of the text) for "max_price", "age", "window",
    # "online", "place" and "service", each span claimed by that reader alone.
    sources: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()

    def spans_of(self, reader: str) -> tuple[tuple[int, int], ...]:
        return next((spans for name, spans in self.sources if name == reader), ())


def read_online(query: QueryText) -> bool | None:
    found = None
    for match in query.free_matches(_ONLINE):
        if _NOT.search(query.text, 0, match.start()):
            continue  # "not online": not a filter we have
        query.claim(*match.span())
        found = True
    return found


def understand(text: str, *, now: datetime, tz: ZoneInfo, catalog: tuple[tuple[str, str], ...]) -> Understood:
    """`catalog`: (slug, name) of every service; `now` any aware instant, read in `tz`."""
    return _understood(text[:MAX_QUERY_LENGTH], now.astimezone(tz).date(), tz, catalog)


# Reading is pure and costs ~0.2 ms of CPU; the same searches come back (the next page, a shared link).
@lru_cache(maxsize=1024)
def _understood(text: str, today: date, tz: ZoneInfo, catalog: tuple[tuple[str, str], ...]) -> Understood:
    query = QueryText(text)
    sources: list[tuple[str, tuple[tuple[int, int], ...]]] = []

    def read(name: str, reader, *args):
        claimed = len(query.claimed)
        value = reader(query, *args)
        sources.append((name, query.claims_since(claimed)))
        return value

    max_price_cents = read("max_price", read_max_price)
    age, age_group = read("age", read_age)
    window = read("window", read_window, today, tz)
    online = read("online", read_online)
    place = read("place", read_place)
    service = read("service", read_service, catalog)
    return Understood(
        service=service,
        age_group=age_group,
        age=age,
        place=place,
        max_price_cents=max_price_cents,
        window=window,
        online=online,
        text_left=query.left_over(),
        sources=tuple(sources),
    )

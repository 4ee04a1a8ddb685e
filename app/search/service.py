"""Search (API.md "Discovery"): filters from the text and the query string, ranked live instructors
from SQL, and for a whole page at once their next open slots, ratings and pictures. With a time
window only instructors with an open slot inside it are results: candidates are read in sort order a
chunk at a time and kept when their batch of slots has one."""

from __future__ import annotations

import math
from datetime import timedelta
from zoneinfo import ZoneInfo

from app.availability.open_slots_batch import DailyHours, SlotAsk, slots_of_many
from app.availability.slots import Interval
from app.catalog.schemas import ServiceSummary
from app.core.db import one_connection
from app.core.time import now as clock_now
from app.core.time import slot_time_iso
from app.media.service import pictures_at_versions
from app.places import Place
from app.search.cursor import Position, decode, encode, search_fingerprint
from app.search.filters import Filters, SearchAsk, resolve
from app.search.parse import Understood
from app.search.parse_time import WEEKDAYS
from app.search.query import Candidate, candidates
from app.search.schemas import (
    PlaceOut,
    Rating,
    ResultInstructor,
    SearchResult,
    SearchResults,
    TimesOut,
    UnderstoodOut,
)
from app.services import Services

NEXT_SLOTS = 3
NEXT_SLOT_DAYS = 14
# With a time window: candidates read (with their availability) per round of SQL at most (see
# `_next_part`), and at most this many per request (a page may then come back short, with a cursor to
# read on).
CHUNK = 120
SCAN_BUDGET = 240

Page = tuple[list[Candidate], Position | None, dict[int, list[Interval]]]


async def search(services: Services, ask: SearchAsk, user_timezone: str | None) -> SearchResults:
    # The catalog, the candidates and their availability on one connection, of the search's own pool.
    async with one_connection(services.engine, services.search_pool):
        filters, heard = await resolve(ask, user_timezone, services.service_names)
        fingerprint = search_fingerprint({**ask.fingerprint_parts(), "tz": str(filters.tz)})
        after = decode(ask.cursor, fingerprint) if ask.cursor is not None else None
        page, next_position, slots = await find_page(filters, after, ask.limit)
    understood = understood_out(heard)
    return SearchResults(
        understood=understood,
        understood_from=understood_from(heard, understood),
        results=await results_of(services, page, slots),
        next_cursor=encode(next_position, fingerprint) if next_position else None,
    )


async def find_page(filters: Filters, after: Position | None, limit: int) -> Page:
    """A page of candidates in sort order, each with its next open slots, read with their availability
    in one statement. With a time window only those with a slot inside it: read a part at a time, as
    many as the rate found so far asks for."""
    now = clock_now()
    if filters.window is None:
        start, end = now, now + timedelta(days=NEXT_SLOT_DAYS)
        rows = await candidates(filters, after, limit + 1, (start, end, now))
        page = rows[:limit]
        return page, page[-1].position if len(rows) > limit else None, _slots_of(page, start, end)
    window, daily = filters.window, daily_hours(filters)
    found: list[Candidate] = []
    slots: dict[int, list[Interval]] = {}
    position, scanned = after, 0
    while scanned < SCAN_BUDGET:
        size = min(SCAN_BUDGET - scanned, _next_part(limit + 1 - len(found), len(found), scanned))
        rows = await candidates(filters, position, size, (window.start, window.end, now))
        part_slots = _slots_of(rows, window.start, window.end, daily)
        for row in rows:
            scanned, position = scanned + 1, row.position
            if part_slots[row.instructor_id]:
                found.append(row)
                slots[row.instructor_id] = part_slots[row.instructor_id]
                if len(found) > limit:
                    return found[:limit], found[limit - 1].position, slots
        if len(rows) < size:
            return found, None, slots
    return found, position, slots


def _next_part(wanted: int, found: int, scanned: int) -> int:
    """Candidates to read for `wanted` more results: three times that at first (in the windows people
    search, a third or more of the instructors have a slot), then twice what the rate found so far asks
    for, at most CHUNK."""
    if scanned == 0:
        return 3 * wanted
    if found == 0:
        return CHUNK
    return min(CHUNK, math.ceil(wanted * scanned / found * 2))


def _slots_of(rows: list[Candidate], start, end, daily=None) -> dict[int, list[Interval]]:
    """The next open slots in [start, end) of candidates read with their availability."""
    asks = [SlotAsk(row.instructor_id, row.timezone, min(row.durations_minutes)) for row in rows]
    stored = {row.instructor_id: row.availability for row in rows if row.availability is not None}
    return slots_of_many(asks, stored, start, end, limit=NEXT_SLOTS, daily=daily)


def daily_hours(filters: Filters) -> DailyHours | None:
    """A recurring window's days of the week and hours of the day, in the searcher's zone."""
    window = filters.window
    if window is None or not window.is_recurring:
        return None
    day_until = window.day_until if window.day_until is not None else 1440
    return DailyHours(filters.tz, window.weekdays, window.day_from or 0, day_until)


async def results_of(services: Services, page: list[Candidate], slots: dict[int, list[Interval]]) -> list[SearchResult]:
    versions = {row.instructor_id: row.picture_version for row in page if row.picture_version is not None}
    pictures = await pictures_at_versions(services, [row.instructor_id for row in page], versions)
    return [
        SearchResult(
            instructor=ResultInstructor(
                id=row.instructor_id, full_name=row.full_name, headline=row.headline,
                picture=pictures.get(row.instructor_id),
            ),
            service=ServiceSummary(row.service_id, row.service_slug, row.service_name),
            hourly_rate_cents=row.hourly_rate_cents,
            distance_miles=round(row.distance_miles, 2) if row.distance_miles is not None else None,
            rating=Rating(
                average=round(row.rating_sum / row.review_count, 2) if row.review_count else None,
                count=row.review_count,
            ),
            next_slots=[slot_time_iso(start, ZoneInfo(row.timezone)) for start, _ in slots.get(row.instructor_id, [])],
        )
        for row in page
    ]  # fmt: skip


def place_out(place: Place) -> PlaceOut:
    kind, name = (
        ("zip", place.zip) if place.zip
        else ("neighborhood", place.neighborhood) if place.neighborhood
        else ("borough", place.borough)
    )  # fmt: skip
    return PlaceOut(kind=kind, name=name or "", borough=place.borough, lat=place.lat, lng=place.lng)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def understood_out(heard: Understood | None) -> UnderstoodOut:
    if heard is None:
        return UnderstoodOut()
    window = heard.window
    times = None
    if window is not None and window.is_recurring:
        times = TimesOut(
            weekdays=[WEEKDAYS[d][:3] for d in sorted(window.weekdays)] if window.weekdays is not None else None,
            start_time=_clock(window.day_from) if window.day_from is not None else None,
            end_time=_clock(window.day_until) if window.day_until is not None else None,
        )
    return UnderstoodOut(
        service=heard.service,
        age_group=heard.age_group,
        age=heard.age,
        place=place_out(heard.place) if heard.place else None,
        max_price_cents=heard.max_price_cents,
        start=window.start.isoformat(timespec="seconds") if window else None,
        end=window.end.isoformat(timespec="seconds") if window else None,
        online=heard.online,
        times=times,
    )


# The reader (app.search.parse) each key of `understood` comes from; the others (start, end, times)
# are the time window's.
_READERS = {
    "service": "service", "age_group": "age", "age": "age", "place": "place", "max_price_cents": "max_price",
    "online": "online",
}  # fmt: skip


def understood_from(heard: Understood | None, understood: UnderstoodOut) -> dict[str, list[tuple[int, int]]]:
    """For each key `understood` gives, the spans of `q` it was read from."""
    if heard is None:
        return {}
    given = (key for key in understood.__struct_fields__ if getattr(understood, key) is not None)
    found = {key: heard.spans_of(_READERS.get(key, "window")) for key in given}
    return {key: list(spans) for key, spans in found.items() if spans}

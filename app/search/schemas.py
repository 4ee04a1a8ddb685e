from __future__ import annotations

from typing import Any

import msgspec

from app.catalog.schemas import ServiceSummary


class ResultInstructor(msgspec.Struct):
    id: int
    full_name: str
    headline: str | None
    picture: dict[str, Any] | None


class Rating(msgspec.Struct):
    average: float | None
    count: int


class SearchResult(msgspec.Struct):
    instructor: ResultInstructor
    service: ServiceSummary
    hourly_rate_cents: int
    distance_miles: float | None
    rating: Rating
    next_slots: list[str]


class PlaceOut(msgspec.Struct):
    kind: str  # zip | neighborhood | borough
    name: str
    borough: str | None
    lat: float
    lng: float


class TimesOut(msgspec.Struct, omit_defaults=True):
    """A recurring part of the window ("after 6pm on weekdays"): days and hours in the searcher's zone."""

    weekdays: list[str] | None = None
    start_time: str | None = None  # HH:MM
    end_time: str | None = None  # HH:MM, 24:00 for midnight


class UnderstoodOut(msgspec.Struct, omit_defaults=True):
    """Only the filters read from `q` (and in effect): an absent key was not understood."""

    service: str | None = None
    age_group: str | None = None
    age: int | None = None
    place: PlaceOut | None = None
    max_price_cents: int | None = None
    start: str | None = None
    end: str | None = None
    online: bool | None = None
    times: TimesOut | None = None


class SearchResults(msgspec.Struct):
    understood: UnderstoodOut
    results: list[SearchResult]
    next_cursor: str | None
    # Each key of `understood` and the words of `q` it was read from: [[start, end], ...] character
    # offsets, so a client can take one filter out of the text and keep the rest.
    understood_from: dict[str, list[tuple[int, int]]] = msgspec.field(default_factory=dict)


class InstructorList(msgspec.Struct):
    """A context list (Music → Piano, Kids → Piano): results as search gives them."""

    results: list[SearchResult]
    next_cursor: str | None

"""The search in SQL (core PostgreSQL only): each live instructor's best-matching offer, the place
test (the offer's GiST-indexed reach box, its instructor's service radius around its place, holding the
place, refined by the haversine distance against that radius), the sort keys and keyset paging. Every
sort is ascending on (k1, k2, id). An offer carries its instructor's live flag, place and radius
(migrations 0018 and 0019), so the offers are read alone; profiles only for the page's headlines and,
when words are left in the query, for the relevance of their headline and bio."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import msgspec

from app.availability.open_slots_batch import Availability, availability_columns, availability_from
from app.catalog.tables import InstructorService
from app.core.db import fetch
from app.core.sql import Sql
from app.search.cursor import Position
from app.search.filters import Filters

SlotsBetween = tuple[datetime, datetime, datetime]  # start, end, now

EARTH_RADIUS_MILES = 3958.8
# A degree of latitude is at least 68.7 miles: dividing by less makes the box a little too big, never too small.
MILES_PER_DEGREE = 68.0
# Relevance: ratings shrunk towards 4.0 as if each instructor had 3 such reviews, less a tenth of a
# point a mile up to 10 (an online teacher's distance matters little), plus half a point when the
# profile mentions a word of the query left over.
PRIOR_RATING, PRIOR_WEIGHT, POINTS_PER_MILE, DISTANCE_CAP_MILES, WORD_POINTS = 4.0, 3, 0.1, 10, 0.5
FAR = 1e6  # the distance of an instructor without a place (none is live without one)

_HAVERSINE = (
    f"(2 * {EARTH_RADIUS_MILES} * asin(sqrt(least(1.0::float8, "
    "power(sin(radians(o.lat - {lat}) / 2), 2) "
    "+ cos(radians({lat})) * cos(radians(o.lat)) * power(sin(radians(o.lng - {lng}) / 2), 2)))))"
)
_SHRUNK_RATING = (
    f"((coalesce(r.rating_sum, 0) + {PRIOR_RATING * PRIOR_WEIGHT})::float8"
    f" / (coalesce(r.review_count, 0) + {PRIOR_WEIGHT}))"
)
_AVERAGE = "(r.rating_sum::float8 / nullif(r.review_count, 0))"


class Candidate(msgspec.Struct, frozen=True):
    """A struct, not a frozen dataclass: made up to 120 times a search, at a quarter of the cost."""

    instructor_id: int
    full_name: str
    timezone: str
    headline: str | None
    service_id: int
    service_slug: str
    service_name: str
    hourly_rate_cents: int
    durations_minutes: list[int]
    distance_miles: float | None
    review_count: int
    rating_sum: int
    picture_version: int | None  # app.media's profile_pictures.version, read here to spare a round trip
    position: Position
    availability: Availability | None = None  # when asked for with the candidates


def _like_patterns(words: tuple[str, ...]) -> list[str]:
    escaped = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in words if len(w) >= 3]
    return [f"%{w}%" for w in escaped]


def _distance(sql: Sql, filters: Filters) -> None:
    place = filters.place
    if place is None:
        sql.add("NULL::float8")
    else:
        sql.add(_HAVERSINE.format(lat="{}", lng="{}"), place.lat, place.lat, place.lng)


def _online(offer: str) -> str:
    return f"'online' = ANY({offer}.locations)"


def _offers(filters: Filters) -> Sql:
    """Each live instructor's best offer among those passing the filters, with its distance. The inner
    query (kept whole by OFFSET 0: PostgreSQL would copy the distance into every test of it) computes
    each distance once, for the offers the cheap tests let through; the outer one keeps those within
    their radius."""
    inner = Sql().add("SELECT o.instructor, o.service, o.hourly_rate_cents, o.durations_minutes,")
    inner.add("o.service_radius_miles, o.locations,")
    _distance(inner, filters)
    # live, reach, place and radius: the instructor's, copied (migrations 0018 and 0019)
    inner.add("AS distance FROM instructor_services o WHERE o.live")
    if filters.service_id is not None:
        inner.add("AND o.service = {}", filters.service_id)
    if filters.age_group is not None:
        inner.add("AND {} = ANY(o.age_groups)", filters.age_group)
    if filters.max_price_cents is not None:
        inner.add("AND o.hourly_rate_cents <= {}", filters.max_price_cents)
    place = filters.place
    within = Sql()
    if place is not None:
        # The offer's reach (its instructor's service radius's box, migrations 0017 and 0018) must hold
        # the place; the haversine keeps those whose radius truly does. Without a service, the live
        # offers' reach index finds them. With one, its live offers (hundreds at 10,000 instructors)
        # are fewer than those reaching a central place (thousands), but PostgreSQL guesses any `&&`
        # on a GiST box at 0.5 % of rows and would start from the reach index: `box_overlap`, the same
        # test as a function call, is no index condition, so the plan starts from the service.
        here = "box(point({}, {}), point({}, {}))"
        reach = f"o.reach && {here}" if filters.service_id is None else f"box_overlap(o.reach, {here})"
        inner.add(f"AND (( {reach}", place.lng, place.lat, place.lng, place.lat)
        within.add("(x.distance <= x.service_radius_miles")
        if filters.radius_miles is not None:
            dlat = filters.radius_miles / MILES_PER_DEGREE
            dlng = filters.radius_miles / (MILES_PER_DEGREE * max(math.cos(math.radians(abs(place.lat) + dlat)), 0.01))
            inner.add("AND point(o.lng, o.lat) <@ box(point({}, {}), point({}, {}))",
                      place.lng - dlng, place.lat - dlat, place.lng + dlng, place.lat + dlat)  # fmt: skip
            within.add("AND x.distance <= {}", filters.radius_miles)
        inner.add(f") OR {_online('o')})" if filters.online else "))")
        within.add(f") OR {_online('x')}" if filters.online else ")")
    elif filters.online:
        inner.add(f"AND {_online('o')}")
    sql = Sql().add("SELECT DISTINCT ON (x.instructor) x.instructor, x.service, x.hourly_rate_cents,")
    sql.add("x.durations_minutes, x.distance FROM (").add(inner).add("OFFSET 0) x")
    if within.parts:
        sql.add("WHERE").add(within)
    return sql.add("ORDER BY x.instructor, x.hourly_rate_cents, x.service")


def _sort_keys(filters: Filters, patterns: list[str]) -> tuple[str, str, list[Any]]:
    if filters.sort == "distance":
        return f"coalesce(b.distance, {FAR}::float8)", "b.hourly_rate_cents::float8", []
    if filters.sort == "price":
        return "b.hourly_rate_cents::float8", f"-{_SHRUNK_RATING}", []
    if filters.sort == "rating":
        return f"coalesce(-{_AVERAGE}, 1.0::float8)", "-coalesce(r.review_count, 0)::float8", []
    score = _SHRUNK_RATING
    if filters.place is not None:
        score += f" - {POINTS_PER_MILE}::float8 * least(coalesce(b.distance, {FAR}), {DISTANCE_CAP_MILES})"
    args: list[Any] = []
    if patterns:
        mentioned = "concat_ws(' ', w.headline, w.bio) ILIKE ANY({}::text[])"
        score += f" + CASE WHEN {mentioned} THEN {WORD_POINTS}::float8 ELSE 0 END"
        args.append(patterns)
    return f"-({score})", "0::float8", args


def candidates_query(
    filters: Filters, after: Position | None, count: int, slots_between: SlotsBetween | None = None
) -> tuple[str, list[Any]]:
    """The SQL of `candidates` and its arguments."""
    k1, k2, key_args = _sort_keys(filters, _like_patterns(filters.words))
    offers = _offers(filters)
    # Ranked from the offers and ratings alone; names, headlines, services and pictures joined to the page only.
    sql = Sql().add("SELECT top.*, u.full_name, u.timezone, s.slug, s.name AS service_name,")
    sql.add("p.headline, pp.version AS picture_version FROM (SELECT * FROM (")
    sql.add("SELECT b.instructor, b.service, b.hourly_rate_cents, b.durations_minutes, b.distance,")
    sql.add("coalesce(r.review_count, 0) AS review_count, coalesce(r.rating_sum, 0) AS rating_sum,")
    sql.add(f"{k1} AS k1, {k2} AS k2", *key_args)
    sql.add("FROM (").add(offers).add(") b")
    sql.add("LEFT JOIN review_summaries r ON r.instructor = b.instructor")
    if key_args:  # words left in the query: every candidate's headline and bio score them
        sql.add("LEFT JOIN instructor_profiles w ON w.instructor = b.instructor")
    sql.add(") ranked")
    if after is not None:
        sql.add("WHERE (k1, k2, instructor) > ({}::float8, {}::float8, {})", *after.keys, after.instructor_id)
    sql.add("ORDER BY k1, k2, instructor LIMIT {}) top", count)
    sql.add("JOIN users u ON u.id = top.instructor JOIN services s ON s.id = top.service")
    sql.add("LEFT JOIN instructor_profiles p ON p.instructor = top.instructor")
    sql.add('LEFT JOIN profile_pictures pp ON pp."user" = top.instructor ORDER BY top.k1, top.k2, top.instructor')
    if slots_between is not None:  # the page's availability in the same round trip
        columns = availability_columns("page.instructor", *slots_between)
        sql = Sql("WITH page AS (").add(sql).add(") SELECT page.*,").add(columns)
        sql.add("FROM page ORDER BY page.k1, page.k2, page.instructor")
    return sql.numbered(), sql.args


async def candidates(
    filters: Filters, after: Position | None, count: int, slots_between: SlotsBetween | None = None
) -> list[Candidate]:
    """Up to `count` results in sort order after `after`; with `slots_between` (start, end, now), each
    with what its open slots in [start, end) are computed from."""
    text, args = candidates_query(filters, after, count, slots_between)
    rows = await fetch(InstructorService, text, *args)
    return [
        Candidate(
            instructor_id=row["instructor"], full_name=row["full_name"], timezone=row["timezone"],
            headline=row["headline"], service_id=row["service"],
            service_slug=row["slug"], service_name=row["service_name"], hourly_rate_cents=row["hourly_rate_cents"],
            durations_minutes=row["durations_minutes"], distance_miles=row["distance"],
            review_count=row["review_count"], rating_sum=row["rating_sum"], picture_version=row["picture_version"],
            position=Position((row["k1"], row["k2"]), row["instructor"]),
            availability=availability_from(row) if slots_between is not None else None,
        )
        for row in rows
    ]  # fmt: skip

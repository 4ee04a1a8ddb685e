"""A search as asked (free text and direct filters from the query string) → the filters it runs with
and what was understood from the text. Direct filters win over the same ones read from `q`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.core.errors import ApiError, bad_input
from app.core.parsing import WireFormatError, parse_instant
from app.core.time import is_valid_timezone
from app.core.time import now as clock_now
from app.places import Place
from app.places.resolve import place_at, place_by_borough, place_by_neighborhood, place_by_zip
from app.search.parse import MAX_QUERY_LENGTH, Understood, understand
from app.search.parse_time import TimeWindow
from app.search.service_names import ServiceNames, read_service_names

AGE_GROUPS = ("kids", "teens", "adults")
SORTS = ("relevance", "distance", "price", "rating")
DEFAULT_TIMEZONE = "America/New_York"
MAX_WINDOW_DAYS = 31
MAX_RADIUS_MILES = 50.0  # the widest service radius a profile may have
_COORDINATE = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,12})?")
_RADIUS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,6})?")


@dataclass
class SearchAsk:
    """The query string as given (strings; whole numbers already bounded by their route types)."""

    q: str | None = None
    service: str | None = None
    age_group: str | None = None
    max_price_cents: int | None = None
    near: str | None = None
    lat: str | None = None
    lng: str | None = None
    radius_miles: str | None = None
    online: str | None = None
    start: str | None = None
    end: str | None = None
    tz: str | None = None
    sort: str | None = None
    limit: int = 20
    cursor: str | None = None

    def fingerprint_parts(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("limit", "cursor")}


@dataclass(frozen=True)
class Filters:
    service_id: int | None = None
    age_group: str | None = None
    max_price_cents: int | None = None
    place: Place | None = None
    radius_miles: float | None = None
    online: bool = False
    window: TimeWindow | None = None
    sort: str = "relevance"
    words: tuple[str, ...] = ()  # what the text said beyond filters, for relevance
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))


class _Problems(list):
    def add(self, key: str, message: str) -> None:
        self.append({"key": key, "message": message})


def _place_named(raw: str) -> Place:
    """`near`: a zip code, a neighbourhood or a borough."""
    text = raw.strip()
    if re.fullmatch(r"[0-9]{5}", text):
        return place_by_zip(text, "near")
    try:
        return place_by_neighborhood(text, "near")
    except ApiError:
        pass
    try:
        return place_by_borough(text, "near")
    except ApiError:
        raise bad_input([{"key": "near", "message": "Not a New York City zip code, neighborhood or borough"}]) from None


def _coordinates(ask: SearchAsk, problems: _Problems) -> Place | None:
    if ask.lat is None and ask.lng is None:
        return None
    if ask.lat is None or ask.lng is None:
        problems.add("lat" if ask.lat is None else "lng", "Give lat and lng together")
        return None
    values = {}
    for key, raw, bound in (("lat", ask.lat, 90), ("lng", ask.lng, 180)):
        if not _COORDINATE.fullmatch(raw) or abs(float(raw)) > bound:
            problems.add(key, f"Must be decimal degrees between -{bound} and {bound}")
        else:
            values[key] = float(raw)
    if len(values) < 2:
        return None
    try:
        return place_at(values["lat"], values["lng"])
    except ApiError as refusal:
        problems.extend(refusal.extra)
        return None


def _window(ask: SearchAsk, problems: _Problems, tz: ZoneInfo) -> TimeWindow | None:
    if ask.start is None and ask.end is None:
        return None
    instants = {}
    for key, raw in (("start", ask.start), ("end", ask.end)):
        if raw is None:
            problems.add(key, "Give start and end together")
            continue
        try:
            instants[key] = parse_instant(raw).astimezone(tz)
        except WireFormatError as exc:
            problems.add(key, str(exc).capitalize())
    if len(instants) < 2:
        return None
    if instants["end"] <= instants["start"]:
        problems.add("end", "Must be after start")
    elif instants["end"] - instants["start"] > timedelta(days=MAX_WINDOW_DAYS):
        problems.add("end", f"At most {MAX_WINDOW_DAYS} days after start")
    return TimeWindow(instants["start"], instants["end"])


def _choice(raw: str | None, key: str, choices: tuple[str, ...], problems: _Problems) -> str | None:
    if raw is not None and raw not in choices:
        problems.add(key, f"One of {', '.join(choices)}")
        return None
    return raw


def _searchers_zone(ask: SearchAsk, user_timezone: str | None, problems: _Problems) -> ZoneInfo:
    if ask.tz is not None and not is_valid_timezone(ask.tz):
        problems.add("tz", "Not an IANA time zone name (e.g. America/New_York)")
    return ZoneInfo(ask.tz if ask.tz and is_valid_timezone(ask.tz) else user_timezone or DEFAULT_TIMEZONE)


async def resolve(
    ask: SearchAsk, user_timezone: str | None, names: ServiceNames | None = None
) -> tuple[Filters, Understood | None]:
    """The filters to search with and what `q` was understood as (None without `q`); 400 naming every
    bad key at once. `names`: a web process's kept catalog (else it is read)."""
    problems = _Problems()
    if ask.q is not None and len(ask.q) > MAX_QUERY_LENGTH:
        problems.add("q", f"At most {MAX_QUERY_LENGTH} characters")
    tz = _searchers_zone(ask, user_timezone, problems)
    catalog = await (names.read() if names is not None else read_service_names())
    ids = {row["slug"]: row["id"] for row in catalog}
    if ask.service is not None and ask.service not in ids:
        problems.add("service", "No service with this slug (GET /api/catalog/services lists them)")
    age_group = _choice(ask.age_group, "age_group", AGE_GROUPS, problems)
    sort = _choice(ask.sort, "sort", SORTS, problems) or "relevance"
    online = _choice(ask.online, "online", ("true", "false"), problems)
    place = None
    if ask.near is not None and (ask.lat is not None or ask.lng is not None):
        problems.add("near", "Give near or lat and lng, not both")
    elif ask.near is not None:
        try:
            place = _place_named(ask.near)
        except ApiError as refusal:
            problems.extend(refusal.extra)
    else:
        place = _coordinates(ask, problems)
    radius = None
    if ask.radius_miles is not None:
        if not _RADIUS.fullmatch(ask.radius_miles) or not 0 < float(ask.radius_miles) <= MAX_RADIUS_MILES:
            problems.add("radius_miles", f"Miles: a number above 0, at most {MAX_RADIUS_MILES:g}")
        else:
            radius = float(ask.radius_miles)
    window = _window(ask, problems, tz)
    if problems:
        raise bad_input(problems)
    heard = None
    if ask.q is not None and ask.q.strip():
        heard = understand(ask.q, now=clock_now(), tz=tz, catalog=tuple((row["slug"], row["name"]) for row in catalog))
    heard = _without_given(heard, ask)
    place = place or (heard.place if heard else None)
    if sort == "distance" and place is None:
        raise bad_input([{"key": "sort", "message": "Sorting by distance needs a place: near, or lat and lng"}])
    if radius is not None and place is None:
        raise bad_input([{"key": "radius_miles", "message": "A radius needs a place: near, or lat and lng"}])
    slug = ask.service or (heard.service if heard else None)
    filters = Filters(
        service_id=ids[slug] if slug else None,
        age_group=age_group or (heard.age_group if heard else None),
        max_price_cents=ask.max_price_cents or (heard.max_price_cents if heard else None),
        place=place,
        radius_miles=radius,
        online=online == "true" or bool(heard and heard.online),
        window=window or (heard.window if heard else None),
        sort=sort,
        words=tuple(heard.text_left.split()[:5]) if heard else (),
        tz=tz,
    )
    return filters, heard


def _without_given(heard: Understood | None, ask: SearchAsk) -> Understood | None:
    """What `q` said, less what a direct filter replaces (`understood` lists only filters in effect)."""
    if heard is None:
        return None
    replaced: dict[str, Any] = {}
    if ask.service is not None:
        replaced["service"] = None
    if ask.age_group is not None:
        replaced.update(age_group=None, age=None)
    if ask.max_price_cents is not None:
        replaced["max_price_cents"] = None
    if ask.near is not None or ask.lat is not None:
        replaced["place"] = None
    if ask.start is not None:
        replaced["window"] = None
    if ask.online is not None:
        replaced["online"] = None
    return Understood(**{**heard.__dict__, **replaced})

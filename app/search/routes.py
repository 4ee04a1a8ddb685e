from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, get
from litestar.params import Parameter

from app.core.openapi import errors
from app.core.params import whole_number
from app.instructors.profile_routes import optional_viewer
from app.search import context
from app.search.filters import AGE_GROUPS, SORTS, SearchAsk
from app.search.schemas import InstructorList, SearchResults
from app.search.service import search
from app.services import Services

SearchLimit = whole_number("SearchLimit", 1, 50)
PriceCents = whole_number("PriceCents", 100, 100_000)  # app.catalog.service.MAX_RATE_CENTS


def text(description: str, max_length: int = 100, **extra) -> Parameter:
    return Parameter(description=description, max_length=max_length, required=False, **extra)


Near = Annotated[str | None, text("A New York City zip code, neighborhood or borough")]
Lat = Annotated[str | None, text("Latitude in decimal degrees (with lng; inside New York City)", 20)]
Lng = Annotated[str | None, text("Longitude in decimal degrees (with lat)", 20)]
Radius = Annotated[str | None, text("Only instructors within this many miles of the place (up to 50)", 12)]
Online = Annotated[str | None, text("true: instructors who teach online are results wherever they are", 5)]
Sort = Annotated[str | None, text(f"One of {', '.join(SORTS)} (default relevance; distance needs a place)", 10)]
Limit = Annotated[SearchLimit, Parameter(description="Results per page, at most 50")]
Cursor = Annotated[str | None, text("next_cursor of the previous page (same search)", 300)]


@get(
    "/search",
    exclude_from_auth=True,
    responses=errors(400, 401),
    summary="Search live instructors (public)",
    description="Free text `q` is read into filters (returned as `understood`, and in `understood_from` "
    "the character spans of `q` each was read from, so one filter can be taken out of the text); filters "
    "given directly win. "
    "A signed-in searcher's relative times are in its own time zone unless `tz` says otherwise.",
)
async def search_instructors(
    request: Request,
    services: Services,
    q: Annotated[str | None, text("Free text, e.g. piano for my 8 year old in Park Slope under $80", 200)] = None,
    service: Annotated[str | None, text("A service slug", 80)] = None,
    age_group: Annotated[str | None, text(f"One of {', '.join(AGE_GROUPS)}", 10)] = None,
    max_price_cents: Annotated[PriceCents | None, Parameter(description="Highest hourly rate, cents")] = None,
    near: Near = None,
    lat: Lat = None,
    lng: Lng = None,
    radius_miles: Radius = None,
    online: Online = None,
    start: Annotated[str | None, text("ISO time with offset: only instructors with an open slot from then", 40)] = None,
    end: Annotated[str | None, text("ISO time with offset, after start, at most 31 days later", 40)] = None,
    tz: Annotated[
        str | None, text("IANA time zone for relative times (default yours, else America/New_York)", 64)
    ] = None,
    sort: Sort = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> SearchResults:
    viewer = await optional_viewer(request, services)
    ask = SearchAsk(
        q=q, service=service, age_group=age_group, max_price_cents=max_price_cents, near=near, lat=lat, lng=lng,
        radius_miles=radius_miles, online=online, start=start, end=end, tz=tz, sort=sort, limit=limit, cursor=cursor,
    )  # fmt: skip
    return await search(services, ask, viewer.timezone if viewer else None)


@get(
    "/catalog/services/{slug:str}/instructors",
    exclude_from_auth=True,
    responses=errors(400, 404),
    summary="Live instructors offering a service, in a category's context (public)",
    description="`category=kids`: only those offering it to kids. Another category must hold the service (else 404).",
)
async def service_instructors(
    services: Services,
    slug: str,
    category: Annotated[str | None, text("A category slug: kids, or the service's own category", 80)] = None,
    near: Near = None,
    lat: Lat = None,
    lng: Lng = None,
    radius_miles: Radius = None,
    online: Online = None,
    sort: Sort = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> InstructorList:
    ask = SearchAsk(
        service=slug, near=near, lat=lat, lng=lng, radius_miles=radius_miles, online=online, sort=sort, limit=limit,
        cursor=cursor,
    )  # fmt: skip
    return await context.instructors_in_context(services, ask, category)


router = Router("/api", route_handlers=[search_instructors, service_instructors], tags=["search"])

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, delete, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.core.openapi import BEARER, errors
from app.feeds import service
from app.feeds.schemas import CalendarFeedOut
from app.services import Services


@post(
    "/me/calendar-feed",
    status_code=201,
    security=BEARER,
    responses=errors(401),
    summary="A new secret calendar-feed URL of the caller's lessons (the previous one stops working)",
)
async def create_feed(request: Request, services: Services) -> CalendarFeedOut:
    token = await service.new_feed(request.user.id, services.settings.secret_key)
    return CalendarFeedOut(url=service.feed_url(str(request.base_url), token))


@get(
    "/me/calendar-feed",
    security=BEARER,
    responses=errors(401, 404, 409),
    cache_control=CacheControlHeader(no_store=True),
    summary="The caller's current calendar-feed URL",
    description="404 `no_calendar_feed`: none was made, or it was revoked. 409 `calendar_feed_not_shown`: "
    "the URL works but cannot be shown again (made before URLs could be, or the server's secret key "
    "changed); POST a new one to see it.",
)
async def current_feed(request: Request, services: Services) -> CalendarFeedOut:
    token = await service.current_feed(request.user.id, services.settings.secret_key)
    return CalendarFeedOut(url=service.feed_url(str(request.base_url), token))


@delete(
    "/me/calendar-feed",
    status_code=HTTP_204_NO_CONTENT,
    security=BEARER,
    responses=errors(401),
    summary="Revoke the caller's calendar-feed URL",
)
async def revoke_feed(request: Request) -> None:
    await service.revoke_feed(request.user.id)


@get(
    "/calendar-feeds/{file_name:str}",
    exclude_from_auth=True,
    responses=errors(404),
    media_type="text/calendar",
    summary="A calendar feed (RFC 5545) of live and completed lessons; the secret URL is the credential",
)
async def calendar_feed(
    file_name: Annotated[str, Parameter(pattern=r"^[A-Za-z0-9_-]{1,60}\.ics$", description="<token>.ics")],
) -> Response[bytes]:
    body = await service.calendar_of(file_name)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="lessons.ics"'},
    )


router = Router("/api", route_handlers=[create_feed, current_feed, revoke_feed, calendar_feed], tags=["calendar feeds"])

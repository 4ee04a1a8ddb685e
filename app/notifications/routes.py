from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.core.openapi import BEARER, errors
from app.core.params import Id, PageSize
from app.notifications import service


@get(
    "/notifications",
    security=BEARER,
    responses=errors(400, 401),
    summary="The caller's feed, newest first, with the unread count",
)
async def list_notifications(request: Request, before: Id | None = None, limit: PageSize = 50) -> dict[str, Any]:
    return await service.feed(request.user.id, before, limit)


@post("/notifications/read-all", status_code=HTTP_204_NO_CONTENT, security=BEARER, responses=errors(401))
async def read_all(request: Request) -> None:
    await service.mark_all_read(request.user.id)


@post(
    "/notifications/{notification_id:str}/read",
    status_code=HTTP_204_NO_CONTENT,
    security=BEARER,
    responses=errors(400, 401, 404),
)
async def read_one(request: Request, notification_id: Id) -> None:
    await service.mark_read(request.user.id, notification_id)


router = Router("/api", route_handlers=[list_notifications, read_all, read_one], tags=["notifications"])

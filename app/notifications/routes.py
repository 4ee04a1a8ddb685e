from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.notifications import service


@get("/notifications", summary="The caller's feed, newest first, with the unread count")
async def list_notifications(
    request: Request,
    before: int | None = None,
    limit: int = Parameter(default=50, ge=1, le=service.MAX_PAGE),
) -> dict[str, Any]:
    return await service.feed(request.user.id, before, limit)


@post("/notifications/read-all", status_code=HTTP_204_NO_CONTENT)
async def read_all(request: Request) -> None:
    await service.mark_all_read(request.user.id)


@post("/notifications/{notification_id:int}/read", status_code=HTTP_204_NO_CONTENT)
async def read_one(request: Request, notification_id: int) -> None:
    await service.mark_read(request.user.id, notification_id)


router = Router("/api", route_handlers=[list_notifications, read_all, read_one], tags=["notifications"])

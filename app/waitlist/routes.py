from __future__ import annotations

from litestar import Request, Router, delete, get, post
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.core.auth import students_only
from app.core.openapi import BEARER, errors
from app.core.params import Id
from app.waitlist import service
from app.waitlist.schemas import WaitlistEntryOut, WaitlistJoin


@post(
    "/instructors/{instructor_id:str}/waitlist",
    guards=[students_only],
    status_code=201,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 409),
    summary="Be told when the instructor has an opening of this length in the window (students)",
    description="The window is at most 14 days and in the future (else 400 naming the field); times in the "
    "response carry the instructor's offset. 409 `too_many_waitlist_entries` past 50 waiting entries.",
)
async def join_waitlist(request: Request, instructor_id: Id, data: WaitlistJoin) -> WaitlistEntryOut:
    return await service.join(request.user.id, instructor_id, data)


@get(
    "/me/waitlist",
    guards=[students_only],
    security=BEARER,
    responses=errors(401, 403),
    summary="The caller's waitlist entries whose window has not ended, soonest first",
)
async def my_waitlist(request: Request) -> list[WaitlistEntryOut]:
    return await service.entries_of(request.user.id)


@delete(
    "/me/waitlist/{entry_id:str}",
    guards=[students_only],
    status_code=HTTP_204_NO_CONTENT,
    security=BEARER,
    responses=errors(400, 401, 403, 404),
    summary="Leave a waitlist (someone else's entry: 404)",
)
async def leave_waitlist(request: Request, entry_id: Id) -> None:
    await service.leave(request.user.id, entry_id)


router = Router("/api", route_handlers=[join_waitlist, my_waitlist, leave_waitlist], tags=["waitlist"])

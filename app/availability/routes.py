from __future__ import annotations

from email.utils import format_datetime
from typing import Annotated, Any

from litestar import Request, Response, Router, delete, get, post, put
from litestar.datastructures import ResponseHeader
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.availability import service, template
from app.availability.open_slots import open_slots, parse_slot_query
from app.availability.schemas import (
    CollaboratorAdd,
    CollaboratorOut,
    OpenSlots,
    TemplateConflict,
    TemplateOut,
    TemplateReplace,
    WeekConflict,
    WeekCopy,
    WeekOut,
    WeekReplace,
    WeeksOut,
)
from app.core.errors import ApiError
from app.core.http import etag_matches
from app.core.openapi import BEARER, errors
from app.core.params import DATE_PATTERN, Id, LessonMinutes
from app.instructors.service import find_instructor
from app.services import Services

WEEK = "/instructors/{instructor_id:str}/availability/weeks/{week_start:str}"


def date_parameter(description: str) -> Any:
    return Parameter(pattern=DATE_PATTERN, schema_extra={"format": "date"}, description=description)


WeekStart = Annotated[str, date_parameter("The Monday of the week, YYYY-MM-DD (another date is a 400)")]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match", max_length=200, description='Required: the week\'s ETag as loaded ("<version>"); missing → 428'
    ),
]
ClientId = Annotated[
    str | None,
    HeaderParameter(name="X-Client-Id", max_length=100, description="Echoed in the events this request causes"),
]
# Documentation only (week_response sets them); `value` is an example that types them as strings.
WEEK_HEADERS = [
    ResponseHeader(
        name="ETag",
        description="The week's version, quoted: send it back as If-Match",
        documentation_only=True,
        required=True,
        value='"3f2a9c"',
    ),
    ResponseHeader(
        name="Last-Modified",
        description="When the week or its bookings last changed",
        documentation_only=True,
        required=True,
        value="Mon, 23 Nov 2026 14:00:00 GMT",
    ),
]
WEEK_CONFLICT = ResponseSpec(
    data_container=WeekConflict,
    description="`stale_version` (with `current`) or `booked_range` (with `bookings`): nothing was changed",
    generate_examples=False,
)


def week_response(view: service.WeekView) -> Response[WeekOut]:
    return Response(
        view.out(),
        headers={
            "ETag": f'"{view.version}"',
            "Last-Modified": format_datetime(view.last_modified, usegmt=True),
        },
    )


@get(
    WEEK,
    response_headers=WEEK_HEADERS,
    security=BEARER,
    responses=errors(304, 400, 401, 403, 404),
    summary="An instructor's week, with its version as ETag (its editors)",
)
async def read_week(request: Request, instructor_id: Id, week_start: WeekStart) -> Response[WeekOut]:
    instructor = await service.require_editor(request.user, instructor_id)
    view = await service.load_week(instructor, service.parse_week_start(week_start))
    if etag_matches(request.headers.get("if-none-match"), view.version):
        return Response(None, status_code=304, headers={"ETag": f'"{view.version}"'})
    return week_response(view)


@put(
    WEEK,
    response_headers=WEEK_HEADERS,
    security=BEARER,
    responses={**errors(400, 401, 403, 404, 428, 503), 409: WEEK_CONFLICT},
    summary="Replace the whole week (If-Match required; its editors)",
    description="Checked in order: no If-Match → 428; malformed or overlapping ranges, a date outside the week → "
    "400; stale If-Match → 409 `stale_version`; a live booking no longer inside the ranges → 409 `booked_range`.",
)
async def replace_week(
    request: Request,
    services: Services,
    instructor_id: Id,
    week_start: WeekStart,
    data: WeekReplace,
    if_match: IfMatch = None,
    client_id: ClientId = None,
) -> Response[WeekOut]:
    instructor = await service.require_editor(request.user, instructor_id)
    version = service.parse_if_match(if_match)
    monday = service.parse_week_start(week_start)
    view = await service.replace_week(
        services, instructor, monday, data.days, version, by=request.user.id, client_id=client_id
    )
    return week_response(view)


@delete(
    WEEK,
    status_code=200,
    response_headers=WEEK_HEADERS,
    security=BEARER,
    responses={**errors(400, 401, 403, 404, 428, 503), 409: WEEK_CONFLICT},
    summary="Drop the week's own hours: it follows the weekly template again (If-Match required; its editors)",
    description="409 `stale_version` as for a save; 409 `booked_range` when a live booking would not fit the template.",
)
async def drop_week_exception(
    request: Request,
    services: Services,
    instructor_id: Id,
    week_start: WeekStart,
    if_match: IfMatch = None,
    client_id: ClientId = None,
) -> Response[WeekOut]:
    instructor = await service.require_editor(request.user, instructor_id)
    version = service.parse_if_match(if_match)
    monday = service.parse_week_start(week_start)
    view = await template.drop_week_exception(
        services, instructor, monday, version, by=request.user.id, client_id=client_id
    )
    return week_response(view)


TEMPLATE = "/instructors/{instructor_id:str}/availability/template"
TEMPLATE_CONFLICT = ResponseSpec(
    data_container=TemplateConflict,
    description="`stale_version` (with `current`) or `booked_range` (with the following weeks' `bookings`)",
    generate_examples=False,
)


def template_response(view: template.TemplateView) -> Response[TemplateOut]:
    return Response(view.out(), headers={"ETag": f'"{view.version}"'})


@get(
    TEMPLATE,
    response_headers=WEEK_HEADERS[:1],
    security=BEARER,
    responses=errors(304, 400, 401, 403, 404),
    summary="The weekly hours every week without its own follows (its editors)",
)
async def read_template(request: Request, instructor_id: Id) -> Response[TemplateOut]:
    instructor = await service.require_editor(request.user, instructor_id)
    view = await template.load_template(instructor)
    if etag_matches(request.headers.get("if-none-match"), view.version):
        return Response(None, status_code=304, headers={"ETag": f'"{view.version}"'})
    return template_response(view)


@put(
    TEMPLATE,
    response_headers=WEEK_HEADERS[:1],
    security=BEARER,
    responses={**errors(400, 401, 403, 404, 428, 503), 409: TEMPLATE_CONFLICT},
    summary="Replace the weekly hours (If-Match required; its editors)",
    description="Checked as a week save. It governs the current week and later ones without their own hours; "
    "refused whole with 409 `booked_range` when a live booking in such a week would no longer fit.",
)
async def replace_template(
    request: Request,
    services: Services,
    instructor_id: Id,
    data: TemplateReplace,
    if_match: IfMatch = None,
    client_id: ClientId = None,
) -> Response[TemplateOut]:
    instructor = await service.require_editor(request.user, instructor_id)
    version = service.parse_if_match(if_match)
    by = request.user
    view = await template.replace_template(
        services, instructor, data.weekdays, version, by=by.id, by_name=by.full_name, client_id=client_id
    )
    return template_response(view)


@post(
    WEEK + "/copy",
    status_code=200,
    security=BEARER,
    responses={**errors(400, 401, 403, 404, 503), 409: WEEK_CONFLICT},
    summary="Copy the week onto the named weeks, all or nothing (its editors)",
    description="The same 409s as a week save, naming the target week.",
)
async def copy_week(
    request: Request,
    services: Services,
    instructor_id: Id,
    week_start: WeekStart,
    data: WeekCopy,
    client_id: ClientId = None,
) -> WeeksOut:
    instructor = await service.require_editor(request.user, instructor_id)
    monday = service.parse_week_start(week_start)
    views = await service.copy_week(services, instructor, monday, data.to, by=request.user.id, client_id=client_id)
    return WeeksOut(weeks=[view.out() for view in views])


def require_owner(request: Request, instructor_id: int) -> None:
    if request.user.id != instructor_id:
        raise ApiError(403, "Only the instructor manages its collaborators", code="forbidden")


@get(
    "/instructors/{instructor_id:str}/collaborators",
    security=BEARER,
    responses=errors(400, 401, 403),
    summary="The calendar's collaborators (the instructor only)",
)
async def list_collaborators(request: Request, instructor_id: Id) -> list[CollaboratorOut]:
    require_owner(request, instructor_id)
    return await service.collaborators_of(instructor_id)


@post(
    "/instructors/{instructor_id:str}/collaborators",
    status_code=HTTP_201_CREATED,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 429, 503),
    summary="Add a collaborator by email (the instructor only)",
)
async def add_collaborator(
    request: Request, services: Services, instructor_id: Id, data: CollaboratorAdd
) -> CollaboratorOut:
    require_owner(request, instructor_id)
    await find_instructor(instructor_id)
    await services.account_lookups.record(request.user.id)
    return await service.add_collaborator(instructor_id, data.email)


@delete(
    "/instructors/{instructor_id:str}/collaborators/{user_id:str}",
    status_code=HTTP_204_NO_CONTENT,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 503),
    summary="Remove a collaborator, live subscriptions included (the instructor only)",
)
async def remove_collaborator(request: Request, services: Services, instructor_id: Id, user_id: Id) -> None:
    require_owner(request, instructor_id)
    await service.remove_collaborator(services, instructor_id, user_id)


@get(
    "/instructors/{instructor_id:str}/slots",
    exclude_from_auth=True,
    responses=errors(400, 404),
    summary="Open, bookable start times (public)",
    description="Dates in the instructor's time zone, both inclusive, at most 31 days (else 400).",
)
async def list_slots(
    instructor_id: Id,
    start: Annotated[str, date_parameter("First date, YYYY-MM-DD")],
    end: Annotated[str, date_parameter("Last date (inclusive), YYYY-MM-DD")],
    duration: Annotated[LessonMinutes, Parameter(description="Lesson length in minutes")],
) -> OpenSlots:
    instructor = await find_instructor(instructor_id)
    first, last, minutes = parse_slot_query(start, end, duration)
    return await open_slots(instructor, first, last, minutes)


router = Router(
    "/api",
    route_handlers=[
        read_week, replace_week, drop_week_exception, copy_week, read_template, replace_template,
        list_collaborators, add_collaborator, remove_collaborator, list_slots,
    ],
    tags=["availability"],
)  # fmt: skip

from __future__ import annotations

from litestar import Request, Router, delete, get, put
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.catalog import discovery, service
from app.catalog.schemas import CategoryOut, InstructorOut, InstructorServiceOut, InstructorServiceUpdate
from app.core.auth import instructors_only
from app.core.openapi import BEARER, errors
from app.core.params import Id
from app.services import Services


@get("/catalog/categories", exclude_from_auth=True)
async def categories(services: Services) -> list[CategoryOut]:
    return await discovery.with_kids_computed(services, await service.categories())


@get("/instructors", exclude_from_auth=True, description="Instructors who offer at least one service.")
async def instructors() -> list[InstructorOut]:
    return await service.bookable_instructors()


@put(
    "/instructors/me/services/{service_id:str}",
    guards=[instructors_only],
    security=BEARER,
    responses=errors(400, 401, 403, 404),
    summary="Offer a service (instructors)",
)
async def offer_service(
    request: Request, services: Services, service_id: Id, data: InstructorServiceUpdate
) -> InstructorServiceOut:
    return await service.offer_service(request.user.id, service_id, data, services)


@delete(
    "/instructors/me/services/{service_id:str}",
    guards=[instructors_only],
    status_code=HTTP_204_NO_CONTENT,
    security=BEARER,
    responses=errors(400, 401, 403, 404),
    summary="Stop offering a service (instructors)",
)
async def withdraw_service(request: Request, services: Services, service_id: Id) -> None:
    await service.withdraw_service(request.user.id, service_id, services)


router = Router("/api", route_handlers=[categories, instructors, offer_service, withdraw_service], tags=["catalog"])

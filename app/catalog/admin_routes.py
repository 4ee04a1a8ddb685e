from __future__ import annotations

from litestar import Router, get, post, put

from app.catalog import admin
from app.catalog.schemas import CategoryOut, CategoryWrite, ServiceOut, ServiceWrite
from app.core.auth import admins_only
from app.core.openapi import BEARER, errors
from app.core.params import Id

ADMIN = {"guards": [admins_only], "security": BEARER}


@get("/catalog/services", exclude_from_auth=True, summary="Every service with its category")
async def services() -> list[ServiceOut]:
    return await admin.all_services()


@post(
    "/admin/catalog/categories", **ADMIN, status_code=201, responses=errors(400, 401, 403, 409),
    summary="Add a category (admins)", description="409 `duplicate_slug` when the slug is taken.",
)  # fmt: skip
async def create_category(data: CategoryWrite) -> CategoryOut:
    return await admin.create_category(data)


@put(
    "/admin/catalog/categories/{category_id:str}", **ADMIN, responses=errors(400, 401, 403, 404, 409),
    summary="Replace a category (admins)", description="409 `duplicate_slug` when another category has the slug.",
)  # fmt: skip
async def update_category(category_id: Id, data: CategoryWrite) -> CategoryOut:
    return await admin.update_category(category_id, data)


@post(
    "/admin/catalog/services", **ADMIN, status_code=201, responses=errors(400, 401, 403, 409),
    summary="Add a service (admins)", description="400 when `category_id` names no category; 409 `duplicate_slug`.",
)  # fmt: skip
async def create_service(data: ServiceWrite) -> ServiceOut:
    return await admin.create_service(data)


@put(
    "/admin/catalog/services/{service_id:str}", **ADMIN, responses=errors(400, 401, 403, 404, 409),
    summary="Replace a service (admins)", description="Moves it to `category_id`; 409 `duplicate_slug`.",
)  # fmt: skip
async def update_service(service_id: Id, data: ServiceWrite) -> ServiceOut:
    return await admin.update_service(service_id, data)


HANDLERS = [services, create_category, update_category, create_service, update_service]
router = Router("/api", route_handlers=HANDLERS, tags=["catalog"])
